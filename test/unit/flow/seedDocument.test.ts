/**
 * The seed report itself, as a user would paste it, through the real transcript splitter
 * (parseDocument) and every real parser: each lab's section in, a flow out. Sections are
 * padded with empty lines so evidence line numbers are the report's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../../src/ingest/document';
import { ClusterModel } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow } from '../../../src/flow/types';
import { SEED, seedLines } from './seedModel';

function section(first: number, last: number): ClusterModel {
  const text = '\n'.repeat(first - 1) + seedLines.slice(first - 1, last).join('\n');
  return new ClusterModel().add(parseDocument(text, SEED).facts);
}
const path = (f: Flow, phase: string) => {
  const p = f.phases.find((x) => x.name === phase)!;
  return [p.steps[0].from, ...p.steps.map((s) => s.to)].map((id) => f.actors.find((a) => a.id === id)!.name);
};
const lines = (f: Flow) =>
  new Set(f.phases.flatMap((p) => p.steps.flatMap((s) => s.evidence.filter((e) => e.uri === SEED).map((e) => e.line))));

test('A.1 section (lines 26–108): b-pod → a-pod proven hop by hop from the report text', () => {
  const f = trace(section(26, 108), 'b-pod', 'a-pod').flows[0];
  assert.deepEqual(path(f, 'request'), ['b-pod', 'vethded7ef9f', 'cni0', 'veth75a7f7d6', 'a-pod']);
  assert.deepEqual(path(f, 'reply'), ['a-pod', 'veth75a7f7d6', 'cni0', 'vethded7ef9f', 'b-pod']);
  assert.ok(f.phases.every((p) => p.steps.every((s) => s.status === 'observed')));
  assert.deepEqual([...lines(f)].sort(), [92, 98]);
  assert.deepEqual(f.unresolved, []);
});

test('A.2 section (lines 109–279): DNS via kube-dns, KUBE-SVC-CHTNYTLOWMWCGZWR → KUBE-SEP-BJVKNWLDIWYBU2WJ → 10.244.0.144, veths from the captures', () => {
  const f = trace(section(109, 279), 'b-app', 'a-app.default.svc.cluster.local').flows[0];
  const connect = path(f, 'connect');
  assert.deepEqual(connect.slice(0, 5), [
    'b-app',
    'vetha999267c',
    'cni0',
    'KUBE-SERVICES',
    'KUBE-SVC-CHTNYTLOWMWCGZWR',
  ]);
  assert.ok(connect.includes('KUBE-SEP-BJVKNWLDIWYBU2WJ'));
  assert.deepEqual(connect.slice(-3), ['cni0', 'vethedfea565', 'a-app-57974fdb4-mv7qn']);
  const steps = f.phases.flatMap((p) => p.steps);
  const dnat = steps.find((s) => s.nat?.type === 'DNAT' && s.nat.before === '10.103.129.86:80')!;
  assert.equal(dnat.nat!.after, '10.244.0.144:80');
  assert.equal(dnat.status, 'observed');
  const dns = path(f, 'DNS');
  assert.ok(dns.includes('KUBE-SVC-TCOU7JCQXEZGVUNU'));
  assert.deepEqual(steps.find((s) => s.kind === 'dns-answer')!.dns!.answers, ['10.103.129.86']);
  for (const l of [189, 207, 213, 225, 231, 236, 264, 268]) assert.ok(lines(f).has(l), `evidence from line ${l}`);
  const ids = f.findings.map((x) => x.id);
  for (const id of ['clusterip-traceroute', 'bridge-flooding', 'mtu-mss', 'dns-search-amplification'] as const)
    assert.ok(ids.includes(id), id);
  assert.ok(!ids.includes('service-no-endpoints'), 'the Endpoints row of a custom-columns table is not "no endpoints"');
});

test('A.3 section (lines 280–380): headless a-app answers pod IPs, the first (a-app-1) is reached without NAT', () => {
  const f = trace(section(280, 380), 'b-app', 'a-app').flows[0];
  assert.equal(f.family, 'pod-to-headless');
  const answer = f.phases[0].steps.find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(new Set(answer.dns!.answers), new Set(['10.244.0.219', '10.244.0.221', '10.244.0.222']));
  // The report's dig output is a DNS answer, not a capture of this flow's query: configured.
  assert.equal(answer.status, 'configured');
  const connect = path(f, 'connect');
  const first = answer.dns!.answers[0];
  const byIp: Record<string, string> = {
    '10.244.0.219': 'a-app-0',
    '10.244.0.221': 'a-app-1',
    '10.244.0.222': 'a-app-2',
  };
  assert.equal(connect.at(-1), byIp[first]);
  assert.ok(!connect.some((n) => n.startsWith('KUBE-')));
  assert.ok(f.findings.some((x) => x.id === 'headless-dns-spread'));
});

test('the whole report at once: A.2 and A.3 disagree about Service a-app, and the flow says so', () => {
  const r = trace(section(1, seedLines.length), 'b-app', 'a-app.default.svc.cluster.local');
  assert.ok(
    r.unresolved.some((u) =>
      /sources disagree on Service default\/a-app clusterIP: "10\.103\.129\.86" .* vs "None"/.test(u),
    ),
    r.unresolved.join('\n'),
  );
});
