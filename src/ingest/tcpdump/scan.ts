/**
 * Character-level helpers for the tcpdump parser. Hand-rolled on purpose: a capture can have
 * millions of lines, and these run once per line without regex backtracking or allocation.
 */

import { charE } from './columns/bounded';

export const isDigit = (code: number): boolean => code >= 48 && code <= 57;

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
export function readStamp(text: string, start: number, end = text.length): Stamp | undefined {
  const c0 = text.charCodeAt(start);
  if (!(c0 >= 48 && c0 <= 57) || start >= end) return undefined;
  const c2 = charE(text, start + 2, end);
  let stamp = -1;
  if (c2 === 58) {
    stamp = timeOfDay(text, start, end);
  } else if (
    charE(text, start + 4, end) === 45 &&
    charE(text, start + 7, end) === 45 &&
    charE(text, start + 10, end) === 32 &&
    twoDigits(text, start, end) >= 0 &&
    twoDigits(text, start + 2, end) >= 0 &&
    twoDigits(text, start + 5, end) >= 0 &&
    twoDigits(text, start + 8, end) >= 0
  ) {
    stamp = timeOfDay(text, start + 11, end);
  } else {
    // -tt: seconds since the epoch, 9 or 10 digits, a dot, the fraction.
    let cursor = start;
    let seconds = 0;
    while (cursor < end && cursor < start + 11 && isDigit(text.charCodeAt(cursor))) {
      seconds = seconds * 10 + (text.charCodeAt(cursor) - 48);
      cursor++;
    }
    if (cursor - start >= 9 && charE(text, cursor, end) === 46) {
      let fractionEnd = cursor + 1;
      let frac = 0;
      let scale = 1;
      while (fractionEnd < end && fractionEnd < cursor + 10 && isDigit(text.charCodeAt(fractionEnd))) {
        frac = frac * 10 + (text.charCodeAt(fractionEnd) - 48);
        scale *= 10;
        fractionEnd++;
      }
      if (fractionEnd > cursor + 1) {
        STAMP.end = fractionEnd;
        stamp = seconds + frac / scale;
      }
    }
  }
  if (stamp < 0) return undefined;
  const after = charE(text, STAMP.end, end);
  if (!(after === -1 || after === 32 || after === 9)) return undefined;
  STAMP.t = stamp;
  return STAMP;
}

function twoDigits(text: string, start: number, end: number): number {
  if (start + 1 >= end) return -1;
  const tens = text.charCodeAt(start) - 48;
  const ones = text.charCodeAt(start + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** `HH:MM:SS.frac` at `i` → seconds since midnight, or -1. */
function timeOfDay(text: string, start: number, end: number): number {
  if (charE(text, start + 2, end) !== 58 || charE(text, start + 5, end) !== 58 || charE(text, start + 8, end) !== 46)
    return -1;
  const hours = twoDigits(text, start, end);
  const minutes = twoDigits(text, start + 3, end);
  const sec = twoDigits(text, start + 6, end);
  if (hours < 0 || minutes < 0 || sec < 0 || hours > 23 || minutes > 59 || sec > 60) return -1;
  let cursor = start + 9;
  let frac = 0;
  let scale = 1;
  while (cursor < end && cursor < start + 18) {
    const code = text.charCodeAt(cursor);
    if (code < 48 || code > 57) break;
    frac = frac * 10 + (code - 48);
    scale *= 10;
    cursor++;
  }
  if (cursor === start + 9) return -1;
  STAMP.end = cursor;
  return hours * 3600 + minutes * 60 + sec + frac / scale;
}

/**
 * Where the stamp (or, with -t, the frame) of a packet line starts: at `a`, or after `-#`'s
 * packet number and two spaces, and one more space before -ttt's and -ttttt's stamps.
 */
export function numberedStamp(text: string, from: number, end: number): number {
  let cursor = from;
  while (cursor < end && isDigit(text.charCodeAt(cursor))) cursor++;
  if (cursor === from || text.charCodeAt(cursor) !== 32 || text.charCodeAt(cursor + 1) !== 32) return from;
  cursor += 2;
  if (text.charCodeAt(cursor) === 32) return isDigit(text.charCodeAt(cursor + 1)) ? cursor + 1 : from;
  return cursor < end ? cursor : from;
}
