import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compareNft, compareRules } from '../../../../src/flow/rules/compare';
import { parseNft } from '../../../../src/ingest/netfilter/nft';
import { predictRules } from '../../../../src/flow/rules/predict';
import { parseIptablesSave } from '../../../../src/ingest/netfilter/iptablesSave';
import { parseIptablesList } from '../../../../src/ingest/netfilter/iptablesList';
import { seedModel, SEED_NODE } from '../../../fixtures/netfilter/seedCluster';
import { fixture, ofKind } from '../../ingest/netfilter/helpers';

const predicted = ofKind(predictRules(seedModel(), 'iptables', { nodeName: SEED_NODE }).facts, 'NatRule');

test("prediction vs the kernel's own printout of it: everything observed exactly", () => {
  for (const [file, parse] of [
    ['nft-variant.iptables-save.txt', parseIptablesSave],
    ['legacy.iptables-save.txt', parseIptablesSave],
    ['nft-variant.nat.L-n-v.txt', parseIptablesList],
    ['nft-variant.filter.L-n-v.txt', parseIptablesList],
  ] as const) {
    const seen = ofKind(parse({ text: fixture(file), uri: file }).facts, 'NatRule');
    const c = compareRules(predicted, seen);
    assert.equal(c.observed.length, seen.length, file);
    assert.ok(
      c.observed.every((o) => o.differences.length === 0),
      file,
    );
    assert.deepEqual([c.missing.length, c.unexpected.length], [0, 0], file);
  }
});

test('a rule removed from the printout is missing; a foreign kube rule is unexpected; a changed one differs', () => {
  const lines = fixture('nft-variant.iptables-save.txt').split('\n');
  const dropped = lines.findIndex((l) => l.includes('kube-system/kube-dns:dns -> 10.244.0.107:53'));
  const edited = lines.map((l, i) =>
    i === dropped ? '' : l.replace('--to-destination 10.244.0.105:53', '--to-destination 10.244.0.199:53'),
  );
  edited.splice(
    edited.indexOf('COMMIT', edited.indexOf('*nat')),
    0,
    '-A KUBE-SERVICES -d 10.96.9.9/32 -p tcp -m comment --comment "x/y cluster IP" -m tcp --dport 1 -j KUBE-SVC-AAAAAAAAAAAAAAAA',
  );
  const seen = ofKind(parseIptablesSave({ text: edited.join('\n'), uri: 'e' }).facts, 'NatRule');
  const c = compareRules(predicted, seen);
  assert.deepEqual(
    c.missing.map((r) => r.comment),
    ['kube-system/kube-dns:dns -> 10.244.0.107:53'],
  );
  assert.deepEqual(
    c.unexpected.map((r) => r.comment),
    ['x/y cluster IP'],
  );
  const diff = c.observed.filter((o) => o.differences.length);
  // Both kube-dns ports (dns and dns-tcp) DNAT to 10.244.0.105:53, so both rules differ.
  assert.deepEqual(
    diff.map((o) => o.differences),
    [
      ['dnatTo: predicted 10.244.0.105:53, seen 10.244.0.199:53'],
      ['dnatTo: predicted 10.244.0.105:53, seen 10.244.0.199:53'],
    ],
  );
  assert.deepEqual(diff.map((o) => o.seen.kubeProxy?.servicePortName).sort(), [
    'kube-system/kube-dns:dns',
    'kube-system/kube-dns:dns-tcp',
  ]);
});

test('the seed report\'s listings: every printed rule is predicted; the missing "tcp dpt:" is reported as a difference', () => {
  const seedPath = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
  const lines = readFileSync(seedPath, 'utf8').split('\n');
  const seen = lines.flatMap((l, i) =>
    /^(Chain KUBE-SVC|KUBE-SVC-\w+ (tcp|udp) --)/.test(l)
      ? ofKind(
          parseIptablesList({ text: l, uri: seedPath, firstLine: i + 1, command: 'iptables -t nat -L -n' }).facts,
          'NatRule',
        )
      : [],
  );
  const c = compareRules(predicted, seen);
  assert.equal(c.unexpected.length, 0);
  assert.equal(c.observed.length, seen.length);
  for (const o of c.observed.filter((x) => x.differences.length)) {
    assert.deepEqual(o.differences, [`dport: predicted ${o.predicted.dport}, seen none`]);
  }
});

test('nftables: a changed endpoint shows as one missing and one unexpected DNAT', () => {
  const predictedNft = predictRules(seedModel(), 'nftables', { nodeName: SEED_NODE }).facts;
  const text = fixture('nftables-mode.nft-list-table.txt').replace(
    'dnat to 10.244.0.107:9153',
    'dnat to 10.244.0.199:9153',
  );
  const c = compareNft(predictedNft, parseNft({ text, uri: 'n' }).facts);
  assert.equal(c.missing.length, 1);
  assert.match(c.missing[0], /dnat to 10\.244\.0\.107:9153$/);
  assert.equal(c.unexpected.length, 1);
  assert.match(c.unexpected[0], /dnat to 10\.244\.0\.199:9153$/);
});
