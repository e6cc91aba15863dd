import { isOptColumn, isProtColumn } from './iptablesFields';

/**
 * Tokens of one `iptables -L` line: whitespace-separated words, except that a
 * `/* comment *\/` stays one token (comments contain spaces). An unclosed comment
 * (text cut off while copying) runs to the end of the line.
 */
export function tokenizeListLine(line: string, offsets?: number[]): string[] {
  const out: string[] = [];
  const length = line.length;
  let position = 0;
  while (position < length) {
    while (position < length && (line[position] === ' ' || line[position] === '\t')) position++;
    if (position >= length) break;
    offsets?.push(position);
    if (line.startsWith('/*', position)) {
      const close = line.indexOf('*/', position + 2);
      const end = close < 0 ? length : close + 2;
      out.push(line.slice(position, end));
      position = end;
      continue;
    }
    const start = position;
    while (position < length && line[position] !== ' ' && line[position] !== '\t') position++;
    out.push(line.slice(start, position));
  }
  return out;
}

/** Columns before `prot` that a `-L` listing prints, learnt from its column header. */
export interface ListLayout {
  lineNumbers: boolean;
  counters: boolean;
}

const COLUMN_WORDS = new Set(['num', 'pkts', 'bytes', 'target', 'prot', 'opt', 'in', 'out', 'source', 'destination']);

/** `target prot opt source destination` (maybe with num/pkts/bytes/in/out) starting at `i`; returns its length. */
export function columnHeaderAt(tokens: readonly string[], start: number): number {
  let end = start;
  while (end < tokens.length && COLUMN_WORDS.has(tokens[end])) end++;
  const words = tokens.slice(start, end);
  return words.includes('prot') && words.includes('opt') && words.includes('destination') ? end - start : 0;
}

export function layoutFromHeader(words: readonly string[]): ListLayout {
  return { lineNumbers: words.includes('num'), counters: words.includes('pkts') };
}

/** `Chain NAME (policy ACCEPT …)` / `Chain NAME (2 references)` starting at `i`; returns its length. */
export function chainHeaderAt(tokens: readonly string[], start: number): number {
  if (tokens[start] !== 'Chain' || start + 2 >= tokens.length || !tokens[start + 2].startsWith('(')) return 0;
  for (let k = start + 2; k < tokens.length && k < start + 10; k++) if (tokens[k].endsWith(')')) return k - start + 1;
  return 0;
}

const SEPARATOR = /^[=#*~_-]{5,}$/;
const COUNTER_TOKEN = /^\d+[KMGTP]?$/;

/**
 * Splits one line that holds several `iptables -L` records (newlines lost when the
 * output was copied from a web page) into one piece per record: chain headers,
 * column headers, rules and `=====` separators, each with its 0-based column in the
 * line. A line with a single record comes back as one piece, unchanged. The record
 * start of a rule is found from its `prot opt` pair (`tcp --`), stepping back over
 * the columns the current layout puts before it.
 */
export function splitIptablesListRecords(line: string, layout?: ListLayout): { text: string; start: number }[] {
  const offsets: number[] = [];
  const tokens = tokenizeListLine(line, offsets);
  const starts: number[] = [];
  // Without a known layout (no column header yet), leading counters/line numbers are
  // recognised by being plain numbers right before the target.
  let current: ListLayout | undefined = layout;
  let index = 0;
  while (index < tokens.length) {
    const chain = chainHeaderAt(tokens, index);
    if (chain) {
      starts.push(index);
      index += chain;
      continue;
    }
    const cols = columnHeaderAt(tokens, index);
    if (cols) {
      starts.push(index);
      current = layoutFromHeader(tokens.slice(index, index + cols));
      index += cols;
      continue;
    }
    if (SEPARATOR.test(tokens[index])) {
      starts.push(index, index + 1);
      index++;
      continue;
    }
    if (index >= 1 && isOptColumn(tokens[index]) && isProtColumn(tokens[index - 1])) {
      const floor = starts.length ? starts[starts.length - 1] : 0;
      if (current) {
        const before = 1 + (current.counters ? 2 : 0) + (current.lineNumbers ? 1 : 0);
        starts.push(Math.max(floor, index - 1 - before));
      } else {
        let start = Math.max(floor, index - 2);
        for (let k = 0; k < 3 && start - 1 >= floor && COUNTER_TOKEN.test(tokens[start - 1]); k++) start--;
        starts.push(start);
      }
    }
    index++;
  }
  const cuts = [...new Set([0, ...starts])]
    .filter((start) => start < tokens.length)
    .sort((left, right) => left - right);
  if (cuts.length <= 1) return [{ text: line, start: 0 }];
  const pieces: { text: string; start: number }[] = [];
  for (let k = 0; k < cuts.length; k++) {
    const from = offsets[cuts[k]];
    const to = k + 1 < cuts.length ? offsets[cuts[k + 1]] : line.length;
    const text = line.slice(from, to).trimEnd();
    if (text) pieces.push({ text, start: from });
  }
  return pieces;
}

/** The pieces' text only (see splitIptablesListRecords). */
export function unflattenIptablesList(line: string, layout?: ListLayout): string[] {
  return splitIptablesListRecords(line, layout).map((piece) => piece.text);
}
