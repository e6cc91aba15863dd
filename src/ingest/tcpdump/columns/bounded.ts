/**
 * Character helpers that read a record where it lies in the whole capture text, between a start and
 * an end offset `e`: no line is cut out, and no search runs past the record (a missing word must
 * not send `indexOf` through the rest of a 100 MB capture).
 */

/** Reads an unsigned decimal at `i` (before `e`); -1 when there is none. `END` gets the index after it. */
export let END = 0;
export function readUintE(text: string, from: number, end: number): number {
  let value = 0;
  const start = from;
  while (from < end) {
    const code = text.charCodeAt(from);
    if (code < 48 || code > 57) break;
    value = value * 10 + (code - 48);
    from++;
  }
  END = from;
  return from === start ? -1 : value;
}

export function skipSpacesE(text: string, start: number, end: number): number {
  while (start < end) {
    const code = text.charCodeAt(start);
    if (code !== 32 && code !== 9) break;
    start++;
  }
  return start;
}

/** Index of the next space before `e`, or `e`. */
export function wordEndE(text: string, start: number, end: number): number {
  while (start < end && text.charCodeAt(start) !== 32) start++;
  return start;
}

/** First index of `w` in s[from, e) (all of `w` inside), or -1. */
export function findE(text: string, word: string, from: number, end: number): number {
  const last = end - word.length;
  if (from > last) return -1;
  const c0 = word.charCodeAt(0);
  for (let k = from; k <= last; k++) {
    if (text.charCodeAt(k) !== c0) continue;
    let matched = 1;
    while (matched < word.length && text.charCodeAt(k + matched) === word.charCodeAt(matched)) matched++;
    if (matched === word.length) return k;
  }
  return -1;
}

/** Last index of `w` in s[from, e) (all of `w` inside), or -1. */
export function lastFindE(text: string, word: string, from: number, end: number): number {
  const c0 = word.charCodeAt(0);
  for (let k = end - word.length; k >= from; k--) {
    if (text.charCodeAt(k) !== c0) continue;
    let matched = 1;
    while (matched < word.length && text.charCodeAt(k + matched) === word.charCodeAt(matched)) matched++;
    if (matched === word.length) return k;
  }
  return -1;
}

/**
 * Whether `word` is at `start`, wholly before `end`. Compared in a loop rather than by `startsWith`: the words are
 * short, most tests fail at the first character, and the loop is inlined where a call of the builtin is not.
 */
export function at(text: string, start: number, end: number, word: string): boolean {
  if (text.charCodeAt(start) !== word.charCodeAt(0) || start + word.length > end) return false;
  for (let k = 1; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** The character at `k`, or -1 at or past `e` (where a cut-out line would have ended). */
export function charE(text: string, start: number, end: number): number {
  return start < end ? text.charCodeAt(start) : -1;
}

const isHex = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);

/** `aa:bb:cc:dd:ee:ff` at `i`, followed by a space, a comma or `e`. */
export function isMacAtE(text: string, start: number, end: number): boolean {
  if (end < start + 17) return false;
  for (let k = 0; k < 17; k++) {
    const code = text.charCodeAt(start + k);
    if (k % 3 === 2 ? code !== 58 : !isHex(code)) return false;
  }
  const after = charE(text, start + 17, end);
  return after === -1 || after === 32 || after === 44;
}

/** What `String.prototype.trim` removes. */
export function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 160 ||
    code === 5760 ||
    (code >= 8192 && code <= 8202) ||
    code === 8232 ||
    code === 8233 ||
    code === 8239 ||
    code === 8287 ||
    code === 12288 ||
    code === 65279
  );
}

/**
 * `findE` for one word searched at positions that move forward through one text (`begin`), with the native `indexOf`:
 * an answer past the record it was asked for is kept for the records after it, so each stretch of the text is searched
 * natively at most once — linear in all, even when the word never comes again. A search that starts before the last
 * one, or in another text (a record cut out and joined), is `findE`.
 */
export class ForwardFinder {
  private text = '';
  /** The first `word` at or after `from` in `text` is at `found` (-1: none); `from` -1: nothing known yet. */
  private from = -1;
  private found = -1;

  constructor(private readonly word: string) {}

  /** The text searched from now on. */
  begin(text: string): void {
    this.text = text;
    this.from = -1;
    this.found = -1;
  }

  /** First index of the word in text[from, end) (all of it inside), or -1. */
  find(text: string, from: number, end: number): number {
    // (the same string object compares at once; a record cut out of the text is shorter than it)
    if (text.length !== this.text.length || text !== this.text || from < this.from)
      return findE(text, this.word, from, end);
    if (this.from < 0 || (this.found >= 0 && this.found < from)) {
      this.from = from;
      this.found = text.indexOf(this.word, from);
    }
    const found = this.found;
    return found >= 0 && found + this.word.length <= end ? found : -1;
  }
}
