import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatSpec } from '../../../src/ingest/registry';
import type { FormatId } from '../../../src/ingest/types';
import { ClusterModel, type Evidence, type Fact } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow, FlowStep } from '../../../src/flow/types';
import { seedFacts } from '../../fixtures/netfilter/seedCluster';

/**
 * The netfilter engineer's lab (test/fixtures/netfilter/README.md): kube-proxy's rules
 * loaded into a real kernel and real traffic from the client pod 10.244.0.147; here
 * through the real iptables-save / nft / conntrack parsers.
 */
const NF = 'test/fixtures/netfilter';
const lab: Evidence[] = [{ source: 'derived', uri: `${NF}/README.md`, excerpt: 'client `kpp-nf-client` 10.244.0.147' }];

function parsed(format: FormatId, file: string): Fact[] {
  const spec = formatSpec(format);
  assert.ok(spec, `${format} parser registered`);
  return spec.parse({ text: readFileSync(`${NF}/${file}`, 'utf8'), uri: `${NF}/${file}` }).facts;
}

function iptablesLab(): ClusterModel {
  return new ClusterModel()
    .add(seedFacts())
    .add({ kind: 'Pod', name: 'b-app', namespace: 'default', ip: '10.244.0.147', nodeName: 'node1', evidence: lab })
    .add({ kind: 'Pod', name: 'app1', namespace: 'default', ip: '10.244.0.143', nodeName: 'node1', evidence: lab })
    .add({ kind: 'Pod', name: 'app2', namespace: 'default', ip: '10.244.0.144', nodeName: 'node1', evidence: lab })
    .add(parsed('iptables-save', 'nft-variant.iptables-save.txt'))
    .add(parsed('conntrack', 'conntrack-L.txt'));
}

const all = (f: Flow): FlowStep[] => f.phases.flatMap((p) => p.steps);
const names = (f: Flow) => all(f).map((s) => f.actors.find((a) => a.id === s.to)!.name);
const connect = (f: Flow): FlowStep[] => f.phases.find((p) => p.name === 'connect')!.steps;

test('NodePort (Cluster policy): KUBE-NODEPORTS → KUBE-EXT → KUBE-SVC, DNAT to the pod conntrack shows, MASQUERADE to the node address', () => {
  const f = trace(iptablesLab(), 'b-app', '10.244.0.1:30080').flows[0];
  assert.equal(f.family, 'nodeport');
  const n = names(f);
  for (const chain of [
    'KUBE-SERVICES',
    'KUBE-NODEPORTS',
    'KUBE-EXT-EJJ3S7U7GXU3VDI5',
    'KUBE-SVC-EJJ3S7U7GXU3VDI5',
    'KUBE-POSTROUTING',
  ])
    assert.ok(n.includes(chain), `${chain} in ${n.join(' ')}`);
  const dnat = all(f).find((s) => s.nat?.type === 'DNAT')!;
  // Whatever the kernel picked when the fixture was made, as conntrack printed it (a rerun of
  // generate.sh may pick the other endpoint).
  const ct = parsed('conntrack', 'conntrack-L.txt').find(
    (x) => x.kind === 'ConntrackEntry' && x.original.dport === 30080,
  );
  assert.ok(ct && ct.kind === 'ConntrackEntry');
  assert.deepEqual(dnat.nat, { type: 'DNAT', before: '10.244.0.1:30080', after: `${ct.reply.src}:80` });
  // conntrack shows the kernel's translation, not a packet at this point: configured.
  assert.equal(dnat.status, 'configured');
  assert.ok(dnat.evidence.some((e) => e.uri.endsWith('conntrack-L.txt')));
  const masq = all(f).find((s) => s.nat?.type === 'MASQUERADE')!;
  assert.deepEqual(masq.nat, { type: 'MASQUERADE', before: '10.244.0.147', after: '10.244.0.1' });
  const delivered = connect(f).at(-1)!;
  assert.equal(
    f.actors.find((a) => a.id === delivered.to)!.name,
    { '10.244.0.143': 'app1', '10.244.0.144': 'app2' }[ct.reply.src],
  );
  // The reply goes back through the node's conntrack to the client.
  const reply = f.phases.find((p) => p.name === 'reply')!.steps;
  assert.ok(reply.some((s) => s.nat?.type === 'un-DNAT' && s.nat.after === '10.244.0.1:30080'));
  assert.equal(f.actors.find((a) => a.id === reply.at(-1)!.to)!.name, 'b-app');
});

test("NodePort with externalTrafficPolicy Local: from a pod it short-circuits to KUBE-SVC; from outside only KUBE-SVL's local endpoint, no masquerade", () => {
  const fromPod = trace(iptablesLab(), 'b-app', '10.244.0.1:30081').flows[0];
  assert.ok(names(fromPod).includes('KUBE-SVC-V5KWUXC4T54RXSP4'));
  assert.match(
    all(fromPod).find((s) => s.to.endsWith('KUBE-SVC-V5KWUXC4T54RXSP4'))!.label,
    /pod source 10\.244\.0\.147/,
  );
  const dnat = all(fromPod).find((s) => s.nat?.type === 'DNAT')!;
  // Whatever the kernel picked for the pod's connection, as conntrack printed it.
  const ct = parsed('conntrack', 'conntrack-L.txt').find(
    (f) => f.kind === 'ConntrackEntry' && f.original.dport === 30081,
  );
  assert.ok(ct && ct.kind === 'ConntrackEntry');
  assert.equal(dnat.nat!.after, `${ct.reply.src}:80`);
  assert.ok(!all(fromPod).some((s) => s.nat?.type === 'MASQUERADE'));
  const ext = trace(iptablesLab(), '192.0.2.7', '172.30.1.48:30081').flows[0];
  assert.ok(names(ext).includes('KUBE-SVL-V5KWUXC4T54RXSP4'));
  const pick = all(ext).find((s) => s.alternatives)!;
  assert.deepEqual(
    pick.alternatives!.map((a) => a.label.split(' → ')[1].split(' ')[0]),
    ['10.244.0.143:80'],
  );
  assert.ok(!all(ext).some((s) => s.nat?.type === 'MASQUERADE'));
  assert.match(
    all(ext).find((s) => s.label.includes('externalTrafficPolicy Local'))!.explanation,
    /client's own source IP/,
  );
});

test('sessionAffinity ClientIP: the `recent` rules are the evidence, and conntrack shows the same endpoint every time', () => {
  const f = trace(iptablesLab(), 'b-app', 'a-app-sticky').flows[0];
  const pick = connect(f).find((s) => s.alternatives)!;
  assert.match(pick.explanation, /recent.*--rcheck --seconds 10800/);
  assert.ok(pick.evidence.some((e) => e.excerpt?.includes('--rcheck --seconds 10800')));
  assert.equal(connect(f).find((s) => s.nat?.type === 'DNAT')!.nat!.after, '10.244.0.144:80');
});

test("Service with no endpoints: kube-proxy's REJECT (filter table) answers, the finding says why", () => {
  const f = trace(iptablesLab(), 'b-app', 'no-endpoints').flows[0];
  const rej = all(f).find((s) => s.kind === 'reject')!;
  assert.match(rej.label, /REJECT: default\/no-endpoints has no endpoints/);
  // The REJECT rule is pasted, no capture shows the ICMP: configured.
  assert.equal(rej.status, 'configured');
  assert.equal(rej.evidence[0].role, 'rule');
  assert.match(rej.evidence[0].excerpt!, /has no endpoints.*REJECT/);
  assert.ok(f.findings.some((x) => x.id === 'service-no-endpoints'));
  assert.ok(!connect(f).some((s) => s.nat?.type === 'DNAT'));
});

test('nftables mode (real `nft list table ip kube-proxy`): service-ips map → service chain → numgen endpoint chains', () => {
  const m = new ClusterModel()
    .add(seedFacts())
    .add({ kind: 'Pod', name: 'b-app', namespace: 'default', ip: '10.244.0.147', nodeName: 'node1', evidence: lab })
    .add(parsed('nft', 'nftables-mode.nft-list-table.txt'))
    .add(parsed('conntrack', 'nftables-mode.conntrack-L.txt'));
  const f = trace(m, 'b-app', '10.103.129.86:80').flows[0];
  const n = names(f);
  assert.ok(
    n.some((x) => /^service-[A-Z2-7]{8}-default\/a-app\/tcp\/$/.test(x)),
    n.join(' '),
  );
  const pick = all(f).find((s) => s.alternatives)!;
  assert.equal(pick.alternatives!.length, 2);
  assert.ok(
    pick.alternatives!.every((a) =>
      /^endpoint-[A-Z2-7]{8}-default\/a-app\/tcp\/__10\.244\.0\.14[34]\/80/.test(a.label),
    ),
  );
  const ct = parsed('conntrack', 'nftables-mode.conntrack-L.txt').find(
    (x) => x.kind === 'ConntrackEntry' && x.original.dst === '10.103.129.86' && x.original.dport === 80,
  );
  assert.ok(ct && ct.kind === 'ConntrackEntry', 'the fixture holds the connection through the ClusterIP');
  assert.equal(all(f).find((s) => s.nat?.type === 'DNAT')!.nat!.after, `${ct.reply.src}:80`);
});

test('IPVS mode (kube-proxy config says ipvs, no ipvsadm output: this kernel has no ip_vs): predicted virtual server → real servers', () => {
  const m = new ClusterModel()
    .add(seedFacts())
    .add({ kind: 'Pod', name: 'b-app', namespace: 'default', ip: '10.244.0.147', nodeName: 'node1', evidence: lab })
    .add({ kind: 'KubeProxy', mode: 'ipvs', evidence: lab });
  const f = trace(m, 'b-app', 'a-app').flows[0];
  const ipvs = connect(f).find((s) => f.actors.find((a) => a.id === s.to)?.kind === 'ipvs')!;
  assert.match(ipvs.label, /kube-ipvs0/);
  // The kube-proxy config says ipvs mode; no ipvsadm output names the virtual server: configured
  // by the objects, never observed.
  assert.equal(ipvs.status, 'configured');
  const dnat = connect(f).find((s) => s.nat?.type === 'DNAT')!;
  assert.deepEqual(
    dnat.alternatives!.map((a) => a.probability),
    [0.5, 0.5],
  );
  assert.ok(!names(f).some((x) => x.startsWith('KUBE-SVC-')));
});

test('ExternalName: DNS answers a CNAME, kube-proxy has nothing, the client goes out of the default gateway', () => {
  const m = iptablesLab().add({
    kind: 'Service',
    name: 'ext',
    namespace: 'default',
    type: 'ExternalName',
    externalName: 'db.example.com',
    ports: [],
    evidence: lab,
  });
  const f = trace(m, 'b-app', 'ext').flows[0];
  assert.equal(f.family, 'external-name');
  const answer = all(f).find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(answer.dns!.answers, ['db.example.com']);
  const connect = f.phases.find((p) => p.name === 'connect')!;
  assert.ok(connect.steps.every((s) => f.actors.find((a) => a.id === s.to)!.kind !== 'netfilter'));
  assert.ok(connect.steps.some((s) => f.actors.find((a) => a.id === s.to)!.kind === 'gateway'));
});

test("hostNetwork pod: no veth on its side, the node's own stack routes to cni0", () => {
  const m = iptablesLab().add({
    kind: 'Pod',
    name: 'kube-flannel-ds-x',
    namespace: 'kube-flannel',
    ip: '172.30.1.48',
    hostNetwork: true,
    nodeName: 'node1',
    evidence: lab,
  });
  const f = trace(m, 'kube-flannel/kube-flannel-ds-x', 'app1').flows[0];
  assert.equal(f.family, 'host-network');
  const req = f.phases.find((p) => p.name === 'request')!.steps;
  assert.equal(f.actors.find((a) => a.id === req[0].from)!.kind, 'node');
  assert.equal(f.actors.find((a) => a.id === req[0].to)!.name, 'cni0');
  assert.ok(!req.some((s) => s.from === req[0].from && f.actors.find((a) => a.id === s.to)!.kind === 'veth'));
});
