import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '../../../src/flow';
import type { Flow, FlowStep } from '../../../src/flow/types';
import { SEED, labA1, labA2, labA3, seedLines } from './seedModel';

const steps = (f: Flow): FlowStep[] => f.phases.flatMap((p) => p.steps);
const actorName = (f: Flow, id: string) => f.actors.find((a) => a.id === id)?.name;
const seedLinesOf = (s: FlowStep) => s.evidence.filter((e) => e.uri === SEED).map((e) => e.line);

test('A.1 b-pod → a-pod: eth0 → vethded7ef9f → cni0 → veth75a7f7d6 → eth0, proven by the capture', () => {
  const { flows } = trace(labA1(), 'b-pod', 'a-pod');
  const f = flows[0];
  assert.equal(f.family, 'pod-to-pod');
  const req = f.phases.find((p) => p.name === 'request')!;
  const path = [req.steps[0].from, ...req.steps.map((s) => s.to)].map((id) => actorName(f, id));
  assert.deepEqual(path, ['b-pod', 'vethded7ef9f', 'cni0', 'veth75a7f7d6', 'a-pod']);
  assert.match(req.steps[0].label, /ICMP echo request/);
  assert.equal(req.steps[0].status, 'observed');
  assert.deepEqual(seedLinesOf(req.steps[0]).slice(0, 1), [92]);
  // The veth is a port of cni0: the frame received on it (line 92) is the bridge's, and `ip link`
  // (line 98) says the veth is enslaved to cni0.
  assert.deepEqual(seedLinesOf(req.steps[1]), [92, 98]);
  assert.equal(req.steps[1].status, 'observed');
  const reply = f.phases.find((p) => p.name === 'reply')!;
  assert.deepEqual(
    [reply.steps[0].from, ...reply.steps.map((s) => s.to)].map((id) => actorName(f, id)),
    ['a-pod', 'veth75a7f7d6', 'cni0', 'vethded7ef9f', 'b-pod'],
  );
  assert.match(reply.steps[0].label, /echo reply/);
  const arp = f.phases.find((p) => p.name === 'ARP');
  assert.ok(arp && arp.steps.some((s) => /who-has 10\.244\.0\.54 tell 10\.244\.0\.53/.test(s.label)));
  assert.ok(arp.steps.some((s) => /is-at ae:cb:f3:eb:3a:b9/.test(s.label)));
  assert.deepEqual(f.unresolved, []);
});

test('A.1 without a capture: the same path is predicted and says what is missing', () => {
  const m = labA1();
  const bare = new (m.constructor as typeof import('../../../src/model').ClusterModel)();
  bare.add(m.pods);
  const f = trace(bare, 'b-pod', 'a-pod').flows[0];
  assert.ok(steps(f).every((s) => s.status === 'predicted'));
  assert.ok(
    f.unresolved.some((u) => u.includes('veth of b-pod unknown') && u.includes('tcpdump -i any -n host 10.244.0.54')),
  );
});

test('A.2 b-app → a-app.default.svc.cluster.local: search list, kube-dns, KUBE-SVC/KUBE-SEP DNAT to 10.244.0.144, reply un-DNAT', () => {
  const f = trace(labA2(), 'b-app', 'a-app.default.svc.cluster.local').flows[0];
  assert.equal(f.family, 'pod-to-service');
  assert.deepEqual(
    f.phases.map((p) => p.name),
    ['DNS', 'connect', 'data', 'reply'],
  );
  const dns = f.phases[0].steps;
  // ndots:5 and four dots: three search-suffixed names fail first.
  assert.deepEqual(
    dns.filter((s) => s.dns?.rcode === 'NXDOMAIN').map((s) => s.dns!.question),
    [
      'a-app.default.svc.cluster.local.default.svc.cluster.local',
      'a-app.default.svc.cluster.local.svc.cluster.local',
      'a-app.default.svc.cluster.local.cluster.local',
    ],
  );
  // The seed's iptables listing says KUBE-SERVICES sends the query to kube-dns's chain: configured,
  // since no packet shows a jump between chains.
  assert.ok(dns.some((s) => actorName(f, s.to) === 'KUBE-SVC-TCOU7JCQXEZGVUNU' && s.status === 'configured'));
  const choice = dns.find((s) => s.alternatives)!;
  assert.deepEqual(
    choice.alternatives!.map((a) => a.probability),
    [0.5, 0.5],
  );
  assert.ok(choice.alternatives!.every((a) => !a.chosen));
  // Which CoreDNS pod got this query is not in any log: the DNAT and the hop to CoreDNS stay predicted.
  assert.equal(dns.find((s) => s.nat?.type === 'DNAT')!.status, 'predicted');
  assert.equal(dns.find((s) => s.label.startsWith('to CoreDNS'))!.status, 'predicted');
  const answer = dns.find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(answer.dns!.answers, ['10.103.129.86']);
  // The nslookup by hand shows what CoreDNS answers, not this flow's query (no capture of it): configured.
  assert.equal(answer.status, 'configured');
  // The nslookup line says so; the `kubectl get svc` line says why it is that address.
  assert.equal(seedLinesOf(answer)[0], 225);
  assert.ok(seedLinesOf(answer).includes(173));

  const connect = f.phases[1].steps;
  const names = connect.map((s) => actorName(f, s.to));
  assert.deepEqual(names.slice(0, 4), ['vetha999267c', 'cni0', 'KUBE-SERVICES', 'KUBE-SVC-CHTNYTLOWMWCGZWR']);
  const pick = connect.find((s) => s.alternatives)!;
  assert.deepEqual(
    pick.alternatives!.map((a) => a.label.split(' ')[0]),
    ['KUBE-SEP-ZZRQGRW2BIJ6VNXP', 'KUBE-SEP-BJVKNWLDIWYBU2WJ'],
  );
  assert.deepEqual(
    pick.alternatives!.map((a) => a.chosen ?? false),
    [false, true],
  );
  const dnat = connect.find((s) => s.nat?.type === 'DNAT')!;
  assert.deepEqual(dnat.nat, { type: 'DNAT', before: '10.103.129.86:80', after: '10.244.0.144:80' });
  assert.equal(dnat.status, 'observed');
  assert.deepEqual([...new Set(seedLinesOf(dnat))].sort(), [236, 264, 268]);
  assert.ok(names.includes('vethedfea565'));
  assert.equal(names.at(-1), 'a-app-57974fdb4-mv7qn');
  const flood = connect.find((s) => actorName(f, s.to) === 'vethedfea565')!;
  // Count the veths the SYN left on straight from the report's line, independently of the engine.
  const vethsInReport = new Set(
    seedLines[263].match(/veth[0-9a-f]{8}(?= Out IP 10\.244\.0\.147\.55042 > 10\.244\.0\.144\.80: Flags \[S\])/g),
  );
  assert.equal(vethsInReport.size, 29);
  assert.match(flood.explanation, new RegExp(`flooded the frame out of ${vethsInReport.size} ports`));

  const reply = f.phases.find((p) => p.name === 'reply')!.steps;
  assert.equal(actorName(f, reply[0].to), 'vethedfea565');
  const unDnat = reply.find((s) => s.nat?.type === 'un-DNAT')!;
  assert.deepEqual(unDnat.nat, { type: 'un-DNAT', before: '10.244.0.144:80', after: '10.103.129.86:80' });
  assert.equal(unDnat.status, 'observed');
  assert.equal(actorName(f, reply.at(-1)!.to), 'b-app');
  assert.ok(f.phases.find((p) => p.name === 'data')!.steps.some((s) => /GET \/ HTTP\/1\.1/.test(s.label)));
  const ids = f.findings.map((x) => x.id);
  assert.ok(ids.includes('bridge-flooding'));
  assert.ok(ids.includes('mtu-mss'));
  assert.ok(ids.includes('dns-search-amplification'));
});

test('A.2 with no pasted rules: chain names are predicted and equal the ones the report shows', () => {
  const f = trace(labA2({ rules: false, captures: false }), 'b-app', 'a-app').flows[0];
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  const svcHop = connect.find((s) => actorName(f, s.to)?.startsWith('KUBE-SVC-'))!;
  assert.equal(actorName(f, svcHop.to), 'KUBE-SVC-CHTNYTLOWMWCGZWR');
  assert.equal(svcHop.status, 'predicted');
  assert.ok(svcHop.evidence.every((e) => e.source !== 'log'));
  const pick = connect.find((s) => s.alternatives)!;
  assert.deepEqual(
    pick.alternatives!.map((a) => a.label.split(' ')[0]),
    ['KUBE-SEP-ZZRQGRW2BIJ6VNXP', 'KUBE-SEP-BJVKNWLDIWYBU2WJ'],
  );
  assert.match(pick.alternatives![0].label, /probability 0\.50000000000/);
  assert.equal(pick.status, 'predicted');
  assert.ok(f.unresolved.some((u) => u.includes('endpoint chosen for 10.103.129.86:80 unknown')));
  // 'a-app' has no dot: the first search suffix answers, nothing fails first.
  assert.equal(f.phases[0].steps.filter((s) => s.dns?.rcode === 'NXDOMAIN').length, 0);
});

test('A.3 b-app → headless a-app: DNS answers pod IPs, client takes the first, no kube-proxy, no NAT', () => {
  const f = trace(labA3(), 'b-app', 'a-app').flows[0];
  assert.equal(f.family, 'pod-to-headless');
  const answer = f.phases[0].steps.find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(answer.dns!.answers, ['10.244.0.221', '10.244.0.222', '10.244.0.219']);
  // dig by hand shows what CoreDNS answers; no capture shows this flow's own query: configured.
  assert.equal(answer.status, 'configured');
  assert.ok(answer.evidence.some((e) => e.role === 'dns-answer'));
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.equal(actorName(f, connect.at(-1)!.to), 'a-app-1');
  assert.ok(connect.every((s) => !s.nat && !actorName(f, s.to)?.startsWith('KUBE-')));
  const spread = f.findings.find((x) => x.id === 'headless-dns-spread')!;
  assert.ok(spread, 'headless spread finding');
  assert.match(
    spread.message,
    /10\.244\.0\.221,10\.244\.0\.222,10\.244\.0\.219 vs 10\.244\.0\.222,10\.244\.0\.219,10\.244\.0\.221/,
  );
  assert.ok(spread.evidence.some((e) => e.line === 360) && spread.evidence.some((e) => e.line === 366));
});

test('A.3 per-pod name a-app-0.a-app.default.svc.cluster.local: one A record, straight to a-app-0', () => {
  const f = trace(labA3(), 'b-app', 'a-app-0.a-app.default.svc.cluster.local:80').flows[0];
  const answer = f.phases[0].steps.find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(answer.dns!.answers, ['10.244.0.219']);
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.equal(actorName(f, connect.at(-1)!.to), 'a-app-0');
  assert.match(connect[0].label, /10\.244\.0\.147 → 10\.244\.0\.219:80/);
});

test('A.3 offline from the manifest alone: pods a-app-0..2 are predicted, their IPs missing', () => {
  const m = labA3({ lookups: false });
  const f = trace(m, 'b-app', 'a-app').flows[0];
  const answer = f.phases[0].steps.find((s) => s.kind === 'dns-answer')!;
  // The manifest (an object) says which pods answer; nothing pasted shows an answer.
  assert.equal(answer.status, 'configured');
  assert.ok(answer.evidence.every((e) => e.role !== 'dns-answer' && e.role !== 'packet'));
  assert.ok(!f.findings.some((x) => x.id === 'headless-dns-spread'));
});
