import type { FormatSpec } from './types';

/** How many lines a sniffer gets: the head of a block says what it is. */
export const SNIFF_LINES = 50;
/** Sniffing looks at the head of each line only: a 4 MB flattened line would cost every format seconds. */
const SNIFF_CHARS = 4096;

/** The first SNIFF_LINES lines, each cut to SNIFF_CHARS characters. */
export const headOf = (lines: readonly string[]): string[] =>
  lines.slice(0, SNIFF_LINES).map((line) => (line.length > SNIFF_CHARS ? line.slice(0, SNIFF_CHARS) : line));

/** A format's sniff score for the head of `lines`; 0 when the sniffer throws or returns no number. */
export function safeSniff(spec: FormatSpec, lines: readonly string[]): number {
  try {
    const score = spec.sniff(
      lines.length > SNIFF_LINES || lines.some((line) => line.length > SNIFF_CHARS) ? headOf(lines) : lines,
    );
    return Number.isFinite(score) ? score : 0;
  } catch {
    return 0;
  }
}

/** Fraction of the non-blank lines that satisfy `test`, which sees each line as it is (for sniffers). */
export function fractionMatching(lines: readonly string[], test: (l: string) => boolean): number {
  let total = 0;
  let hit = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    total++;
    if (test(line)) hit++;
  }
  return total === 0 ? 0 : hit / total;
}

/**
 * The usual content sniffer: the share of non-blank lines (trimmed) that look like the
 * format. Formats with context (nft's "inside a table") keep their own loop.
 */
export function shareOfLines(lines: readonly string[], looksLike: (trimmed: string) => boolean): number {
  return fractionMatching(lines, (line) => looksLike(line.trim()));
}
