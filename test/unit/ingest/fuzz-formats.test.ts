import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLineEnds } from '../../../src/ingest/lineEnds';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allFormats } from '../../../src/ingest/all';
import type { FormatSpec } from '../../../src/ingest/types';
import { rng } from '../../support/random';
import { mutate, type Mutation } from '../../support/mutate';

/**
 * Every registered format (whoever wrote it) against hostile input: random bytes, mutated and
 * truncated lines of every real fixture, and a huge line. The parser contract: never throw, return,
 * and report what it did not understand with a line number inside the input.
 */

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.(txt|log|conf|yaml|yml|json)$/.test(n) ? [p] : [];
  });
}

const REAL = walk('test/fixtures')
  .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(0, 400))
  .filter((l) => l.trim() && l.length < 2000);

const MUTATION: Mutation = {
  maxEdits: 4,
  deleteShare: 0.35,
  insertShare: 0.7,
  maxDelete: 6,
  alphabet: ' :/.,-*[]()"{}#\t0123456789abcXYZ\uFFFD',
};

function check(spec: FormatSpec, text: string, label: string): void {
  // Lines as an editor counts them: CR-only text has its lines at the CRs (see lineEnds.ts).
  const lineCount = normalizeLineEnds(text).split('\n').length;
  let result;
  try {
    result = spec.parse({ text, uri: 'fuzz', firstLine: 3 });
  } catch (e) {
    assert.fail(`${spec.id} threw on ${label}: ${(e as Error).stack}`);
  }
  assert.ok(Array.isArray(result.facts) && Array.isArray(result.unparsed), `${spec.id}: result shape`);
  assert.ok(Number.isFinite(result.records), `${spec.id}: records is a number`);
  for (const u of result.unparsed) {
    assert.ok(
      Number.isInteger(u.line) && u.line >= 3 && u.line < 3 + lineCount,
      `${spec.id} ${label}: unparsed line ${u.line} outside 3..${2 + lineCount}`,
    );
  }
  try {
    spec.sniff(text.split('\n').slice(0, 50));
    spec.unflatten?.(text.split('\n')[0] ?? '');
  } catch (e) {
    assert.fail(`${spec.id} sniff/unflatten threw on ${label}: ${(e as Error).stack}`);
  }
}

const specs = allFormats();

test('parsers are registered (tcpdump among them)', () => {
  assert.ok(specs.some((s) => s.id === 'tcpdump'));
});

for (const spec of specs) {
  test(`${spec.id}: random bytes, mutated and truncated real lines, a huge line — never throws`, () => {
    const r = rng([...spec.id].reduce((h, c) => h * 31 + c.charCodeAt(0), 7));
    for (let k = 0; k < 150; k++) {
      let s = '';
      for (let n = Math.floor(r() * 300); n > 0; n--) s += String.fromCharCode(Math.floor(r() * 256));
      check(spec, s, `random bytes #${k}`);
    }
    for (let k = 0; k < 400; k++) {
      const lines = Array.from({ length: 1 + Math.floor(r() * 5) }, () =>
        mutate(REAL[Math.floor(r() * REAL.length)], r, MUTATION),
      );
      check(spec, lines.join('\n'), `mutated #${k}: ${JSON.stringify(lines).slice(0, 300)}`);
    }
    for (let k = 0; k < 60; k++) {
      const line = REAL[Math.floor(r() * REAL.length)];
      check(spec, line.slice(0, Math.floor(r() * line.length)), `truncated ${JSON.stringify(line).slice(0, 200)}`);
    }
    const t0 = process.hrtime.bigint();
    check(spec, REAL[Math.floor(r() * REAL.length)] + ' a1:b2 10.0.0.1 -> x'.repeat(100_000), 'huge line');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 60_000, `${spec.id}: a 2 MB line took ${ms} ms`);
  });
}
