import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { iptablesListFormat } from '../../../../src/ingest/netfilter/iptablesList';
import { iptablesSaveFormat } from '../../../../src/ingest/netfilter/iptablesSave';
import { nftFormat } from '../../../../src/ingest/netfilter/nft';
import { ipvsadmFormat } from '../../../../src/ingest/netfilter/ipvsadm';
import { conntrackFormat } from '../../../../src/ingest/netfilter/conntrack';
import type { FormatSpec } from '../../../../src/ingest/types';
import { FIXTURES, fixture } from './helpers';
import { rng } from '../../../support/random';

const ALPHABET = ' \t-!/*:."{}[]()=,;#0123456789abcdefxyzKUBE-SVCtcpudp\\\u00e9\u4e2d';
const formats: FormatSpec[] = [iptablesListFormat, iptablesSaveFormat, nftFormat, ipvsadmFormat, conntrackFormat];
const corpus = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => fixture(f));

function mutate(text: string, r: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(r() * 20);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * (chars.length + 1));
    const op = r();
    if (op < 0.3) chars.splice(at, 1 + Math.floor(r() * 30));
    else if (op < 0.6) chars.splice(at, 0, ALPHABET[Math.floor(r() * ALPHABET.length)]);
    else if (op < 0.8) chars.splice(at, 0, '\n');
    else
      chars.splice(at, 0, ...chars.slice(Math.floor(r() * chars.length), Math.floor(r() * chars.length)).slice(0, 200));
  }
  return chars.join('');
}

function checkTotal(spec: FormatSpec, text: string, label: string): void {
  const result = spec.parse({ text, uri: label });
  assert.equal(result.format, spec.id);
  const lineCount = text.split(/\r?\n/).length;
  for (const u of result.unparsed) {
    assert.ok(u.line >= 1 && u.line <= lineCount, `${label}: unparsed line ${u.line} within 1..${lineCount}`);
    assert.ok(u.reason.length > 0);
  }
  for (const f of result.facts) assert.ok(f.evidence.length > 0, `${label}: every fact has evidence`);
}

test('random text: every parser returns, reports in-range lines, never throws', () => {
  const r = rng(42);
  for (let round = 0; round < 150; round++) {
    const len = Math.floor(r() * 2000);
    let text = '';
    for (let i = 0; i < len; i++) text += r() < 0.05 ? '\n' : ALPHABET[Math.floor(r() * ALPHABET.length)];
    for (const spec of formats) checkTotal(spec, text, `random#${round}/${spec.id}`);
  }
});

test('mutated real fixtures: every parser stays total on every fixture', () => {
  const r = rng(7);
  for (let round = 0; round < 40; round++) {
    for (const [i, text] of corpus.entries()) {
      const mutated = mutate(text, r);
      for (const spec of formats) checkTotal(spec, mutated, `mutated#${round}.${i}/${spec.id}`);
    }
  }
});

test('garbage lines are reported as unparsed, not dropped', () => {
  const garbage = 'lorem ipsum dolor\nsit amet 1 2 3\n';
  for (const spec of [iptablesListFormat, iptablesSaveFormat, nftFormat, ipvsadmFormat, conntrackFormat]) {
    const res = spec.parse({ text: garbage, uri: 'g' });
    assert.deepEqual(
      res.unparsed.map((u) => u.line),
      [1, 2],
      spec.id,
    );
    assert.equal(res.records, 0, spec.id);
  }
});

test('pathological inputs: one huge line, deep braces, many quotes', () => {
  const huge =
    'Chain X (1 references) ' + 'KUBE-SEP-A all -- 0.0.0.0/0 0.0.0.0/0 /* a/b:c -> 1.2.3.4:5 */ '.repeat(20000);
  const list = iptablesListFormat.parse({ text: huge, uri: 'h' });
  assert.equal(list.records, 20001);
  const braces = 'table ip t {\n chain c {\n' + '{'.repeat(50000) + '\n}\n}\n';
  assert.ok(Array.isArray(nftFormat.parse({ text: braces, uri: 'b' }).unparsed));
  const quotes = '-A X ' + '"a" '.repeat(30000) + '"';
  assert.equal(iptablesSaveFormat.parse({ text: quotes, uri: 'q' }).unparsed[0]?.reason, 'unterminated quote');
});

test('long whitespace runs (regex backtracking bait) parse in one pass', () => {
  const ws = ' '.repeat(200000);
  const inputs = [
    `table ip t {\n map m {\n elements = { 1.2.3.4 .${ws}tcp . 80${ws}x }\n }\n}\n`,
    `-A X -j ACCEPT${ws}-A Y${ws}x`,
    `Chain X (1 references)${ws}KUBE-SEP-A${ws}all${ws}--${ws}0.0.0.0/0 0.0.0.0/0 /* a${ws}`,
    `tcp 6 1 src=1.1.1.1${ws}dst=2.2.2.2${ws}x`,
    `TCP  1.2.3.4:80${ws}rr${ws}x\n  ->${ws}1.1.1.1:80${ws}Masq`,
  ];
  for (const text of inputs) for (const spec of formats) checkTotal(spec, text, `ws/${spec.id}`);
});
