import type { DocumentResult } from '../../src/ingest/document';
import type { Fact } from '../../src/model';
import { rng } from './random';

/** What a parse says, with each capture's table as its packets and their lines (tables of any kind compare). */
export function readable(doc: DocumentResult): unknown {
  const table = (fact: Fact) =>
    fact.kind === 'Capture'
      ? { ...fact, packets: fact.packets.all(), lines: fact.packets.all().map((_, i) => fact.packets.lineOf(i)) }
      : fact;
  return doc.blocks.map((b) => ({ ...b, result: { ...b.result, facts: b.result.facts.map(table) } }));
}

/** A seeded pick of a number below n (see rng), so that a failing case can be replayed. */
export function random(seed: number): (n: number) => number {
  const next = rng(seed);
  return (n) => Math.floor(next() * n);
}

/** An editor change of whole lines: lines startLine..endLine-1 become `text`'s lines. */
export interface Change {
  startLine: number;
  endLine: number;
  text: string;
}

/** The lines after one change. */
export function apply(lines: string[], change: Change): string[] {
  const added = change.text === '' ? [] : change.text.replace(/\n$/, '').split('\n');
  return [...lines.slice(0, change.startLine), ...added, ...lines.slice(change.endLine)];
}

/** A whole-line edit at line `at`, of `kind` 0–2: some lines deleted, copies of other lines inserted, a digit changed. */
export function lineChange(lines: string[], at: number, kind: number, pick: (n: number) => number): Change {
  if (kind === 0) return { startLine: at, endLine: Math.min(lines.length, at + 1 + pick(4)), text: '' };
  if (kind === 1) {
    const from = pick(lines.length);
    return { startLine: at, endLine: at, text: lines.slice(from, from + 1 + pick(4)).join('\n') + '\n' };
  }
  return {
    startLine: at,
    endLine: Math.min(lines.length, at + 1),
    text: (lines[at] ?? '').replace(/\d/, (digit) => String((Number(digit) + 1) % 10)) + '\n',
  };
}
