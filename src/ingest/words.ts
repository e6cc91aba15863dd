/** A blank-separated word of a line and the 0-based column it starts at. */
export interface Word {
  w: string;
  at: number;
}

/** The words of a line with their columns: what the unflatten hooks cut lines by. */
export function wordsOf(line: string): Word[] {
  const words: Word[] = [];
  const re = /\S+/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(line)) !== null) words.push({ w: match[0], at: match.index });
  return words;
}

/** A piece of a line and the 0-based column it starts at. */
export interface LinePiece {
  text: string;
  start: number;
}

/**
 * `line` cut at `cuts` (ascending columns, each > 0): [0, c1), [c1, c2), … to the end, each piece
 * without its trailing blanks and blank pieces left out. What the unflatten hooks return once
 * they know where the records of a flattened line start.
 */
export function cutAt(line: string, cuts: readonly number[]): LinePiece[] {
  const out: LinePiece[] = [];
  let from = 0;
  for (let k = 0; k <= cuts.length; k++) {
    const to = k < cuts.length ? cuts[k] : line.length;
    const text = line.slice(from, to).trimEnd();
    if (text.trim() !== '') out.push({ text, start: from });
    from = to;
  }
  return out;
}
