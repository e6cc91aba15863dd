import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatSpec } from '../../../src/ingest/registry';
import type { FormatId } from '../../../src/ingest/types';
import { ClusterModel, type Evidence, type Fact } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow } from '../../../src/flow/types';

/** Real `ip`/`bridge` output of a Flannel-like node (test/fixtures/ip, README there), through the real parsers. */
function parsed(format: FormatId, path: string, host?: string, command?: string): Fact[] {
  const spec = formatSpec(format);
  assert.ok(spec, `${format} parser registered`);
  return spec.parse({ text: readFileSync(path, 'utf8'), uri: path, host, command }).facts;
}

const test1: Evidence[] = [{ source: 'derived', uri: 'test:', excerpt: 'pods and nodes of this test cluster' }];

/** node1 172.30.1.48 (10.244.0.0/24) with a-pod, node2 172.30.1.49 (10.244.1.0/24) with c-pod. */
function cluster(): ClusterModel {
  const m = new ClusterModel();
  m.add([
    { kind: 'Node', name: 'node1', internalIP: '172.30.1.48', podCIDR: '10.244.0.0/24', evidence: test1 },
    { kind: 'Node', name: 'node2', internalIP: '172.30.1.49', podCIDR: '10.244.1.0/24', evidence: test1 },
    { kind: 'Pod', name: 'a-pod', namespace: 'default', ip: '10.244.0.53', nodeName: 'node1', evidence: test1 },
    { kind: 'Pod', name: 'c-pod', namespace: 'default', ip: '10.244.1.10', nodeName: 'node2', evidence: test1 },
  ]);
  return m;
}

const names = (f: Flow, phase: string) => {
  const p = f.phases.find((x) => x.name === phase)!;
  return [p.steps[0].from, ...p.steps.map((s) => s.to)].map((id) => f.actors.find((a) => a.id === id)!.name);
};

test('VXLAN: route via flannel.1 onlink, encap VNI 1 / UDP 8472 / MTU 1450 to the VTEP from the fdb, decap on node2', () => {
  const m = cluster();
  m.add(parsed('ip-route', 'test/fixtures/ip/ip-route.txt', 'node1'));
  m.add(parsed('ip-link', 'test/fixtures/ip/ip-d-link-flannel.txt', 'node1'));
  m.add(parsed('bridge-fdb', 'test/fixtures/ip/bridge-fdb-flannel.txt', 'node1', 'bridge fdb show dev flannel.1'));
  m.add(parsed('flannel-subnet-env', 'test/fixtures/ip/subnet.env', 'node1'));
  const f = trace(m, 'a-pod', 'c-pod:80').flows[0];
  assert.equal(f.family, 'pod-to-pod-vxlan');
  assert.deepEqual(names(f, 'request'), [
    'a-pod',
    'veth of a-pod',
    'cni0',
    'node1 routing',
    'flannel.1',
    'node1 eth0',
    'node2 eth0',
    'flannel.1',
    'node2 routing',
    'cni0',
    'veth of c-pod',
    'c-pod',
  ]);
  const steps = f.phases.find((x) => x.name === 'request')!.steps;
  const route = steps.find((s) => s.kind === 'route')!;
  assert.equal(route.label, '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink');
  // `ip route` says the hop happens; no capture shows this packet at node1's routing: configured.
  assert.equal(route.status, 'configured');
  assert.equal(route.evidence[0].role, 'route');
  assert.equal(route.evidence[0].uri, 'test/fixtures/ip/ip-route.txt');
  assert.equal(route.evidence[0].line, 3);
  const encap = steps.find((s) => s.kind === 'encap')!;
  assert.equal(encap.label, 'VXLAN encap VNI 1, UDP 8472, outer 172.30.1.48 → 172.30.1.49, MTU 1450');
  assert.ok(encap.evidence.some((e) => e.uri.endsWith('bridge-fdb-flannel.txt')));
  assert.ok(encap.evidence.some((e) => e.uri.endsWith('ip-d-link-flannel.txt')));
  assert.ok(steps.some((s) => s.kind === 'decap'));
  // The reply crosses back the same way, encapsulated on node2.
  assert.ok(f.phases.find((x) => x.name === 'reply')!.steps.some((s) => s.kind === 'encap'));
  assert.ok(f.findings.some((x) => x.id === 'mtu-mss'));
  assert.ok(f.unresolved.some((u) => u.startsWith('veth of a-pod unknown')));
});

test('host-gw: the other node is the next hop, no encapsulation (real `ip route` with `via 172.30.1.49 dev eth0`)', () => {
  const m = cluster();
  m.add(parsed('ip-route', 'test/unit/flow/fixtures/host-gw-ip-route.txt', 'node1'));
  m.add({ kind: 'Cni', plugin: 'flannel', backend: 'host-gw', evidence: test1 });
  const f = trace(m, 'a-pod', 'c-pod').flows[0];
  assert.equal(f.family, 'pod-to-pod-host-gw');
  const steps = f.phases.find((x) => x.name === 'request')!.steps;
  assert.ok(!steps.some((s) => s.kind === 'encap' || s.kind === 'decap'));
  const route = steps.find((s) => s.kind === 'route')!;
  assert.equal(route.label, '10.244.1.0/24 via 172.30.1.49 dev eth0');
  assert.equal(route.evidence[0].uri, 'test/unit/flow/fixtures/host-gw-ip-route.txt');
  assert.deepEqual(names(f, 'request'), [
    'a-pod',
    'veth of a-pod',
    'cni0',
    'node1 routing',
    'node1 eth0',
    'node2 eth0',
    'node2 routing',
    'cni0',
    'veth of c-pod',
    'c-pod',
  ]);
});

test("same node (both pods in node1's podCIDR): no routing hop at all", () => {
  const m = cluster();
  m.add({ kind: 'Pod', name: 'b-pod', namespace: 'default', ip: '10.244.0.54', evidence: test1 });
  const f = trace(m, 'b-pod', 'a-pod').flows[0];
  assert.equal(f.family, 'pod-to-pod');
  assert.ok(f.phases.every((p) => p.steps.every((s) => s.kind !== 'route' && s.kind !== 'encap')));
});

test('ClusterIP with its endpoint on the other node: DNAT on node1, then VXLAN to node2; the reply comes back and is un-DNATed on node1', () => {
  const m = cluster();
  m.add(parsed('ip-route', 'test/fixtures/ip/ip-route.txt', 'node1'));
  m.add(parsed('ip-link', 'test/fixtures/ip/ip-d-link-flannel.txt', 'node1'));
  m.add(parsed('bridge-fdb', 'test/fixtures/ip/bridge-fdb-flannel.txt', 'node1', 'bridge fdb show dev flannel.1'));
  m.add({
    kind: 'Service',
    name: 'c-svc',
    namespace: 'default',
    clusterIP: '10.96.50.50',
    selector: { run: 'c-pod' },
    ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
    evidence: test1,
  });
  m.add({ kind: 'Pod', name: 'c-pod', namespace: 'default', labels: { run: 'c-pod' }, evidence: test1 });
  const f = trace(m, 'a-pod', '10.96.50.50:80').flows[0];
  const connect = names(f, 'connect');
  const dnatAt = connect.findIndex((n) => n.startsWith('KUBE-SEP-'));
  const encapAt = connect.indexOf('flannel.1');
  assert.ok(dnatAt > 0 && encapAt > dnatAt, connect.join(' → '));
  assert.equal(connect.at(-1), 'c-pod');
  const steps = f.phases.flatMap((p) => p.steps);
  assert.deepEqual(steps.find((s) => s.nat?.type === 'DNAT')!.nat, {
    type: 'DNAT',
    before: '10.96.50.50:80',
    after: '10.244.1.10:8080',
  });
  const reply = names(f, 'reply');
  assert.ok(
    reply.indexOf('conntrack') > reply.lastIndexOf('flannel.1'),
    'un-DNAT on the client node, after decapsulation',
  );
});

test('a hostNetwork client reaches the Service through nat OUTPUT', () => {
  const m = cluster();
  m.add({
    kind: 'Service',
    name: 'c-svc',
    namespace: 'default',
    clusterIP: '10.96.50.50',
    selector: { run: 'c-pod' },
    ports: [{ protocol: 'TCP', port: 80 }],
    evidence: test1,
  });
  m.add({ kind: 'Pod', name: 'c-pod', namespace: 'default', labels: { run: 'c-pod' }, evidence: test1 });
  m.add({
    kind: 'Pod',
    name: 'agent',
    namespace: 'default',
    ip: '172.30.1.48',
    nodeName: 'node1',
    hostNetwork: true,
    evidence: test1,
  });
  const f = trace(m, 'agent', 'c-svc').flows[0];
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.match(connect.find((s) => s.label.includes('KUBE-SERVICES'))!.label, /nat OUTPUT → KUBE-SERVICES/);
  assert.equal(f.actors.find((a) => a.id === connect[0].from)!.kind, 'node');
});

test("pod → another node's address goes over the node network (real `ip route`: 172.30.1.0/24 dev eth0), not VXLAN", () => {
  const m = cluster();
  m.add(parsed('ip-route', 'test/fixtures/ip/ip-route.txt', 'node1'));
  const f = trace(m, 'a-pod', 'node2').flows[0];
  const steps = f.phases.flatMap((p) => p.steps);
  const route = steps.find((s) => s.kind === 'route')!;
  assert.equal(route.label, '172.30.1.0/24 dev eth0');
  assert.equal(route.evidence[0].line, 4);
  assert.ok(!steps.some((s) => s.kind === 'encap'));
  assert.equal(f.actors.find((a) => a.id === steps.at(-1)!.to)!.kind, 'node');
});

test('connection notes from a real capture: refused (RST), ICMP port unreachable, SYN retransmitted with no answer', () => {
  const m = new ClusterModel()
    .add([
      { kind: 'Pod', name: 'a', namespace: 'default', ip: '10.244.0.53', evidence: test1 },
      { kind: 'Pod', name: 'b', namespace: 'default', ip: '10.244.0.54', evidence: test1 },
    ])
    .add(parsed('tcpdump', 'test/unit/flow/fixtures/errors-capture.txt'));
  const notes = (to: string) =>
    trace(m, 'b', to)
      .flows[0].phases.find((p) => p.name === 'connection')
      ?.steps.map((s) => s.label) ?? [];
  assert.ok(notes('a:8080').some((l) => /reset the connection/.test(l)));
  assert.ok(notes('a:81').some((l) => /no SYN-ACK/.test(l)));
  assert.ok(
    trace(m, 'b', 'a:81')
      .flows[0].phases.find((p) => p.name === 'connection')!
      .steps[0].explanation.includes('retransmitted 1 time(s)'),
  );
  assert.ok(notes('a:9999/udp').some((l) => /ICMP .*unreachable/.test(l)));
});

test('NodePort from outside to a node without the endpoint: DNAT and masquerade on node1, then VXLAN to node2', () => {
  const m = cluster();
  m.add(parsed('ip-route', 'test/fixtures/ip/ip-route.txt', 'node1'));
  m.add(parsed('ip-link', 'test/fixtures/ip/ip-d-link-flannel.txt', 'node1'));
  m.add({
    kind: 'Service',
    name: 'np',
    namespace: 'default',
    type: 'NodePort',
    clusterIP: '10.96.60.60',
    selector: { run: 'c-pod' },
    ports: [{ protocol: 'TCP', port: 80, nodePort: 30090 }],
    evidence: test1,
  });
  m.add({ kind: 'Pod', name: 'c-pod', namespace: 'default', labels: { run: 'c-pod' }, evidence: test1 });
  const f = trace(m, '192.0.2.7', '172.30.1.48:30090').flows[0];
  assert.equal(f.family, 'nodeport');
  const connect = names(f, 'connect');
  assert.equal(connect[0], '192.0.2.7');
  assert.ok(connect.indexOf('KUBE-POSTROUTING') < connect.indexOf('flannel.1'), connect.join(' → '));
  assert.equal(connect.at(-1), 'c-pod');
});
