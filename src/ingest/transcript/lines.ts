/**
 * The lines of a document, read on demand. A million-line capture split into a million strings
 * costs more memory than the capture's own parse; here a document keeps one Int32Array of line
 * starts and makes a line's string only when someone asks for it (the splitter mostly looks at a
 * line's first character). Lines are those of `splitLines`: split at `\n`, one `\r` before it
 * dropped, and a last empty line (after a final newline) not counted.
 */

export interface LineSource {
  /** Number of lines. */
  readonly count: number;
  /** Line k (0-based) without its line end. */
  at(k: number): string;
  /** Code of line k's first character that is not a space, tab or CR; -1 for a blank line. */
  lead(k: number): number;
}

/** A document's lines as offsets into its text. */
export interface TextLines extends LineSource {
  readonly text: string;
  /** Lines first..last (0-based, inclusive) as one string joined by `\n`, without their CRs. */
  join(first: number, last: number): string;
  /** Lines first..last as they stand in the text (CRLF line ends kept, the last line's dropped): no copy. */
  slice(first: number, last: number): string;
}

function leadOf(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return c;
  }
  return -1;
}

/** An array of line strings (tests, small texts) seen as a LineSource. */
export function arrayLines(lines: readonly string[]): LineSource {
  return {
    count: lines.length,
    at: (k) => lines[k],
    lead: (k) => leadOf(lines[k], 0, lines[k].length),
  };
}

export function isLineSource(v: readonly string[] | LineSource): v is LineSource {
  return !Array.isArray(v);
}

/** Offsets of the lines of `text`: starts[k] is where line k starts; one more entry past the last `\n`. */
function lineStarts(text: string): { starts: Int32Array; n: number; crlf: boolean } {
  let starts = new Int32Array(Math.max(16, (text.length >> 6) + 1));
  let n = 1; // starts[0] = 0
  let crlf = false;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (!crlf && i > 0 && text.charCodeAt(i - 1) === 13) crlf = true;
    if (n === starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = i + 1;
  }
  // the guess (64 characters a line) can be twice the need: keep only what is used
  return { starts: starts.length - n > 4096 ? starts.slice(0, n) : starts, n, crlf };
}

export function textLines(text: string): TextLines {
  const { starts, n, crlf } = lineStarts(text);
  /** End of line k's content: before its `\n` (or the text's end) and one `\r` before that. */
  const contentEnd = (k: number): number => {
    let e = k + 1 < n ? starts[k + 1] - 1 : text.length;
    if (e > starts[k] && text.charCodeAt(e - 1) === 13) e--;
    return e;
  };
  // `a\nb\n` has two lines, not three (as `splitLines`); a lone line stays even when empty
  const count = n > 1 && contentEnd(n - 1) === starts[n - 1] ? n - 1 : n;
  return {
    text,
    count,
    at: (k) => text.slice(starts[k], contentEnd(k)),
    lead: (k) => leadOf(text, starts[k], k + 1 < n ? starts[k + 1] - 1 : text.length),
    slice: (first, last) => text.slice(starts[first], contentEnd(last)),
    join: (first, last) => {
      const s = text.slice(starts[first], contentEnd(last));
      // the lines keep a CR that is not their last character; only `\r\n` pairs lose theirs
      return crlf ? s.replace(/\r\n/g, '\n') : s;
    },
  };
}

/** Lines from..to-1 as strings (a sniffing window: callers keep it short). */
export function linesOf(src: LineSource, from: number, to: number): string[] {
  const out: string[] = [];
  for (let k = from; k < Math.min(to, src.count); k++) out.push(src.at(k));
  return out;
}
