// Warning events (kubectl get events) about pods: real rows users pasted in public threads
// (test/fixtures/kubectl/public, sources in its README). diagnose lists the ones that keep a pod off
// the network or out of its Service without any request; a trace attaches each to the hop of its pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { modelOf } from '../../support/modelOf';
import { parseDocument } from '../../../src/ingest/document';
import { brokenAt, diagnose, trace } from '../../../src/flow';
import type { KubeEvent } from '../../../src/model';

const PUBLIC = 'test/fixtures/kubectl/public';

test('diagnose, no request: the flannel bridge address, counted over its rows, with each line', () => {
  const { problems, requests } = diagnose(modelOf({ transcripts: [`${PUBLIC}/get-events-A-flannel-bridge-addr.txt`] }));
  assert.deepEqual(requests, []);
  assert.deepEqual(
    problems.map((p) => [p.finding.id, p.finding.severity, p.finding.title]),
    [
      [
        'pod-event-warning',
        'warning',
        'Pod nginx-deployment-shiva2-779f798fbd-h4vlk: cni0 has an address from another Flannel subnet than 10.244.1.1/24 (FailedCreatePodSandBox)',
      ],
    ],
  );
  assert.match(problems[0].finding.message, /reports FailedCreatePodSandBox for pod default\/nginx-\S+ 2 times/);
  assert.match(problems[0].finding.fix ?? '', /ip link delete cni0/);
  assert.deepEqual(
    problems[0].finding.evidence.map((e) => e.line),
    [1, 2],
  );
});

test('diagnose: a readiness probe failing and a pod no node takes; Normal events say nothing', () => {
  const { problems } = diagnose(modelOf({ transcripts: [`${PUBLIC}/get-events-A-coredns-unhealthy.txt`] }));
  assert.deepEqual(
    problems.map((p) => [p.finding.title, p.finding.evidence.map((e) => e.line)]),
    [
      ['Pod coredns-57575c5f89-jmpc5: its readiness probe fails (Unhealthy)', [5]],
      ['Pod coredns-57575c5f89-mwsdl: no node can run it (FailedScheduling)', [6]],
    ],
  );
  assert.match(problems[0].finding.message, /kube-proxy sends it no Service traffic/);
});

test('diagnose: NetworkNotReady once for its two rows; FailedMount is not a network problem', () => {
  const { problems } = diagnose(modelOf({ transcripts: [`${PUBLIC}/get-events-network-not-ready.txt`] }));
  assert.deepEqual(
    problems.map((p) => [p.finding.title, p.finding.evidence.map((e) => e.line)]),
    [["Pod early-oom-gbhgt: its node's pod network is not ready (no CNI configuration yet) (NetworkNotReady)", [3, 5]]],
  );
});

test('the old layout and a watch of Normal events raise nothing', () => {
  for (const file of [
    'get-events-old-layout.txt',
    'get-events-old-layout-timestamps.txt',
    'get-events-lastseen-2016.txt',
    'get-events-watch.txt',
  ])
    assert.deepEqual(diagnose(modelOf({ transcripts: [`${PUBLIC}/${file}`] })).problems, [], file);
});

/**
 * The readiness row of kubebb/core#130 as parsed, re-aimed at a pod of a lab run: the lab has no API
 * server, so no kubelet writes events there. Only the object's namespace and name are changed.
 */
function readinessEventAbout(namespace: string, pod: string): KubeEvent {
  const doc = parseDocument(
    readFileSync(`${PUBLIC}/get-events-A-coredns-unhealthy.txt`, 'utf8'),
    `${PUBLIC}/get-events-A-coredns-unhealthy.txt`,
  );
  const event = doc.facts.find((f): f is KubeEvent => f.kind === 'KubeEvent' && f.reason === 'Unhealthy')!;
  return { ...event, namespace, object: { ...event.object, name: pod } };
}

test('a failing request: the event is drawn at the hop into its pod; the error still says where it breaks', () => {
  const dir = 'test/fixtures/broken/1-no-listener';
  const model = modelOf({ manifests: [`${dir}/manifests.yaml`], transcripts: [`${dir}/broken.txt`] });
  model.add([readinessEventAbout('default', 'web-1')]);
  const [flow] = trace(model, 'client', 'web:80').flows;
  const event = flow.findings.find((f) => f.id === 'pod-event-warning');
  assert.equal(event?.hop, 'vetha2e3a94e → web-1');
  const step = flow.phases.find((p) => p.name === event?.step?.phase)?.steps[event?.step?.index ?? -1];
  assert.equal(step?.to, 'pod:default/web-1');
  assert.equal(brokenAt(flow)?.id, 'nothing-listening');
  assert.deepEqual(
    diagnose(model).problems.map((p) => [p.finding.id, p.finding.hop]),
    [
      ['nothing-listening', 'vetha2e3a94e → web-1'],
      ['pod-event-warning', 'vetha2e3a94e → web-1'],
    ],
  );
});

test('a request the captures show working: the event is reported, at no hop, and nothing is broken', () => {
  const model = modelOf({
    manifests: ['test/fixtures/lab/manifests/cluster.yaml'],
    transcripts: ['test/fixtures/lab/a2-pod-to-service.txt'],
  });
  model.add([readinessEventAbout('default', 'b-app')]);
  const flows = trace(model, 'b-app', 'a-app.default.svc.cluster.local:80').flows;
  const events = flows.flatMap((f) => f.findings.filter((x) => x.id === 'pod-event-warning'));
  assert.ok(events.length > 0);
  assert.ok(events.every((f) => f.hop === undefined));
  assert.ok(flows.every((f) => brokenAt(f) === undefined));
});
