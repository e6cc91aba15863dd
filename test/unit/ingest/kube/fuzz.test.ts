import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Parser } from '../../../../src/ingest/types';
import { parseManifest } from '../../../../src/ingest/kube/manifestParser';
import { parseKubectlJson, parseKubectlYaml } from '../../../../src/ingest/kube/kubectlObjects';
import { parseKubectlTable } from '../../../../src/ingest/kube/kubectlTable';
import { parseKubectlDescribe, unflattenDescribe } from '../../../../src/ingest/kube/kubectlDescribe';
import { manifestObjectRanges } from '../../../../src/ingest/kube/manifest';
import { unflattenYaml } from '../../../../src/ingest/kube/flatYaml';
import { checkTotal, mutate, randomText, rng } from './fuzzTools';

const fixtures = [
  ...readdirSync('test/fixtures/kubectl')
    .filter((f) => /\.(txt|ya?ml|json)$/.test(f))
    .map((f) => `test/fixtures/kubectl/${f}`),
  ...[
    'a2-clusterip-deployment/a-app.yaml',
    'a3-headless-statefulset/statefulset.yaml',
    'kube-system/kube-dns.yaml',
  ].map((f) => `samples/manifests/${f}`),
];
const texts = fixtures.map((f) => readFileSync(f, 'utf8'));
const parsers: [string, Parser][] = [
  ['manifest', parseManifest],
  ['kubectl-yaml', parseKubectlYaml],
  ['kubectl-json', parseKubectlJson],
  ['kubectl-table', parseKubectlTable],
  ['kubectl-describe', parseKubectlDescribe],
];

test('kube parsers are total on mutated real fixtures', { timeout: 120_000 }, () => {
  const r = rng(20261126);
  for (let i = 0; i < 300; i++) {
    const text = mutate(texts[i % texts.length], r);
    for (const [name, p] of parsers) checkTotal(p, text, `${name} #${i}`);
    manifestObjectRanges(text);
    for (const piece of unflattenDescribe(text.replace(/\n/g, ' ')))
      assert.ok(piece.start >= 0 && piece.start <= text.length);
    const flat = text.replace(/\s+/g, ' ');
    const rebuilt = unflattenYaml(flat);
    for (const piece of rebuilt) assert.ok(piece.start >= 0 && piece.start <= flat.length);
    checkTotal(parseManifest, rebuilt.map((p) => p.text).join('\n'), `manifest after unflatten #${i}`);
  }
});

test('kube parsers are total on random text and report what they do not understand', { timeout: 120_000 }, () => {
  const r = rng(7);
  for (let i = 0; i < 200; i++) {
    const text = randomText(r, Math.floor(r() * 400));
    for (const [name, p] of parsers) checkTotal(p, text, `${name} random #${i}`);
  }
  // Plain prose is not silently swallowed by the table or describe readers.
  const prose = 'this is not kubectl output\nneither is this';
  assert.equal(checkTotal(parseKubectlTable, prose, 'prose').unparsed.length, 2);
  assert.equal(checkTotal(parseKubectlDescribe, prose, 'prose').unparsed.length, 2);
});

test('kube parsers survive pathological input (huge lines, deep nesting, alias bombs)', { timeout: 120_000 }, () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    ...Array.from(
      { length: 9 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    ),
    'kind: Pod',
  ].join('\n');
  const inputs = [
    ' '.repeat(200_000) + 'x',
    'NAME ' + 'a '.repeat(50_000),
    'NAME IP ' + '10.1.1.1680/TCP '.repeat(5_000),
    '['.repeat(5_000) + ']'.repeat(5_000),
    'a:\n' + Array.from({ length: 2_000 }, (_, i) => ' '.repeat(i + 1) + 'b:').join('\n'),
    '---\n'.repeat(20_000),
    bomb,
    'Name: x\n' + 'Port: ' + '1'.repeat(100_000),
    'k=' + 'a,'.repeat(50_000),
    'kind: x ' + 'a: - '.repeat(10_000),
    'apiVersion: v1 kind: Pod ' + 'a: '.repeat(20_000),
    'apiVersion: v1 kind: Pod x: "' + 'y '.repeat(20_000),
    'apiVersion: v1 kind: Pod x: [' + '{ '.repeat(20_000),
  ];
  for (const text of inputs) {
    for (const [name, p] of parsers) checkTotal(p, text, `${name} pathological`);
    assert.ok(unflattenYaml(text).length >= 1);
  }
  const b = checkTotal(parseManifest, bomb, 'alias bomb');
  assert.equal(b.facts.length, 0);
  assert.ok(b.unparsed.length > 0, 'the alias bomb is reported');
});
