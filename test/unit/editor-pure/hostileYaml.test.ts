/**
 * Hostile YAML under the workspace size cap: nesting the library pays for per level, and
 * more documents than any manifest folder holds. Measured before the limits: a 1.99 MB line
 * of `[` took 5.1 s and 1.1 GB in manifestFacts; a 22 MB multi-document file opened in the
 * editor, 40 s and 1.9 GB. Asserted here on what is read and reported, not on time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  manifestFacts,
  manifestLimitProblem,
  WORKSPACE_MANIFEST_LIMITS,
} from '../../../src/editor/workspace/modelFacts.pure';
import { readManifestObjects } from '../../../src/ingest/kube/yamlDocuments';
import { yamlTooDeep } from '../../../src/ingest/kube/yamlDepth';

const N = 1_990_000;
const HOSTILE: [string, string][] = [
  ['a line of [', `kind: Service\nmetadata: {name: a}\nspec: ${'['.repeat(N / 2)}${']'.repeat(N / 2)}\n`],
  ['nested flow maps', `kind: Service\nmetadata: {name: a}\nspec: ${'{a: '.repeat(N / 5)}${'}'.repeat(N / 5)}\n`],
  ['a line of - markers', `kind: Service\nmetadata: {name: a}\nspec:\n${'- '.repeat(N / 2)}x\n`],
];

for (const [name, text] of HOSTILE) {
  test(`${name} (1.99 MB): not given to the YAML library, one problem at its line`, () => {
    const deep = yamlTooDeep(text);
    assert.ok(deep && deep.line >= 3 && deep.depth === 101, JSON.stringify(deep));
    const read = readManifestObjects(text);
    assert.equal(read.objects.length, 0);
    assert.equal(read.problems.length, 1);
    assert.match(read.problems[0].reason, /^YAML nested 101 levels deep here, over the limit of 100: not read/);
    assert.equal(manifestFacts(text, 'file:///hostile.yaml').facts.length, 0);
  });
}

test('real manifests are far below the depth limit and read as before', () => {
  for (const file of ['test/fixtures/lab/manifests/cluster.yaml']) {
    const text = readFileSync(file, 'utf8');
    assert.equal(yamlTooDeep(text), undefined);
    assert.ok(manifestFacts(text, `file:///${file}`).facts.length > 10);
  }
  assert.equal(
    yamlTooDeep('a: "[[[[[[["\nb: \'{{{{\' # [[[[\n'.repeat(200), 3),
    undefined,
    'quotes and comments do not count',
  );
  assert.deepEqual(yamlTooDeep('a:\n  b:\n    c:\n      d: 1\n', 3), { line: 4, depth: 4 });
});

test('the workspace scan refuses a file over its size or document limits, saying which', () => {
  const doc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n';
  const many = doc.repeat(WORKSPACE_MANIFEST_LIMITS.maxDocuments + 1);
  assert.equal(
    manifestLimitProblem(many),
    `${WORKSPACE_MANIFEST_LIMITS.maxDocuments + 2} YAML documents, over the limit of ${WORKSPACE_MANIFEST_LIMITS.maxDocuments} per file`,
  );
  const big = `kind: ConfigMap\ndata:\n  x: "${'a'.repeat(WORKSPACE_MANIFEST_LIMITS.maxBytes)}"\n`;
  assert.match(manifestLimitProblem(big) ?? '', /^2\.0 MB, over the limit of 2\.0 MB per file$/);
  assert.equal(manifestLimitProblem(doc.repeat(10)), undefined);
});
