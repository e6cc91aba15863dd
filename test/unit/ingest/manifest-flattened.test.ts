import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Fact } from '../../../src/model';
import { looksFlattenedYaml, unflattenYaml } from '../../../src/ingest/kube/flatYaml';
import { parseDocument } from '../../../src/ingest/document';
import { parseManifest } from '../../../src/ingest/kube/manifestParser';
import { formatSpec } from '../../../src/ingest/registry';

const read = (p: string) => readFileSync(p, 'utf8');
const strip = (facts: Fact[]) => facts.map((f) => ({ ...f, evidence: undefined }));
const rebuild = (line: string) =>
  unflattenYaml(line)
    .map((p) => p.text)
    .join('\n');
const seedLines = read('test/fixtures/seed/flannel-network-flows-part1.ko.txt').split('\n');

test("the seed's flattened statefulset.yaml (A.3) rebuilds into the same objects as the manifest", () => {
  for (const lineNo of [308, 349]) {
    const line = seedLines[lineNo - 1];
    const pieces = unflattenYaml(line);
    const r = parseManifest({ text: pieces.map((p) => p.text).join('\n'), uri: 'seed' });
    const sample = parseManifest({
      text: read('samples/manifests/a3-headless-statefulset/statefulset.yaml'),
      uri: 's',
    });
    assert.deepEqual(strip(r.facts), strip(sample.facts), `seed line ${lineNo}`);
    // Only the shell text around the here-document is left over.
    assert.ok(
      r.unparsed.every((u) => /not a mapping/.test(u.reason)),
      JSON.stringify(r.unparsed),
    );
    // Each piece knows its column in the flattened line (the `---` put before the shell text after EOF is added).
    for (const p of pieces) {
      if (p.text === '---' && line.slice(p.start).startsWith('EOF')) continue;
      assert.ok(line.slice(p.start).startsWith(p.text.trim().split(' ')[0]), p.text);
    }
  }
});

const yamlFiles = [
  'samples/manifests/a1-pod-to-pod/pods.yaml',
  'samples/manifests/a2-clusterip-deployment/a-app.yaml',
  'samples/manifests/kube-system/kube-dns.yaml',
  'test/fixtures/kubectl/create-deployment.yaml',
  'test/fixtures/kubectl/expose-deployment.yaml',
  'test/fixtures/kubectl/run-pod.yaml',
  'test/fixtures/kubectl/get-svc-a-app.yaml',
  'test/fixtures/kubectl/get-pods-list.yaml',
  'test/fixtures/kubectl/get-endpoints-a-app.yaml',
];

test('real YAML (kubectl output, samples) flattened to one line rebuilds into the same facts', () => {
  for (const f of yamlFiles) {
    const text = read(f)
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    const flat = text.split(/\s+/).filter(Boolean).join(' ');
    assert.deepEqual(
      strip(parseManifest({ text: rebuild(flat), uri: 'x' }).facts),
      strip(parseManifest({ text, uri: 'x' }).facts),
      f,
    );
  }
});

test('unflatten is idempotent on normal YAML and JSON lines', () => {
  const spec = formatSpec('manifest')!;
  for (const f of [
    ...yamlFiles,
    'test/fixtures/kubectl/get-svc-list.json',
    'test/fixtures/kubectl/configmap-kube-proxy.yaml',
  ]) {
    for (const line of read(f).split('\n'))
      assert.deepEqual(
        spec.unflatten!(line).map((p) => (typeof p === 'string' ? p : p.text)),
        [line],
        `${f}: ${line}`,
      );
  }
});

test('valid YAML with flow maps on one line (keys and `kind:` inside braces) is not taken for flattened text', () => {
  // the lab's manifests: EndpointSlice endpoints written as `- { addresses: [...], targetRef: { kind: Pod, ... } }`
  const text = readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('- { addresses:'))!;
  assert.equal(looksFlattenedYaml(line), false);
  assert.equal(
    looksFlattenedYaml('  targetRef: { kind: Pod, namespace: kube-system, name: coredns-6f6b679f8f-9lxvq }'),
    false,
  );
  assert.equal(
    looksFlattenedYaml('--- apiVersion: v1 kind: Service metadata: { name: web } spec: selector: app: web'),
    true,
  );
  const direct = parseManifest({ text, uri: 'c.yaml' });
  assert.deepEqual(direct.unparsed, []);
  const doc = parseDocument(text, 'c.yaml');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.unparsed.length]),
    [['manifest', 0]],
  );
  assert.deepEqual(strip(doc.facts), strip(direct.facts));
  assert.ok(doc.facts.filter((f) => f.kind === 'EndpointSlice').length >= 3, 'the EndpointSlices are all there');
});
