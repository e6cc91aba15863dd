import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '../../../src/flow';
import { ClusterModel, type Fact } from '../../../src/model';
import type { Flow } from '../../../src/flow/types';
import { ev, labA1, labA2, labA3, SEED } from './seedModel';

const ids = (f: Flow) => f.findings.map((x) => x.id);
const finding = (f: Flow, id: string) => f.findings.find((x) => x.id === id);

/** A copy of a lab model with some facts replaced (same evidence), to make one thing wrong. */
function edited(m: ClusterModel, edit: (f: Fact) => Fact | undefined): ClusterModel {
  const out = new ClusterModel();
  for (const kind of Object.keys(m.summary()) as Fact['kind'][]) {
    for (const f of m.all(kind) as Fact[]) {
      const e = edit(f);
      if (e) out.add(e);
    }
  }
  return out;
}

test("clusterip-traceroute fires on the report's traceroute to a-app (via 10.244.0.1, 172.30.1.254 …), silent without it", () => {
  const f = trace(labA2({ traceroute: true }), 'b-app', 'a-app').flows[0];
  const x = finding(f, 'clusterip-traceroute')!;
  assert.ok(x);
  assert.match(x.message, /10\.103\.129\.86/);
  assert.match(x.message, /10\.244\.0\.1, 172\.30\.1\.254, 61\.77\.108\.1/);
  assert.ok(x.evidence.some((e) => e.uri === SEED && e.line === 141));
  assert.ok(
    x.evidence.some((e) => e.uri === SEED && e.line === 231),
    'the KUBE-SERVICES rule shows it is tcp only',
  );
  assert.ok(!ids(trace(labA2(), 'b-app', 'a-app').flows[0]).includes('clusterip-traceroute'));
});

test('a UDP probe to the ClusterIP matches no rule: the flow leaves through the default gateway', () => {
  const f = trace(labA2({ traceroute: true }), 'b-app', '10.103.129.86:33434/udp').flows[0];
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.ok(!connect.some((s) => s.nat));
  const gw = connect.find((s) => f.actors.find((a) => a.id === s.to)?.kind === 'gateway')!;
  assert.equal(f.actors.find((a) => a.id === gw.to)!.name, 'gateway 172.30.1.254');
  assert.match(
    connect.find((s) => s.kind === 'route')!.explanation,
    /No kube-proxy rule matches UDP 33434 on 10\.103\.129\.86/,
  );
});

test("headless-dns-spread: fires on A.3's lookups (three answers, two orders), silent for a ClusterIP Service's one answer", () => {
  assert.ok(ids(trace(labA3(), 'b-app', 'a-app').flows[0]).includes('headless-dns-spread'));
  assert.ok(!ids(trace(labA2(), 'b-app', 'a-app').flows[0]).includes('headless-dns-spread'));
});

test("bridge-flooding: fires on A.2's post-DNAT capture (29 veths), silent on A.1's (one veth each)", () => {
  const x = finding(trace(labA2(), 'b-app', 'a-app').flows[0], 'bridge-flooding')!;
  assert.match(x.message, /left on 29 veths/);
  assert.match(x.message, /only vethedfea565 leads to 10\.244\.0\.144/);
  assert.ok(x.evidence.every((e) => e.line === 264));
  assert.ok(!ids(trace(labA1(), 'b-pod', 'a-pod').flows[0]).includes('bridge-flooding'));
});

test('mtu-mss: fires on mss 1410 in the SYN and on `mtu 1450` in ip link; silent with neither', () => {
  const a2 = finding(trace(labA2(), 'b-app', 'a-app').flows[0], 'mtu-mss')!;
  assert.match(a2.message, /MTU 1450: 1500 on the underlay minus 50 bytes/);
  assert.match(a2.message, /the SYN shows mss 1410/);
  const a1 = finding(trace(labA1(), 'b-pod', 'a-pod').flows[0], 'mtu-mss')!;
  assert.ok(a1.evidence.some((e) => e.line === 98));
  assert.ok(!ids(trace(labA2({ captures: false }), 'b-app', 'a-app').flows[0]).includes('mtu-mss'));
});

test('dns-search-amplification: fires for a 4-dot name under ndots:5; silent with a trailing dot or a short name', () => {
  const x = finding(trace(labA2(), 'b-app', 'a-app.default.svc.cluster.local').flows[0], 'dns-search-amplification')!;
  assert.match(x.message, /a-app\.default\.svc\.cluster\.local\.default\.svc\.cluster\.local/);
  assert.ok(x.evidence.some((e) => e.line === 189));
  const dotted = trace(labA2(), 'b-app', 'a-app.default.svc.cluster.local.').flows[0];
  assert.ok(!ids(dotted).includes('dns-search-amplification'));
  assert.equal(dotted.phases[0].steps.filter((s) => s.dns?.rcode === 'NXDOMAIN').length, 0);
  assert.ok(!ids(trace(labA2(), 'b-app', 'a-app').flows[0]).includes('dns-search-amplification'));
});

// The Deployment's pod template carries the labels (the pods come from a `kubectl get pods` table,
// which shows none, so they alone say nothing about a selector).
test('selector-matches-no-pod: fires when the Service selects app=a-apq; silent for the real selector', () => {
  const m = edited(labA2(), (f) =>
    f.kind === 'Service' && f.name === 'a-app' && f.selector ? { ...f, selector: { app: 'a-apq' } } : f,
  );
  const f = trace(m, 'b-app', 'a-app').flows[0];
  const x = finding(f, 'selector-matches-no-pod')!;
  assert.match(x.message, /app=a-apq/);
  assert.ok(x.evidence.some((e) => e.line === 168));
  assert.ok(!ids(trace(labA2(), 'b-app', 'a-app').flows[0]).includes('selector-matches-no-pod'));
});

test("targetport-name-missing: fires when the container port is named www instead of web; silent for the report's manifest", () => {
  const m = edited(labA3(), (f) =>
    f.kind === 'StatefulSet'
      ? { ...f, containers: f.containers!.map((c) => ({ ...c, ports: c.ports.map((p) => ({ ...p, name: 'www' })) })) }
      : f,
  );
  const x = finding(trace(m, 'b-app', 'a-app').flows[0], 'targetport-name-missing')!;
  assert.match(x.message, /'web'/);
  assert.ok(x.evidence.some((e) => e.line === 308));
  assert.ok(!ids(trace(labA3(), 'b-app', 'a-app').flows[0]).includes('targetport-name-missing'));
});

test('statefulset-service-not-headless: fires when serviceName names a ClusterIP Service; silent for clusterIP: None', () => {
  const m = edited(labA3(), (f) => (f.kind === 'Service' && f.name === 'a-app' ? { ...f, clusterIP: '10.96.7.7' } : f));
  const x = finding(trace(m, 'b-app', 'a-app').flows[0], 'statefulset-service-not-headless')!;
  assert.match(x.message, /10\.96\.7\.7/);
  assert.ok(!ids(trace(labA3(), 'b-app', 'a-app').flows[0]).includes('statefulset-service-not-headless'));
});

test("contradicted: an nslookup answering another address than the Service's ClusterIP keeps both pieces of evidence", () => {
  const m = edited(labA2(), (f) =>
    f.kind === 'DnsLookup'
      ? { ...f, answers: [{ name: 'a-app.default.svc.cluster.local', type: 'A', data: '10.103.129.99' }] }
      : f,
  );
  const f = trace(m, 'b-app', 'a-app').flows[0];
  const answer = f.phases[0].steps.find((s) => s.kind === 'dns-answer')!;
  assert.equal(answer.status, 'contradicted');
  assert.ok(answer.evidence.some((e) => e.line === 225) && answer.evidence.some((e) => e.line === 173));
  assert.match(answer.explanation, /10\.103\.129\.99.*10\.103\.129\.86/);
});

test('contradicted: `ip link` names another veth for b-pod than the capture shows', () => {
  const m = labA1().add({
    kind: 'HostInterface',
    name: 'veth0c0ffee0',
    podRef: 'default/b-pod',
    type: 'veth',
    master: 'cni0',
    evidence: ev(98, 'master cni0'),
  });
  const f = trace(m, 'b-pod', 'a-pod').flows[0];
  const first = f.phases.find((p) => p.name === 'request')!.steps[0];
  assert.equal(first.status, 'contradicted');
  assert.match(first.explanation, /veth0c0ffee0 vs vethded7ef9f/);
  assert.ok(first.evidence.some((e) => e.line === 92) && first.evidence.some((e) => e.line === 98));
});
