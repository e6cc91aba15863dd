import type { Evidence } from '../../model';

/**
 * Which part of a document a piece of evidence points at (0-based lines and characters), so
 * revealing it selects the record and not the rest of its line. A flattened paste holds many
 * records on one line (1,400–9,000 characters in the seed report): the record's own span is its
 * column plus its excerpt when the excerpt is really there; an excerpt shortened by the parser
 * ends where it stops matching the line. Without a column or an excerpt the whole lines are
 * selected, as before.
 */
export interface EvidenceSpan {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** How far the excerpt matches the line from `start`, ignoring a trailing ellipsis the parser added. */
function matchedLength(line: string, start: number, excerpt: string): number {
  const wanted = excerpt.replace(/\s*(…|\.\.\.)$/, '');
  let length = 0;
  while (length < wanted.length && start + length < line.length && line[start + length] === wanted[length]) length++;
  return length;
}

export function evidenceSpan(
  evidence: Pick<Evidence, 'line' | 'endLine' | 'column' | 'excerpt'>,
  lineCount: number,
  lineText: (line: number) => string,
): EvidenceSpan {
  const last = Math.max(0, lineCount - 1);
  const startLine = Math.max(0, Math.min(last, (evidence.line ?? 1) - 1));
  const endLine = Math.max(startLine, Math.min(last, (evidence.endLine ?? evidence.line ?? 1) - 1));
  const first = lineText(startLine);
  const startCharacter = evidence.column !== undefined ? Math.max(0, Math.min(first.length, evidence.column - 1)) : 0;
  const whole = { startLine, startCharacter, endLine, endCharacter: lineText(endLine).length };
  const excerpt = evidence.excerpt?.trim();
  if (endLine !== startLine || !excerpt) return whole;
  // The excerpt is the record as it appeared: where it matches at the column, that is the span.
  let at = startCharacter;
  let length = matchedLength(first, at, excerpt);
  if (length < Math.min(excerpt.length, 8)) {
    // No column, or a column that points at the record's first token: find the excerpt on the line.
    const found = first.indexOf(excerpt.slice(0, Math.min(excerpt.length, 40)), startCharacter);
    if (found < 0) return whole;
    at = found;
    length = matchedLength(first, at, excerpt);
  }
  return { startLine, startCharacter: at, endLine, endCharacter: at + length };
}
