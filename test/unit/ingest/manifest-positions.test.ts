import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readManifestObjects, readYamlObjects } from '../../../src/ingest/kube/yamlDocuments';

const fx = (name: string) => readFileSync(`test/fixtures/kubectl/${name}`, 'utf8');

// The JSON fast path must place objects and fields exactly where the YAML reader (which reads
// JSON too, slowly) places them.
for (const name of [
  'get-svc-list.json',
  'get-node.json',
  'create-service.json',
  'configmap-coredns.json',
  'get-endpointslices-kube-system.json',
]) {
  test(`JSON fast path positions equal the YAML reader's: ${name}`, () => {
    const text = fx(name);
    const fast = readManifestObjects(text, 5);
    const slow = readYamlObjects(text, 5);
    assert.deepEqual(fast.problems, slow.problems);
    assert.equal(fast.objects.length, slow.objects.length);
    fast.objects.forEach((o, i) => {
      const s = slow.objects[i];
      assert.deepEqual([o.kind, o.name, o.namespace, o.itemIndex], [s.kind, s.name, s.namespace, s.itemIndex]);
      assert.deepEqual(o.value, s.value);
      assert.deepEqual([o.span.line, o.span.endLine, o.span.column], [s.span.line, s.span.endLine, s.span.column]);
      assert.deepEqual([...o.fields.keys()].sort(), [...s.fields.keys()].sort());
      for (const [path, f] of s.fields) {
        const g = o.fields.get(path)!;
        assert.deepEqual([g.key.line, g.key.column], [f.key.line, f.key.column], `${name} ${path} key`);
        assert.deepEqual([g.value?.line, g.value?.endLine], [f.value?.line, f.value?.endLine], `${name} ${path} value`);
        assert.equal(g.text, f.text, `${name} ${path} text`);
      }
    });
  });
}

test('invalid JSON falls back to the YAML reader, which reports the line', () => {
  const r = readManifestObjects('{\n  "kind": "Service",\n  "metadata": {"name": "x"\n', 1);
  assert.equal(r.objects.length, 0);
  assert.ok(r.problems.length > 0 && r.problems.every((p) => p.line >= 1 && p.line <= 4));
});
