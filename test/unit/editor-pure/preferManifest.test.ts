// Tracing from one manifest when another manifest reuses its names: the samples declare
// default/a-app twice (A.2: Deployment + ClusterIP Service; A.3: StatefulSet + headless Service).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  buildModel,
  manifestFacts,
  preferManifest,
  type SourcePart,
} from '../../../src/editor/workspace/modelFacts.pure';
import { trace } from '../../../src/flow';

const A2 = 'samples/manifests/a2-clusterip-deployment/a-app.yaml';
const A2_CLIENT = 'samples/manifests/a2-clusterip-deployment/b-app.yaml';
const A3 = 'samples/manifests/a3-headless-statefulset/statefulset.yaml';
// Copied out of samples/ (another project's folders): only the names decide what is set aside.
const copied = (path: string) => `file:///w/${path.replace('samples/manifests/', 'k8s/')}`;
const part = (path: string, uri = copied(path)): SourcePart => ({
  uri,
  manifest: true,
  facts: manifestFacts(readFileSync(path, 'utf8'), uri).facts,
});

test('merged as is, the two labs blur into one headless a-app', () => {
  const model = buildModel([part(A3), part(A2), part(A2_CLIENT)].map((p) => p.facts));
  assert.equal(model.findService('a-app', 'default')?.clusterIP, 'None');
});

test('tracing from the A.2 manifest sets aside the A.3 objects named a-app and traces a ClusterIP Service', () => {
  const parts = [part(A3), part(A2), part(A2_CLIENT)];
  const { facts, setAside } = preferManifest(parts, parts[1].uri);
  assert.deepEqual(setAside.map((s) => s.replace(/ \(.*\)$/, '')).sort(), [
    'Service default/a-app',
    'StatefulSet default/a-app',
  ]);
  const model = buildModel(facts);
  assert.notEqual(model.findService('a-app', 'default')?.clusterIP, 'None');
  assert.equal(model.all('StatefulSet').length, 0);
  assert.equal(model.findPod('b-app', 'default')?.name, 'b-app', 'unrelated objects of other files stay');
  const [flow] = trace(model, 'default/b-app', 'a-app.default.svc.cluster.local:80').flows;
  assert.equal(flow.family, 'pod-to-service');
});

test('tracing from the A.3 manifest keeps the headless Service; logs are never set aside', () => {
  const log: SourcePart = { uri: 'file:///w/capture.txt', manifest: false, facts: part(A2).facts };
  const parts = [part(A2), part(A3), log];
  const { facts, setAside } = preferManifest(parts, parts[1].uri);
  assert.deepEqual(setAside.map((s) => s.replace(/ \(.*\)$/, '')).sort(), [
    'Deployment default/a-app',
    'Service default/a-app',
  ]);
  assert.equal(facts[0], parts[1].facts, 'the preferred manifest is merged first');
  assert.equal(facts[2], log.facts, 'a log part is kept whole');
  assert.equal(buildModel(facts).findService('a-app', 'default')?.clusterIP, 'None');
});

test('an unknown preferred URI changes nothing', () => {
  const parts = [part(A2), part(A3)];
  const r = preferManifest(parts, 'file:///elsewhere.yaml');
  assert.deepEqual(r.setAside, []);
  assert.deepEqual(
    r.facts,
    parts.map((p) => p.facts),
  );
});

test("in the sample workspace a sample manifest traces with its own lab: other labs' files are set aside whole", () => {
  const inSamples = (path: string) => part(path, `file:///ws/${path.replace('samples/', '')}`);
  const log = (path: string): SourcePart => ({
    uri: `file:///ws/${path.replace('samples/', '')}`,
    manifest: false,
    facts: [],
  });
  const parts = [
    inSamples(A3),
    inSamples(A2),
    inSamples(A2_CLIENT),
    log('samples/a3-headless/dig.txt'),
    log('samples/a2-pod-to-service/nslookup.txt'),
  ];
  const { facts, setAside } = preferManifest(parts, parts[1].uri);
  assert.deepEqual(setAside, [
    'file:///ws/manifests/a3-headless-statefulset/statefulset.yaml (another sample lab)',
    'file:///ws/a3-headless/dig.txt (another sample lab)',
  ]);
  assert.equal(facts.length, 3);
});
