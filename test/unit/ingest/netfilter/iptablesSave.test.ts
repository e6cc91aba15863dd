import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIptablesSave, iptablesSaveFormat } from '../../../../src/ingest/netfilter/iptablesSave';
import { tokenizeSaveLine } from '../../../../src/ingest/netfilter/iptablesSaveRule';
import { fixture, ofKind, ruleKey } from './helpers';

const nftSave = parseIptablesSave({
  text: fixture('nft-variant.iptables-save.txt'),
  uri: 'nft-variant.iptables-save.txt',
});
const legacySave = parseIptablesSave({ text: fixture('legacy.iptables-save.txt'), uri: 'legacy.iptables-save.txt' });

test('iptables-nft-save and iptables-legacy-save of the same rules give the same facts', () => {
  assert.deepEqual(nftSave.unparsed, []);
  assert.deepEqual(legacySave.unparsed, []);
  const a = ofKind(nftSave.facts, 'NatRule').map(ruleKey).sort();
  const b = ofKind(legacySave.facts, 'NatRule').map(ruleKey).sort();
  assert.equal(a.length, (fixture('nft-variant.iptables-save.txt').match(/^-A /gm) ?? []).length);
  assert.deepEqual(a, b);
});

test('every rule line keeps its own line number as evidence', () => {
  const lines = fixture('nft-variant.iptables-save.txt').split('\n');
  for (const r of ofKind(nftSave.facts, 'NatRule')) {
    assert.equal(lines[r.evidence[0].line! - 1], r.text);
    assert.equal(r.evidence[0].source, 'log');
  }
});

test('kube-proxy meaning is decoded for every kind of rule it writes', () => {
  const rules = ofKind(nftSave.facts, 'NatRule');
  const roles = new Set(rules.map((r) => r.kubeProxy?.role));
  for (const role of [
    'service-portal',
    'endpoint-choice',
    'endpoint-dnat',
    'masquerade-mark',
    'masquerade',
    'no-endpoints',
    'nodeports',
    'external-portal',
  ]) {
    assert.ok(roles.has(role as never), `has ${role}`);
  }
  const reject = rules.find((r) => r.kubeProxy?.role === 'no-endpoints');
  assert.equal(reject?.table, 'filter');
  assert.equal(reject?.target, 'REJECT');
  assert.equal(reject?.kubeProxy?.servicePortName, 'default/no-endpoints');
  const dnat = rules.filter(
    (r) => r.kubeProxy?.role === 'endpoint-dnat' && r.kubeProxy.servicePortName === 'kube-system/kube-dns:dns',
  );
  assert.deepEqual(dnat.map((r) => r.kubeProxy?.endpoint).sort(), ['10.244.0.105:53', '10.244.0.107:53']);
  const sticky = rules.filter((r) => r.kubeProxy?.servicePortName === 'default/a-app-sticky' && r.recent);
  // Two `--rcheck` jumps in the SVC chain and one `--set` in each SEP chain.
  assert.deepEqual(sticky.map((r) => r.recent!.split(' ')[0]).sort(), ['--rcheck', '--rcheck', '--set', '--set']);
  const masq = rules.find((r) => r.chain === 'KUBE-MARK-MASQ');
  assert.equal(masq?.mark, 'or 0x4000');
  const nodeport = rules.find((r) => r.chain === 'KUBE-NODEPORTS' && r.dport === 30080);
  assert.equal(nodeport?.kubeProxy?.role, 'external-portal');
  const config = ofKind(nftSave.facts, 'KubeProxy')[0];
  assert.equal(config.mode, 'iptables');
  assert.equal(config.clusterCIDR, '10.244.0.0/16');
});

test('chains: built-ins with policy and counters, kube-proxy chains with "-"', () => {
  const chains = ofKind(nftSave.facts, 'NatChain');
  const fwd = chains.find((c) => c.table === 'filter' && c.name === 'FORWARD');
  assert.equal(fwd?.policy, 'ACCEPT');
  const svc = chains.find((c) => c.name === 'KUBE-SVC-TCOU7JCQXEZGVUNU');
  assert.equal(svc?.table, 'nat');
  assert.equal(svc?.policy, undefined);
});

test('iptables -S output (-N/-P/-A) is read too', () => {
  const r = parseIptablesSave({ text: fixture('nft-variant.nat.S.txt'), uri: 's', command: 'iptables -t nat -S' });
  assert.deepEqual(r.unparsed, []);
  const fromS = ofKind(r.facts, 'NatRule').map(ruleKey).sort();
  const fromSave = ofKind(nftSave.facts, 'NatRule')
    .filter((x) => x.table === 'nat')
    .map(ruleKey)
    .sort();
  assert.deepEqual(fromS, fromSave);
});

test('quoted words: spaces and escaped quotes inside comments; unterminated quotes reported', () => {
  assert.deepEqual(tokenizeSaveLine('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT'), [
    '-A',
    'X',
    '-m',
    'comment',
    '--comment',
    'a "b" c',
    '-j',
    'ACCEPT',
  ]);
  const r = parseIptablesSave({ text: '*nat\n-A X -m comment --comment "open -j ACCEPT\nCOMMIT\n', uri: 'q' });
  assert.deepEqual(
    r.unparsed.map((u) => [u.line, u.reason]),
    [[2, 'unterminated quote']],
  );
});

test('a save whose newlines were lost is split at -A / COMMIT / *table', () => {
  const flat = fixture('nft-variant.iptables-save.txt')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join(' ');
  const r = parseIptablesSave({ text: flat, uri: 'flat' });
  assert.deepEqual(
    ofKind(r.facts, 'NatRule').map(ruleKey).sort(),
    ofKind(nftSave.facts, 'NatRule').map(ruleKey).sort(),
  );
});

test('sniff recognises iptables-save text', () => {
  assert.ok(iptablesSaveFormat.sniff(fixture('legacy.iptables-save.txt').split('\n').slice(0, 50)) > 0.9);
  assert.ok(iptablesSaveFormat.sniff(fixture('conntrack-L.txt').split('\n')) < 0.2);
});

test('FormatSpec.unflatten hook for iptables-save: a normal line stays whole, a flat one splits at records', () => {
  const line = '-A KUBE-SVC-X -m comment --comment "a -A b" -j KUBE-SEP-Y';
  assert.deepEqual(iptablesSaveFormat.unflatten!(line), [line]);
  const flat = '*nat :KUBE-SVC-X - [0:0] -A KUBE-SVC-X -m comment --comment "x -A y" -j KUBE-SEP-Y COMMIT';
  assert.deepEqual(iptablesSaveFormat.unflatten!(flat), [
    '*nat',
    ':KUBE-SVC-X - [0:0]',
    '-A KUBE-SVC-X -m comment --comment "x -A y" -j KUBE-SEP-Y',
    'COMMIT',
  ]);
});

test('kube-proxy mode from rules: KUBE-SVC chains mean iptables; IPVS helper chains mean ipvs; KUBE-SERVICES alone means nothing', () => {
  const mode = (text: string) => ofKind(parseIptablesSave({ text, uri: 'm' }).facts, 'KubeProxy')[0]?.mode;
  assert.equal(mode(fixture('legacy.iptables-save.txt')), 'iptables');
  // Only the generic chains (as IPVS and iptables mode both have them): no claim.
  const generic = fixture('legacy.iptables-save.txt')
    .split('\n')
    .filter((l) => !/KUBE-(SVC|SEP|SVL|EXT)-/.test(l))
    .join('\n');
  assert.equal(mode(generic), undefined);
  // IPVS mode's own helper chain names (pkg/proxy/ipvs) decide ipvs.
  assert.equal(mode(`${generic}\n*nat\n:KUBE-LOAD-BALANCER - [0:0]\n:KUBE-NODE-PORT - [0:0]\nCOMMIT\n`), 'ipvs');
});

test('quoted-word fast path and general tokenizer agree', () => {
  const cases = [
    '-A X -m comment --comment "a b  c" -j Y',
    '-A X -m comment --comment "ns/svc:p cluster IP" -m tcp -p tcp -d 10.0.0.1/32 --dport 80 -j KUBE-SVC-A',
    '-A X --comment "" -j Y',
    '-A X --comment "one" -j Y',
    '-A X --comment a"b -j Y',
    '-A X --comment "a b"c -j Y',
    '-A X --comment "a\\"b" -j Y',
    '-A X --comment\t"a b" -j Y',
  ];
  const expected = [
    ['-A', 'X', '-m', 'comment', '--comment', 'a b  c', '-j', 'Y'],
    [
      '-A',
      'X',
      '-m',
      'comment',
      '--comment',
      'ns/svc:p cluster IP',
      '-m',
      'tcp',
      '-p',
      'tcp',
      '-d',
      '10.0.0.1/32',
      '--dport',
      '80',
      '-j',
      'KUBE-SVC-A',
    ],
    ['-A', 'X', '--comment', '', '-j', 'Y'],
    ['-A', 'X', '--comment', 'one', '-j', 'Y'],
    undefined, // a lone quote opens a word that never closes
    ['-A', 'X', '--comment', 'a bc', '-j', 'Y'],
    ['-A', 'X', '--comment', 'a"b', '-j', 'Y'],
    ['-A', 'X', '--comment', 'a b', '-j', 'Y'],
  ];
  cases.forEach((c, i) => assert.deepEqual(tokenizeSaveLine(c), expected[i], c));
  assert.equal(tokenizeSaveLine('-A X --comment "open -j Y'), undefined);
});
