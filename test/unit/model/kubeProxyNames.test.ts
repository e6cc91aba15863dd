import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  base32,
  endpointProbabilities,
  iptablesEndpointChain,
  iptablesPrintedProbability,
  iptablesServiceChain,
  isLocalEndpointDrop,
  nftEndpointChain,
  nftServiceChain,
  servicePortName,
  type NatRule,
} from '../../../src/model';
import { iptablesSaveFormat } from '../../../src/ingest/netfilter/iptablesSave';
import type { ParseResult } from '../../../src/ingest/types';

// The seed report (shared/seed) printed these chains with `iptables -t nat -L … -n`
// on a real kube-proxy node; the names must come out exactly the same.
const seed = [
  {
    spn: 'kube-system/kube-dns:dns',
    proto: 'UDP',
    svc: 'KUBE-SVC-TCOU7JCQXEZGVUNU',
    eps: [
      ['10.244.0.105', 53, 'KUBE-SEP-SMSEVC7UC3TMMLEX'],
      ['10.244.0.107', 53, 'KUBE-SEP-D2LNDAFJVFQ3SYLN'],
    ],
  },
  {
    spn: 'kube-system/kube-dns:dns-tcp',
    proto: 'TCP',
    svc: 'KUBE-SVC-ERIFXISQEP7F7OF4',
    eps: [
      ['10.244.0.105', 53, 'KUBE-SEP-RJ76AAHLMPF4DXXJ'],
      ['10.244.0.107', 53, 'KUBE-SEP-I6P6J5WVH6DMN5I3'],
    ],
  },
  {
    spn: 'kube-system/kube-dns:metrics',
    proto: 'TCP',
    svc: 'KUBE-SVC-JD5MR3NA4I4DYORP',
    eps: [
      ['10.244.0.105', 9153, 'KUBE-SEP-3FUHYLOKDTXSLTUI'],
      ['10.244.0.107', 9153, 'KUBE-SEP-LINGYYJVFJ44OFRC'],
    ],
  },
  {
    spn: 'default/kubernetes:https',
    proto: 'TCP',
    svc: 'KUBE-SVC-NPX46M4PTMTKRN6Y',
    eps: [['172.30.1.48', 6443, 'KUBE-SEP-XJNE7KJ7C5OK5DHV']],
  },
  {
    spn: 'default/a-app',
    proto: 'TCP',
    svc: 'KUBE-SVC-CHTNYTLOWMWCGZWR',
    eps: [
      ['10.244.0.143', 80, 'KUBE-SEP-ZZRQGRW2BIJ6VNXP'],
      ['10.244.0.144', 80, 'KUBE-SEP-BJVKNWLDIWYBU2WJ'],
    ],
  },
] as const;

const seedText = readFileSync('test/fixtures/seed/flannel-network-flows-part1.ko.txt', 'utf8');

test('service and endpoint chains match the seed report exactly', () => {
  for (const s of seed) {
    const svc = iptablesServiceChain('SVC', s.spn, s.proto);
    assert.equal(svc, s.svc, s.spn);
    assert.ok(seedText.includes(`${svc} `), `${svc} is printed in the seed`);
    for (const [ip, port, sep] of s.eps) {
      assert.equal(iptablesEndpointChain(s.spn, s.proto, ip, port), sep, `${s.spn} -> ${ip}:${port}`);
      // The seed prints the endpoint's chain next to its kube-proxy comment.
      const printed = `${sep} all -- 0.0.0.0/0 0.0.0.0/0 /* ${s.spn} -> ${ip}:${port} *`;
      assert.ok(seedText.includes(printed), `seed prints: ${printed}`);
    }
  }
});

test('servicePortName leaves off the colon for an unnamed port', () => {
  assert.equal(servicePortName('default', 'a-app'), 'default/a-app');
  assert.equal(servicePortName('default', 'a-app', ''), 'default/a-app');
  assert.equal(servicePortName('kube-system', 'kube-dns', 'dns'), 'kube-system/kube-dns:dns');
});

test('SVL/EXT/FW chains share the SVC hash, protocol case does not matter', () => {
  assert.equal(iptablesServiceChain('EXT', 'default/a-app', 'tcp'), 'KUBE-EXT-CHTNYTLOWMWCGZWR');
  assert.equal(iptablesServiceChain('SVL', 'default/a-app', 'TCP'), 'KUBE-SVL-CHTNYTLOWMWCGZWR');
  assert.equal(iptablesServiceChain('FW', 'default/a-app', 'TCP'), 'KUBE-FW-CHTNYTLOWMWCGZWR');
});

test('nftables chain names follow the hash-prefixed readable form', () => {
  // Seen in a real nftables-mode kube-proxy ruleset (k3s, kube-dns dns-tcp).
  assert.match(
    nftServiceChain('service', { namespace: 'kube-system', name: 'kube-dns', protocol: 'TCP', portName: 'dns-tcp' }),
    /^service-NWBZK7IH-kube-system\/kube-dns\/tcp\/dns-tcp$/,
  );
  assert.match(
    nftEndpointChain({ namespace: 'default', name: 'a-app', protocol: 'TCP' }, { ip: '10.244.0.143', port: 80 }),
    /^endpoint-[A-Z2-7]{8}-default\/a-app\/tcp\/__10\.244\.0\.143\/80$/,
  );
  assert.match(
    nftEndpointChain(
      { namespace: 'default', name: 'v6', protocol: 'TCP', portName: 'http' },
      { ip: 'fd00::1', port: 80 },
    ),
    /__fd00\.\.1\/80$/,
  );
});

test('endpoint probabilities are 1/(n-i) with the last endpoint unconditional', () => {
  assert.deepEqual(endpointProbabilities(1), [undefined]);
  assert.deepEqual(endpointProbabilities(2), ['0.5000000000', undefined]);
  assert.deepEqual(endpointProbabilities(3), ['0.3333333333', '0.5000000000', undefined]);
  assert.deepEqual(endpointProbabilities(0), []);
});

test('printed probabilities match what real iptables printed for the written values', () => {
  // test/fixtures/iptables/statistic-probabilities.list.txt: iptables 1.8.9 output.
  const listed = readFileSync('test/fixtures/iptables/statistic-probabilities.list.txt', 'utf8')
    .split('\n')
    .map((l) => /probability (\S+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  const written = [
    '0.5000000000',
    '0.3333333333',
    '0.2500000000',
    '0.2000000000',
    '0.1666666667',
    '0.1428571429',
    '0.1111111111',
    '0.0100000000',
  ];
  assert.equal(listed.length, written.length);
  assert.deepEqual(written.map(iptablesPrintedProbability), listed);
});

test('base32 matches RFC 4648 test vectors', () => {
  const enc = (s: string) => base32(new TextEncoder().encode(s));
  assert.equal(enc('f'), 'MY');
  assert.equal(enc('fo'), 'MZXQ');
  assert.equal(enc('foobar'), 'MZXW6YTBOI');
});

test("a Local-policy drop rule names its Service port: 'ns/svc' or 'ns/svc:port', never a longer name", () => {
  // kube-proxy's own golden dump and the lab's predicted rules (accepted by the kernel).
  const rulesOf = (path: string) =>
    (iptablesSaveFormat.parse({ text: readFileSync(path, 'utf8'), uri: path }) as ParseResult).facts.filter(
      (fact): fact is NatRule => fact.kind === 'NatRule',
    );
  const golden = rulesOf('test/fixtures/conformance/kube-proxy/overall.iptables.expected.txt');
  const lab = rulesOf('test/fixtures/lab/manifests-extra2/predicted-rules.node1.iptables-save');
  const drops = (rules: NatRule[], service: string) =>
    rules.filter((rule) => isLocalEndpointDrop(rule, service)).map((rule) => rule.comment);
  assert.deepEqual([...new Set(drops(golden, 'ns2/svc2'))], ['ns2/svc2:p80 has no local endpoints']);
  assert.deepEqual(drops(lab, 'default/edge'), ['default/edge:http has no local endpoints']);
  assert.deepEqual(drops(lab, 'default/edg'), [], 'a prefix of the name is another Service');
  assert.deepEqual(drops(golden, 'ns2/svc'), []);
});
