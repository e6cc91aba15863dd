/**
 * Mutates a line for fuzz tests: deletes runs, inserts characters of an alphabet, copies a piece
 * of the line into itself and, with donors, splices in the head of another real line. Driven by
 * a seeded PRNG (./random.ts), so a failing input can be replayed from its seed.
 */
export interface Mutation {
  /** Up to this many edits per line (at least one). */
  maxEdits: number;
  /** Share of edits that delete (1 to maxDelete characters), then that insert one character of `alphabet`. */
  deleteShare: number;
  insertShare: number;
  maxDelete: number;
  alphabet: string;
  /** Lines whose heads may be spliced in (the edits left over after `selfShare`). */
  donors?: readonly string[];
  /** Share of edits up to which the line's own pieces are copied; the rest splice donors. */
  selfShare?: number;
}

export function mutate(line: string, r: () => number, m: Mutation): string {
  const chars = [...line];
  for (let k = 0, n = 1 + Math.floor(r() * m.maxEdits); k < n; k++) {
    const at = Math.floor(r() * (chars.length + 1));
    const op = r();
    if (op < m.deleteShare) chars.splice(at, 1 + Math.floor(r() * m.maxDelete));
    else if (op < m.insertShare) chars.splice(at, 0, m.alphabet[Math.floor(r() * m.alphabet.length)]);
    else if (!m.donors || op < (m.selfShare ?? 1))
      chars.splice(at, 0, ...chars.slice(Math.floor(r() * chars.length), Math.floor(r() * chars.length)));
    else chars.splice(at, 0, ...[...m.donors[Math.floor(r() * m.donors.length)]].slice(0, Math.floor(r() * 80)));
  }
  return chars.join('');
}
