import { readFileSync } from 'node:fs';
import type { Fact, FactOf, FactKind } from '../../../../src/model';
import type { ParseResult } from '../../../../src/ingest/types';

/** A fixture's text, read relative to the repository root (tests run with cwd = repo root). */
export function fixture(path: string): string {
  return readFileSync(`test/fixtures/${path}`, 'utf8');
}

export function factsOf<K extends FactKind>(r: ParseResult, kind: K): FactOf<K>[] {
  return r.facts.filter((f: Fact): f is FactOf<K> => f.kind === kind);
}

/** Every evidence line of every fact must exist in `text` and show some of what the fact claims. */
export function evidenceLinesExist(r: ParseResult, text: string, firstLine = 1): void {
  const lines = text.split('\n');
  for (const f of r.facts) {
    for (const e of f.evidence) {
      if (e.source !== 'log') continue;
      if (e.line === undefined) throw new Error(`${f.kind} evidence without a line`);
      const src = lines[e.line - firstLine];
      if (src === undefined) throw new Error(`${f.kind} evidence line ${e.line} is outside the text`);
      const head = (e.excerpt ?? '').split(' | ')[0].slice(0, 20);
      if (!src.includes(head.trim().split(/\s+/)[0] ?? ''))
        throw new Error(`evidence excerpt "${e.excerpt}" not on line ${e.line}: ${src}`);
    }
  }
}
