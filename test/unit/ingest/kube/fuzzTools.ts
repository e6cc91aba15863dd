import assert from 'node:assert/strict';
import type { Parser, ParseResult } from '../../../../src/ingest/types';

/** Shared by the kube and host fuzz tests: a seeded PRNG, mutations of real text, and the totality check. */

export { rng } from '../../../support/random';

const ALPHABET =
  ' \t\n:-/.,=<>()[]{}"\'#|&*!%@0123456789abcdefNAMEIPTCPUDPkind apiVersion metadata name:  ---\u00e9\u4e2d';

export function mutate(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
        break; // delete
      case 1:
        s = s.slice(0, at) + ALPHABET[Math.floor(r() * ALPHABET.length)] + s.slice(at);
        break; // insert
      case 2:
        s = s.slice(0, at) + s.slice(at, at + 40) + s.slice(at);
        break; // duplicate
      case 3:
        s = s.replace(/\n/g, () => (r() < 0.3 ? ' ' : '\n'));
        break; // lose newlines
      case 4:
        s = s.slice(0, at);
        break; // truncate
      default:
        s = s.replace(/ {2,}/g, () => (r() < 0.5 ? ' ' : '  ')); // lose padding
    }
  }
  return s;
}

export function randomText(r: () => number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

/** Totality: no throw; results well-formed; unparsed lines inside the input; evidence on every fact. */
export function checkTotal(parse: Parser, text: string, label: string): ParseResult {
  let res: ParseResult;
  try {
    res = parse({ text, uri: 'fuzz.txt', firstLine: 1 });
  } catch (e) {
    assert.fail(`${label} threw ${(e as Error).stack}\ninput: ${JSON.stringify(text.slice(0, 300))}`);
  }
  const lineCount = text.split(/\r?\n/).length;
  assert.ok(Array.isArray(res.facts) && Array.isArray(res.unparsed), label);
  assert.ok(Number.isInteger(res.records) && res.records >= 0, label);
  for (const u of res.unparsed)
    assert.ok(u.line >= 1 && u.line <= lineCount, `${label}: unparsed line ${u.line} outside 1..${lineCount}`);
  for (const f of res.facts) {
    assert.ok(f.evidence.length > 0, `${label}: fact without evidence`);
    for (const e of f.evidence)
      if (e.source !== 'derived') assert.ok(e.line! >= 1 && e.line! <= lineCount, `${label}: evidence line ${e.line}`);
  }
  return res;
}
