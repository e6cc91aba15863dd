import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Parser } from '../../../src/ingest/types';
import { parseIpAddr, parseIpLink } from '../../../src/ingest/host/ipLink';
import { parseIpRoute } from '../../../src/ingest/host/ipRoute';
import { parseIpNeigh } from '../../../src/ingest/host/ipNeigh';
import { parseBridgeFdb } from '../../../src/ingest/host/bridgeFdb';
import { parseSubnetEnv } from '../../../src/ingest/host/subnetEnv';
import { unflattenIpLink } from '../../../src/ingest/host/ipLink';
import { unflattenBridgeFdb, unflattenIpNeigh, unflattenIpRoute } from '../../../src/ingest/host/unflatten';
import { checkTotal, mutate, randomText, rng } from './kube/fuzzTools';

const texts = readdirSync('test/fixtures/ip')
  .filter((f) => /\.(txt|env)$/.test(f))
  .map((f) => readFileSync(`test/fixtures/ip/${f}`, 'utf8'));
const parsers: [string, Parser][] = [
  ['ip-link', parseIpLink],
  ['ip-addr', parseIpAddr],
  ['ip-route', parseIpRoute],
  ['ip-neigh', parseIpNeigh],
  ['bridge-fdb', parseBridgeFdb],
  ['flannel-subnet-env', parseSubnetEnv],
];
const unflatteners = [unflattenIpLink, unflattenIpRoute, unflattenIpNeigh, unflattenBridgeFdb];

test('host parsers are total on mutated real fixtures', { timeout: 120_000 }, () => {
  const r = rng(1450);
  for (let i = 0; i < 400; i++) {
    const text = mutate(texts[i % texts.length], r);
    for (const [name, p] of parsers) checkTotal(p, text, `${name} #${i}`);
    for (const u of unflatteners) assert.ok(Array.isArray(u(text)));
  }
});

test(
  'host parsers are total on random text and report every non-blank line they do not understand',
  { timeout: 120_000 },
  () => {
    const r = rng(8472);
    for (let i = 0; i < 300; i++) {
      const text = randomText(r, Math.floor(r() * 300));
      for (const [name, p] of parsers) {
        const res = checkTotal(p, text, `${name} random #${i}`);
        // Nothing is silently dropped: a line either yields a record or is reported (or is blank/comment).
        // Only subnet.env has comments.
        const meaningful = text
          .split('\n')
          .filter((l) => l.trim() && !(name === 'flannel-subnet-env' && l.trim().startsWith('#'))).length;
        if (name !== 'ip-link' && name !== 'ip-addr')
          assert.equal(res.records + res.unparsed.length, meaningful, `${name} #${i}`);
      }
    }
  },
);

test('host parsers and unflatteners survive pathological input', { timeout: 120_000 }, () => {
  const inputs = [
    ' '.repeat(300_000) + '1: x: <UP> mtu 1',
    '1: a: <' + 'A,'.repeat(100_000) + '> mtu 1',
    'default ' + 'via '.repeat(100_000),
    'aa:bb:cc:dd:ee:ff '.repeat(50_000),
    '    inet 1.2.3.4/8\n'.repeat(20_000),
    'FLANNEL_NETWORK=' + '"'.repeat(100_000),
  ];
  for (const text of inputs) {
    for (const [name, p] of parsers) checkTotal(p, text, `${name} pathological`);
    for (const u of unflatteners) assert.ok(Array.isArray(u(text)));
  }
});
