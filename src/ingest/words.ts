/** A blank-separated word of a line and the 0-based column it starts at. */
export interface Word {
  w: string;
  at: number;
}

/** The words of a line with their columns: what the unflatten hooks cut lines by. */
export function wordsOf(line: string): Word[] {
  const words: Word[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) words.push({ w: m[0], at: m.index });
  return words;
}
