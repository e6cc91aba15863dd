import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDst, resolveTarget, trace, UnknownTargetError } from '../../../src/flow';
import { labA2 } from './seedModel';

test('DST text: port and protocol are split off; IPv6 in brackets', () => {
  assert.deepEqual(parseDst('a-app:80'), { text: 'a-app', port: 80, protocol: undefined });
  assert.deepEqual(parseDst('10.96.0.10:53/udp'), { text: '10.96.0.10', port: 53, protocol: 'UDP' });
  assert.deepEqual(parseDst('[fd00::1]:443/TCP'), { text: 'fd00::1', port: 443, protocol: 'TCP' });
  assert.deepEqual(parseDst('a-app.default.svc.cluster.local'), { text: 'a-app.default.svc.cluster.local' });
});

test("SRC/DST by pod name, ns/name, IP, Service name, ns/svc, ClusterIP and DNS name (with the client's search list)", () => {
  const m = labA2();
  const b = resolveTarget(m, 'b-app', 'source');
  assert.equal(b.kind === 'pod' && b.pod.ip, '10.244.0.147');
  assert.equal(resolveTarget(m, '10.244.0.147', 'source').kind, 'pod');
  const byNs = resolveTarget(m, 'kube-system/kube-dns', 'destination');
  assert.equal(byNs.kind === 'service' && byNs.service.clusterIP, '10.96.0.10');
  const byIp = resolveTarget(m, '10.103.129.86', 'destination');
  assert.equal(byIp.kind === 'service' && byIp.byIp, '10.103.129.86');
  const client = b.kind === 'pod' ? b.pod : undefined;
  const partial = resolveTarget(m, 'a-app.default', 'destination', client);
  assert.equal(partial.kind === 'service' && partial.dnsName, 'a-app.default.svc.cluster.local');
  const pod = resolveTarget(m, '10.244.0.144', 'destination');
  assert.equal(pod.kind === 'pod' && pod.pod.name, 'a-app-57974fdb4-mv7qn');
});

test('by ClusterIP there is no DNS phase; by a partial name the failing search candidates come first', () => {
  const m = labA2();
  assert.ok(!trace(m, 'b-app', '10.103.129.86:80').flows[0].phases.some((p) => p.name === 'DNS'));
  const dns = trace(m, 'b-app', 'a-app.default').flows[0].phases[0];
  assert.deepEqual(
    dns.steps.filter((s) => s.dns?.rcode === 'NXDOMAIN').map((s) => s.dns!.question),
    ['a-app.default.default.svc.cluster.local'],
  );
});

test('unknown names list close matches; an address outside the cluster is a destination', () => {
  const m = labA2();
  assert.throws(
    () => resolveTarget(m, 'b-ap', 'source'),
    (e: unknown) => e instanceof UnknownTargetError && e.suggestions[0] === 'b-app',
  );
  assert.throws(
    () => resolveTarget(m, 'kube-system/kube-dsn', 'destination'),
    (e: unknown) => e instanceof UnknownTargetError && e.suggestions.includes('kube-system/kube-dns'),
  );
  // An address outside the cluster is a legitimate destination (the default route takes it).
  assert.equal(resolveTarget(m, '8.8.8.8', 'destination').kind, 'ip');
});
