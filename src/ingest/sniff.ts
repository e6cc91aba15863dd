/**
 * The usual content sniffer: the share of non-blank lines (trimmed) that look like the
 * format. Formats with context (nft's "inside a table") keep their own loop.
 */
export function shareOfLines(lines: readonly string[], looksLike: (trimmed: string) => boolean): number {
  let hits = 0;
  let seen = 0;
  for (const l of lines) {
    const t = l.trim();
    if (!t) continue;
    seen++;
    if (looksLike(t)) hits++;
  }
  return seen ? hits / seen : 0;
}
