/**
 * Character-level helpers for the tcpdump parser. Hand-rolled on purpose: a capture can have
 * millions of lines, and these run once per line without regex backtracking or allocation.
 */

import { charE } from './columns/bounded';

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export interface Stamp {
  /** Index just after the timestamp (a space or the end follows). */
  end: number;
  t: number;
}

const STAMP: Stamp = { end: -1, t: 0 };

/**
 * A capture timestamp at `i`: `HH:MM:SS.ffffff` (default), `YYYY-MM-DD HH:MM:SS.ffffff` (-tttt) or
 * `EPOCH.ffffff` (-tt). Returns a shared scratch object (copy what you need) or undefined.
 * The stamp must be followed by a space or the end of the text (or `e`, the end of the line).
 */
export function readStamp(s: string, i: number, e = s.length): Stamp | undefined {
  const c0 = s.charCodeAt(i);
  if (!(c0 >= 48 && c0 <= 57) || i >= e) return undefined;
  const c2 = charE(s, i + 2, e);
  let t = -1;
  if (c2 === 58) {
    t = timeOfDay(s, i, e);
  } else if (
    charE(s, i + 4, e) === 45 &&
    charE(s, i + 7, e) === 45 &&
    charE(s, i + 10, e) === 32 &&
    twoDigits(s, i, e) >= 0 &&
    twoDigits(s, i + 2, e) >= 0 &&
    twoDigits(s, i + 5, e) >= 0 &&
    twoDigits(s, i + 8, e) >= 0
  ) {
    t = timeOfDay(s, i + 11, e);
  } else {
    // -tt: seconds since the epoch, 9 or 10 digits, a dot, the fraction.
    let j = i;
    let n = 0;
    while (j < e && j < i + 11 && isDigit(s.charCodeAt(j))) {
      n = n * 10 + (s.charCodeAt(j) - 48);
      j++;
    }
    if (j - i >= 9 && charE(s, j, e) === 46) {
      let k = j + 1;
      let frac = 0;
      let scale = 1;
      while (k < e && k < j + 10 && isDigit(s.charCodeAt(k))) {
        frac = frac * 10 + (s.charCodeAt(k) - 48);
        scale *= 10;
        k++;
      }
      if (k > j + 1) {
        STAMP.end = k;
        t = n + frac / scale;
      }
    }
  }
  if (t < 0) return undefined;
  const after = charE(s, STAMP.end, e);
  if (!(after === -1 || after === 32 || after === 9)) return undefined;
  STAMP.t = t;
  return STAMP;
}

function twoDigits(s: string, i: number, e: number): number {
  if (i + 1 >= e) return -1;
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `HH:MM:SS.frac` at `i` → seconds since midnight, or -1. */
function timeOfDay(s: string, i: number, e: number): number {
  if (charE(s, i + 2, e) !== 58 || charE(s, i + 5, e) !== 58 || charE(s, i + 8, e) !== 46) return -1;
  const h = twoDigits(s, i, e);
  const m = twoDigits(s, i + 3, e);
  const sec = twoDigits(s, i + 6, e);
  if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 60) return -1;
  let j = i + 9;
  let frac = 0;
  let scale = 1;
  while (j < e && j < i + 18) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    frac = frac * 10 + (c - 48);
    scale *= 10;
    j++;
  }
  if (j === i + 9) return -1;
  STAMP.end = j;
  return h * 3600 + m * 60 + sec + frac / scale;
}

/**
 * Where the stamp (or, with -t, the frame) of a packet line starts: at `a`, or after `-#`'s
 * packet number and two spaces, and one more space before -ttt's and -ttttt's stamps.
 */
export function numberedStamp(s: string, a: number, e: number): number {
  let k = a;
  while (k < e && isDigit(s.charCodeAt(k))) k++;
  if (k === a || s.charCodeAt(k) !== 32 || s.charCodeAt(k + 1) !== 32) return a;
  k += 2;
  if (s.charCodeAt(k) === 32) return isDigit(s.charCodeAt(k + 1)) ? k + 1 : a;
  return k < e ? k : a;
}
