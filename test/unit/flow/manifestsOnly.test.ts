/**
 * Offline, from the sample manifests alone (through the real manifest reader): everything the
 * cluster would create is predicted, clearly marked, with derived evidence — never observed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatSpec } from '../../../src/ingest/registry';
import { ClusterModel } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow, FlowStep } from '../../../src/flow/types';

function manifests(...files: string[]): ClusterModel {
  const spec = formatSpec('manifest');
  assert.ok(spec, 'manifest reader registered');
  const m = new ClusterModel();
  for (const f of files) m.add(spec.parse({ text: readFileSync(f, 'utf8'), uri: f }).facts);
  return m;
}
const steps = (f: Flow): FlowStep[] => f.phases.flatMap((p) => p.steps);
const name = (f: Flow, id: string) => f.actors.find((a) => a.id === id)!.name;

test('A.2 manifests: Deployment replicas become predicted placeholders; chain names are computed, not observed', () => {
  const m = manifests(
    'samples/manifests/a2-clusterip-deployment/a-app.yaml',
    'samples/manifests/a2-clusterip-deployment/b-app.yaml',
    'samples/manifests/kube-system/kube-dns.yaml',
  );
  const f = trace(m, 'b-app', 'a-app').flows[0];
  // Manifests say how it is set up (configured) or nothing does (predicted); nothing is observed.
  assert.ok(
    steps(f).every((s) => s.status === 'predicted' || s.status === 'configured'),
    steps(f)
      .filter((s) => s.status !== 'predicted' && s.status !== 'configured')
      .map((s) => s.label)
      .join('; '),
  );
  assert.ok(steps(f).every((s) => s.evidence.every((e) => e.source !== 'log')));
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.ok(
    connect.some((s) => name(f, s.to) === 'KUBE-SVC-CHTNYTLOWMWCGZWR'),
    'same chain name as the report, computed from default/a-app + tcp',
  );
  const pick = connect.find((s) => s.alternatives)!;
  assert.deepEqual(
    pick.alternatives!.map((a) => /\(a-app-predicted-(\d), predicted\)/.exec(a.label)?.[1]),
    ['1', '2'],
  );
  assert.ok(f.unresolved.some((u) => u.includes('IP of a-app-predicted-1 unknown (predicted pod)')));
});

test('A.3 manifests: StatefulSet pods a-app-0..2 are predicted with their per-pod DNS names', () => {
  const m = manifests(
    'samples/manifests/a3-headless-statefulset/statefulset.yaml',
    'samples/manifests/a3-headless-statefulset/b-app.yaml',
    'samples/manifests/kube-system/kube-dns.yaml',
  );
  const f = trace(m, 'b-app', 'a-app-2.a-app.default.svc.cluster.local').flows[0];
  const connect = f.phases.find((p) => p.name === 'connect')!.steps;
  assert.equal(name(f, connect.at(-1)!.to), 'a-app-2');
  assert.ok(steps(f).every((s) => s.status === 'predicted' || s.status === 'configured'));
  assert.ok(steps(f).every((s) => s.evidence.every((e) => e.role !== 'packet')));
  const answer = steps(f).find((s) => s.kind === 'dns-answer')!;
  assert.equal(answer.dns!.question, 'a-app-2.a-app.default.svc.cluster.local');
  assert.ok(answer.evidence.some((e) => e.source === 'derived' && /StatefulSet a-app replica 2/.test(e.excerpt ?? '')));
  // The headless Service name itself: no ClusterIP, no kube-proxy on the way to the pod.
  const h = trace(m, 'b-app', 'a-app').flows[0];
  assert.equal(h.family, 'pod-to-headless');
  assert.ok(!h.phases.find((p) => p.name === 'connect')!.steps.some((s) => name(h, s.to).startsWith('KUBE-')));
});
