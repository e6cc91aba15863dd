/**
 * The host-state and client-error parsers on real outputs (test/fixtures/broken/parsers, made by
 * generate.sh there, and the broken lab's transcripts): values, counts and evidence lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import type { Fact, FactKind, FactOf } from '../../../src/model';

const DIR = 'test/fixtures/broken/parsers';
function read(file: string) {
  const doc = parseDocument(readFileSync(file, 'utf8'), file);
  const of = <K extends FactKind>(kind: K): FactOf<K>[] =>
    doc.facts.filter((f: Fact): f is FactOf<K> => f.kind === kind);
  return { doc, of, unparsed: doc.blocks.flatMap((b) => b.result.unparsed) };
}

test('sysctl: name = value, -w, -n, cat /proc/sys, a missing key, sysctl -a', () => {
  const { of, unparsed, doc } = read(`${DIR}/sysctl.txt`);
  assert.deepEqual(unparsed, []);
  assert.deepEqual(
    of('KernelSetting').map((k) => [k.name, k.value, k.missing ?? false, k.evidence[0].line]),
    [
      ['net.bridge.bridge-nf-call-iptables', '1', false, 2],
      ['net.ipv4.ip_forward', '1', false, 3],
      ['net.ipv4.conf.all.rp_filter', '0', false, 4],
      ['net.netfilter.nf_conntrack_max', '262144', false, 5],
      ['net.bridge.bridge-nf-call-iptables', '0', false, 7],
      ['net.bridge.bridge-nf-call-iptables', '0', false, 9],
      ['net.bridge.bridge-nf-call-iptabels', '', true, 11],
      ['net.ipv4.ip_forward', '1', false, 13],
    ],
  );
  assert.ok(of('KernelSetting').every((k) => k.host === 'node1'));
  assert.ok(doc.blocks.every((b) => b.format === 'sysctl'));
  const all = read(`${DIR}/sysctl-a.txt`);
  assert.deepEqual(all.unparsed, []);
  assert.equal(all.of('KernelSetting').length, 111);
  assert.equal(all.of('KernelSetting').find((k) => k.name === 'net.ipv4.conf.cni0.rp_filter')?.value, '0');
});

test('sysctl: flattened output is cut before each name', () => {
  const spec = formatSpec('sysctl')!;
  const result = spec.parse({ text: 'net.ipv4.ip_forward = 1 net.bridge.bridge-nf-call-iptables = 0', uri: 'x' });
  assert.deepEqual(
    result.facts.map((f) => (f.kind === 'KernelSetting' ? `${f.name}=${f.value}` : f.kind)),
    ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=0'],
  );
});

test('bridge link: ports with master and state; hairpin only with -d', () => {
  const { of, unparsed } = read(`${DIR}/bridge-link.txt`);
  assert.deepEqual(unparsed, []);
  assert.deepEqual(
    of('BridgePort').map((p) => [p.name, p.peer, p.master, p.state, p.mtu, p.hairpin, p.evidence[0].line]),
    [
      ['vethpod1', 'eth1', 'cni0', 'forwarding', 1500, undefined, 2],
      ['vethpod2', 'eth2', 'cni0', 'forwarding', 1500, undefined, 3],
      ['vethpod1', 'eth1', 'cni0', 'forwarding', 1500, true, 5],
      ['vethpod2', 'eth2', 'cni0', 'forwarding', 1500, false, 7],
      ['vethpod2', 'eth2', 'cni0', 'forwarding', 1500, false, 10],
    ],
  );
  assert.equal(of('BridgePort')[2].evidence[0].endLine, 6, 'the -d option line is part of the evidence');
  assert.equal(of('HostInterface').length, 5, 'the ports are interfaces too');
});

test('ss and netstat: what listens, with the process when -p', () => {
  const { of, unparsed } = read(`${DIR}/sockets.txt`);
  assert.deepEqual(unparsed, []);
  assert.deepEqual(
    of('ListeningSocket').map((s) => `${s.protocol} ${s.address}:${s.port} ${s.process ?? '-'}/${s.pid ?? '-'}`),
    [
      'tcp 127.0.0.1:53 dnsmasq/24753',
      'tcp *:8080 busybox/24750',
      'udp 127.0.0.1:53 dnsmasq/24753',
      'tcp 127.0.0.1:53 -/-',
      'tcp *:8080 -/-',
      'tcp 127.0.0.1:53 -/-',
      'tcp :::8080 -/-',
      'tcp 127.0.0.1:53 dnsmasq/24753',
      'tcp :::8080 busybox/24750',
      'udp 127.0.0.1:53 dnsmasq/24753',
    ],
  );
});

test('conntrack -S: one fact per CPU with its counters', () => {
  const { of, unparsed } = read(`${DIR}/conntrack-S.txt`);
  assert.deepEqual(unparsed, []);
  const stats = of('ConntrackStats');
  assert.deepEqual(
    stats.map((s) => s.cpu),
    [0, 1],
  );
  assert.equal(stats[0].counters.insert_failed, 0);
  assert.equal(stats[0].counters.drop, 0);
  assert.equal(Object.keys(stats[0].counters).length, 10);
});

test('iptables -V, the legacy-tables warning, chain policies with counters', () => {
  const { of, unparsed, doc } = read(`${DIR}/iptables-backend.txt`);
  assert.deepEqual(unparsed, []);
  assert.ok(
    !doc.blocks.some((b) => (b.command ?? '').startsWith('iptables-legacy tables')),
    'the warning is no prompt',
  );
  const backends = of('IptablesBackend');
  assert.deepEqual(
    backends.map((b) => [b.version, b.backend, b.legacyTablesPresent ?? false, b.evidence[0].line]),
    [
      ['1.8.9', 'nf_tables', false, 2],
      ['1.8.9', 'legacy', false, 4],
      [undefined, 'nf_tables', true, 6],
      [undefined, 'nf_tables', true, 10],
      [undefined, 'nf_tables', true, 13],
    ],
  );
  const forward = of('ChainPolicy').filter((p) => p.chain === 'FORWARD');
  assert.deepEqual(
    forward.map((p) => [p.table, p.policy, p.packets, p.evidence[0].line]),
    [
      ['filter', 'DROP', 0, 7],
      ['filter', 'DROP', undefined, 11],
      ['filter', 'DROP', undefined, 17],
    ],
  );
  const lab = read('test/fixtures/broken/2-forward-drop/broken.txt');
  const counted = lab.of('ChainPolicy').filter((p) => p.chain === 'FORWARD' && p.packets !== undefined);
  assert.ok(counted.length === 2 && counted.every((p) => p.policy === 'DROP' && p.packets! > 0 && p.bytes! > 0));
  assert.deepEqual(
    lab.unparsed.filter((u) => !/response body/.test(u.reason)),
    [],
  );
});

test('curl and wget: refused, timed out, unresolved, no route, HTTP errors; bodies reported as bodies', () => {
  const { of, unparsed } = read(`${DIR}/clients.txt`);
  assert.deepEqual(
    of('ClientResult').map((r) => [r.tool, r.outcome, r.target, r.code, r.evidence[0].line]),
    [
      ['curl', 'connect-failed', '10.0.0.2', 7, 2],
      ['curl', 'timeout', undefined, 28, 5],
      ['curl', 'connect-failed', '10.0.0.9', 7, 8],
      ['curl', 'connect-failed', '10.9.9.9', 7, 11],
      ['curl', 'unresolved', 'web', 6, 14],
      ['wget', 'refused', '10.0.0.2', undefined, 18],
      ['wget', 'unresolved', 'web', undefined, 22],
      ['wget', 'unresolved', 'web', undefined, 23],
      ['wget', 'timeout', '10.0.0.9', undefined, 27],
      ['wget', 'refused', '10.0.0.2', undefined, 33],
      ['wget', 'unresolved', 'web', undefined, 36],
      ['wget', 'no-route', '10.0.0.9', undefined, 40],
      ['curl', 'http-error', undefined, 22, 56],
    ],
  );
  // Bodies are reported as bodies; an `exit=N` left alone after a blank line (the `echo` of the command
  // line) belongs to no block and is reported as such, never dropped.
  const lines = readFileSync(`${DIR}/clients.txt`, 'utf8').split('\n');
  const bodies = unparsed.filter((u) => /response body/.test(u.reason));
  const loose = unparsed.filter((u) => !/response body/.test(u.reason));
  assert.ok(bodies.length > 0, JSON.stringify(unparsed));
  assert.ok(
    loose.every((u) => u.reason === 'no format recognised' && /^exit=\d+$/.test(lines[u.line - 1])),
    JSON.stringify(loose),
  );
});

test('ping: replies, loss, network unreachable, bad address', () => {
  const { of, unparsed } = read(`${DIR}/ping.txt`);
  assert.deepEqual(unparsed, []);
  assert.deepEqual(
    of('ClientResult').map((r) => [r.outcome, r.target, r.code]),
    [
      ['ok', '10.0.0.2', 0],
      ['packet-loss', '10.0.0.9', 100],
      ['network-unreachable', '10.9.9.9', undefined],
      ['unresolved', 'web', undefined],
    ],
  );
});

test('ip neigh show dev X: the device comes from the command', () => {
  const { of } = read('test/fixtures/broken/7-stale-endpoint/broken.txt');
  const stale = of('Neighbor').find((n) => n.ip === '10.244.0.99');
  assert.equal(stale?.dev, 'cni0');
  assert.match(stale?.state ?? '', /INCOMPLETE|FAILED/);
});
