import { isOptColumn, isProtColumn } from './iptablesFields';

/**
 * Tokens of one `iptables -L` line: whitespace-separated words, except that a
 * `/* comment *\/` stays one token (comments contain spaces). An unclosed comment
 * (text cut off while copying) runs to the end of the line.
 */
export function tokenizeListLine(line: string, offsets?: number[]): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    offsets?.push(i);
    if (line.startsWith('/*', i)) {
      const close = line.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      out.push(line.slice(i, end));
      i = end;
      continue;
    }
    const start = i;
    while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
    out.push(line.slice(start, i));
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
export function columnHeaderAt(tokens: readonly string[], i: number): number {
  let k = i;
  while (k < tokens.length && COLUMN_WORDS.has(tokens[k])) k++;
  const words = tokens.slice(i, k);
  return words.includes('prot') && words.includes('opt') && words.includes('destination') ? k - i : 0;
}

export function layoutFromHeader(words: readonly string[]): ListLayout {
  return { lineNumbers: words.includes('num'), counters: words.includes('pkts') };
}

/** `Chain NAME (policy ACCEPT …)` / `Chain NAME (2 references)` starting at `i`; returns its length. */
export function chainHeaderAt(tokens: readonly string[], i: number): number {
  if (tokens[i] !== 'Chain' || i + 2 >= tokens.length || !tokens[i + 2].startsWith('(')) return 0;
  for (let k = i + 2; k < tokens.length && k < i + 10; k++) if (tokens[k].endsWith(')')) return k - i + 1;
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
  let i = 0;
  while (i < tokens.length) {
    const chain = chainHeaderAt(tokens, i);
    if (chain) {
      starts.push(i);
      i += chain;
      continue;
    }
    const cols = columnHeaderAt(tokens, i);
    if (cols) {
      starts.push(i);
      current = layoutFromHeader(tokens.slice(i, i + cols));
      i += cols;
      continue;
    }
    if (SEPARATOR.test(tokens[i])) {
      starts.push(i, i + 1);
      i++;
      continue;
    }
    if (i >= 1 && isOptColumn(tokens[i]) && isProtColumn(tokens[i - 1])) {
      const floor = starts.length ? starts[starts.length - 1] : 0;
      if (current) {
        const before = 1 + (current.counters ? 2 : 0) + (current.lineNumbers ? 1 : 0);
        starts.push(Math.max(floor, i - 1 - before));
      } else {
        let start = Math.max(floor, i - 2);
        for (let k = 0; k < 3 && start - 1 >= floor && COUNTER_TOKEN.test(tokens[start - 1]); k++) start--;
        starts.push(start);
      }
    }
    i++;
  }
  const cuts = [...new Set([0, ...starts])].filter((s) => s < tokens.length).sort((a, b) => a - b);
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
  return splitIptablesListRecords(line, layout).map((p) => p.text);
}
