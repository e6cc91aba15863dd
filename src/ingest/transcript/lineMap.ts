import { moveEvidence, type Evidence, type Unparsed } from '../../model';
import type { FormatSpec, ParseResult } from '../types';
import { arrayLines, type LineSource } from './lines';

/**
 * Splits the flattened lines of a block with its format's `unflatten` hook, and maps line numbers
 * of the parse result back to the file as given. Each piece keeps the original line number and
 * its column, so evidence still points at the text the user pasted.
 */

export interface Unflattened {
  /** The block's text; undefined when `lazy` was asked and no line was split (slice the input instead). */
  text: string | undefined;
  /** For line k (0-based) of `text`: its line in the file and the column its piece starts at (0-based). */
  map: { line: number; column: number }[] | undefined;
}

export function unflattenBlock(
  spec: FormatSpec | undefined,
  lines: readonly string[],
  firstLine: number,
  lazy = false,
): Unflattened {
  const unflattened = unflattenLines(spec, {
    lines: arrayLines(lines),
    first: 0,
    last: lines.length - 1,
    firstLine,
  });
  return unflattened.map || lazy ? unflattened : { text: lines.join('\n'), map: undefined };
}

/** A format's pieces of one line; the line itself when the hook fails or splits nothing. */
function piecesOf(spec: FormatSpec, line: string): (string | { text: string; start: number })[] {
  let pieces: (string | { text: string; start: number })[];
  try {
    pieces = line.length > 0 ? spec.unflatten!(line) : [line];
  } catch {
    pieces = [line];
  }
  return !Array.isArray(pieces) || pieces.length === 0 ? [line] : pieces;
}

/** Lines first..last (0-based, inclusive) of a LineSource; `firstLine` is the 1-based file line of `first`. */
export interface BlockLines {
  lines: LineSource;
  first: number;
  last: number;
  firstLine: number;
}

/**
 * unflattenBlock over lines first..last (0-based, inclusive) of a LineSource, `lazy`: text and map
 * are undefined when no line splits. That is the usual case (a big capture), so the first pass
 * keeps nothing; only once a line splits is the block walked again to build the text and map.
 */
export function unflattenLines(spec: FormatSpec | undefined, block: BlockLines): Unflattened {
  const { lines, first, last, firstLine } = block;
  if (!spec?.unflatten) return { text: undefined, map: undefined };
  let changed = false;
  for (let k = first; k <= last && !changed; k++) changed = piecesOf(spec, lines.at(k)).length > 1;
  if (!changed) return { text: undefined, map: undefined };
  const out: string[] = [];
  const map: { line: number; column: number }[] = [];
  for (let k = first; k <= last; k++) {
    const line = lines.at(k);
    let searchFrom = 0;
    for (const piece of piecesOf(spec, line)) {
      const text = typeof piece === 'string' ? piece : piece.text;
      let column = typeof piece === 'string' ? line.indexOf(text.trim(), searchFrom) : piece.start;
      if (column < 0) column = 0;
      searchFrom = column + 1;
      out.push(text);
      map.push({ line: firstLine + k - first, column });
    }
  }
  return { text: out.join('\n'), map };
}

/** Rewrites lines 1..n of a result parsed from unflattened text to the file's lines. */
export function remapResult(result: ParseResult, map: { line: number; column: number }[], uri: string): void {
  remapResultWith(
    result,
    (line) => (line !== undefined && line >= 1 && line <= map.length ? map[line - 1] : undefined),
    uri,
  );
}

/** Rewrites the lines of a result's evidence (of `uri`) and unparsed entries through `at`. */
export function remapResultWith(
  result: ParseResult,
  at: (line: number | undefined) => { line: number; column: number } | undefined,
  uri: string,
): void {
  const seen = new Set<object>();
  const fixEvidence = (evidence: Evidence) => {
    if (seen.has(evidence) || evidence.uri !== uri) return;
    seen.add(evidence);
    moveEvidence(evidence, at);
  };
  const walk = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.evidence))
      for (const evidence of record.evidence as Evidence[])
        if (evidence && typeof evidence === 'object') fixEvidence(evidence);
    seen.add(record);
    for (const key of Object.keys(record)) if (key !== 'evidence') walk(record[key], depth + 1);
  };
  for (const fact of result.facts) {
    if (fact.kind === 'Capture') {
      // A capture's table moves its packets' evidence itself: walking it would visit every entry
      // of columns that can hold millions of packets.
      if (!seen.has(fact.packets)) {
        seen.add(fact.packets);
        fact.packets.remapLines(at);
      }
      for (const evidence of fact.evidence) fixEvidence(evidence);
    } else walk(fact, 0);
  }
  result.unparsed = result.unparsed.map((entry: Unparsed) => {
    const moved = at(entry.line);
    return moved ? { ...entry, line: moved.line } : entry;
  });
}
