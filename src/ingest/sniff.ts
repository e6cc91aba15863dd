/** Fraction of the non-blank lines that satisfy `test`, which sees each line as it is (for sniffers). */
export function fractionMatching(lines: readonly string[], test: (l: string) => boolean): number {
  let total = 0;
  let hit = 0;
  for (const l of lines) {
    if (l.trim() === '') continue;
    total++;
    if (test(l)) hit++;
  }
  return total === 0 ? 0 : hit / total;
}

/**
 * The usual content sniffer: the share of non-blank lines (trimmed) that look like the
 * format. Formats with context (nft's "inside a table") keep their own loop.
 */
export function shareOfLines(lines: readonly string[], looksLike: (trimmed: string) => boolean): number {
  return fractionMatching(lines, (l) => looksLike(l.trim()));
}
