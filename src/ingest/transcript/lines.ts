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

/** Code of the first character of text[from, to) that is not a space, tab or CR; -1 when there is none (a blank line). */
export function leadOf(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 13) return code;
  }
  return -1;
}

/** An array of line strings (tests, small texts) seen as a LineSource. */
export function arrayLines(lines: readonly string[]): LineSource {
  return {
    count: lines.length,
    at: (index) => lines[index],
    lead: (index) => leadOf(lines[index], 0, lines[index].length),
  };
}

export function isLineSource(input: readonly string[] | LineSource): input is LineSource {
  return !Array.isArray(input);
}

/** Offsets of the lines of `text`: starts[k] is where line k starts; one more entry past the last `\n`. */
function lineStarts(text: string): { starts: Int32Array; entries: number; crlf: boolean } {
  let starts = new Int32Array(Math.max(16, (text.length >> 6) + 1));
  let entries = 1; // starts[0] = 0
  let crlf = false;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (!crlf && i > 0 && text.charCodeAt(i - 1) === 13) crlf = true;
    if (entries === starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[entries++] = i + 1;
  }
  // the guess (64 characters a line) can be twice the need: keep only what is used
  return { starts: starts.length - entries > 4096 ? starts.slice(0, entries) : starts, entries, crlf };
}

export function textLines(text: string): TextLines {
  const { starts, entries, crlf } = lineStarts(text);
  /** End of line k's content: before its `\n` (or the text's end) and one `\r` before that. */
  const contentEnd = (index: number): number => {
    let end = index + 1 < entries ? starts[index + 1] - 1 : text.length;
    if (end > starts[index] && text.charCodeAt(end - 1) === 13) end--;
    return end;
  };
  // `a\nb\n` has two lines, not three (as `splitLines`); a lone line stays even when empty
  const count = entries > 1 && contentEnd(entries - 1) === starts[entries - 1] ? entries - 1 : entries;
  return {
    text,
    count,
    at: (index) => text.slice(starts[index], contentEnd(index)),
    lead: (index) => leadOf(text, starts[index], index + 1 < entries ? starts[index + 1] - 1 : text.length),
    slice: (first, last) => text.slice(starts[first], contentEnd(last)),
    join: (first, last) => {
      const joined = text.slice(starts[first], contentEnd(last));
      // the lines keep a CR that is not their last character; only `\r\n` pairs lose theirs
      return crlf ? joined.replace(/\r\n/g, '\n') : joined;
    },
  };
}

/** Lines from..to-1 as strings (a sniffing window: callers keep it short). */
export function linesOf(src: LineSource, from: number, to: number): string[] {
  const out: string[] = [];
  for (let k = from; k < Math.min(to, src.count); k++) out.push(src.at(k));
  return out;
}
