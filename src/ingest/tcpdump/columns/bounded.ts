/**
 * Character helpers that read a record where it lies in the whole capture text, between a start and
 * an end offset `e`: no line is cut out, and no search runs past the record (a missing word must
 * not send `indexOf` through the rest of a 100 MB capture).
 */

/** Reads an unsigned decimal at `i` (before `e`); -1 when there is none. `END` gets the index after it. */
export let END = 0;
export function readUintE(s: string, i: number, e: number): number {
  let n = 0;
  const start = i;
  while (i < e) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  END = i;
  return i === start ? -1 : n;
}

export function skipSpacesE(s: string, i: number, e: number): number {
  while (i < e) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index of the next space before `e`, or `e`. */
export function wordEndE(s: string, i: number, e: number): number {
  while (i < e && s.charCodeAt(i) !== 32) i++;
  return i;
}

/** First index of `w` in s[from, e) (all of `w` inside), or -1. */
export function findE(s: string, w: string, from: number, e: number): number {
  const last = e - w.length;
  if (from > last) return -1;
  const c0 = w.charCodeAt(0);
  for (let k = from; k <= last; k++) {
    if (s.charCodeAt(k) !== c0) continue;
    let j = 1;
    while (j < w.length && s.charCodeAt(k + j) === w.charCodeAt(j)) j++;
    if (j === w.length) return k;
  }
  return -1;
}

/** Last index of `w` in s[from, e) (all of `w` inside), or -1. */
export function lastFindE(s: string, w: string, from: number, e: number): number {
  const c0 = w.charCodeAt(0);
  for (let k = e - w.length; k >= from; k--) {
    if (s.charCodeAt(k) !== c0) continue;
    let j = 1;
    while (j < w.length && s.charCodeAt(k + j) === w.charCodeAt(j)) j++;
    if (j === w.length) return k;
  }
  return -1;
}

/** Whether `w` is at `k`, wholly before `e`. The first character is compared inline: most tests fail there. */
export function at(s: string, k: number, e: number, w: string): boolean {
  return s.charCodeAt(k) === w.charCodeAt(0) && k + w.length <= e && s.startsWith(w, k);
}

/** The character at `k`, or -1 at or past `e` (where a cut-out line would have ended). */
export function charE(s: string, k: number, e: number): number {
  return k < e ? s.charCodeAt(k) : -1;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** `aa:bb:cc:dd:ee:ff` at `i`, followed by a space, a comma or `e`. */
export function isMacAtE(s: string, i: number, e: number): boolean {
  if (e < i + 17) return false;
  for (let k = 0; k < 17; k++) {
    const c = s.charCodeAt(i + k);
    if (k % 3 === 2 ? c !== 58 : !isHex(c)) return false;
  }
  const after = charE(s, i + 17, e);
  return after === -1 || after === 32 || after === 44;
}

/** What `String.prototype.trim` removes. */
export function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 160 ||
    c === 5760 ||
    (c >= 8192 && c <= 8202) ||
    c === 8232 ||
    c === 8233 ||
    c === 8239 ||
    c === 8287 ||
    c === 12288 ||
    c === 65279
  );
}
