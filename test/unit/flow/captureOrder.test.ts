// The captures a user gives make the same connections whatever order they come in (the workspace
// lists its files in the order the file system returns them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, logFileFacts, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { modelOf } from '../../support/modelOf';
import { trace } from '../../../src/flow';

const LAB = 'test/fixtures/lab';

function summaries(files: { manifests: string[]; transcripts: string[] }, from: string, to: string) {
  const { flows } = trace(modelOf(files), from, to);
  return (flows[0]?.connections ?? []).map(({ client, original, translated, outcome, packets }) => ({
    client,
    original,
    translated,
    outcome,
    packets,
  }));
}

test('a capture holding only the echo reply, given first, does not make the pinged pod the client', () => {
  // a1's sample as the workspace reads it (its capture is one pasted line), and the e2e fixture that
  // holds a1's echo reply line among other seed lines
  const log = (path: string) => logFileFacts(readFileSync(path, 'latin1'), `file://${path}`)?.facts ?? [];
  const pods = 'samples/manifests/a1-pod-to-pod/pods.yaml';
  const a1 = ['samples/a1-pod-to-pod/get-pods.txt', 'samples/a1-pod-to-pod/capture.txt'];
  const reply = 'test/e2e/fixtures/pod-to-service.tcpdump';
  const connections = (logs: string[]) => {
    const model = buildModel([manifestFacts(readFileSync(pods, 'utf8'), `file://${pods}`).facts, ...logs.map(log)]);
    return (trace(model, 'default/b-pod', 'a-pod').flows[0]?.connections ?? []).map(({ client, outcome, packets }) => ({
      client,
      outcome,
      packets,
    }));
  };
  const inOrder = connections([...a1, reply]);
  assert.equal(inOrder.length, 1);
  assert.match(inOrder[0].client, /^10\.244\.0\.54:/, 'b-pod pinged a-pod');
  assert.deepEqual(connections([reply, ...a1]), inOrder);
});

test("two nodes' captures and several clients give the same connections in either order", () => {
  const manifests = [join(LAB, 'manifests', 'cluster.yaml')];
  for (const [experiment, from, to] of [
    ['c1-service-two-nodes', 'frontend', 'api:80'],
    ['c4-mixed-clients', 'c-pod', 'api:80'],
  ]) {
    const files = [`${experiment}.node1.txt`, `${experiment}.node2.txt`].map((file) => join(LAB, file));
    const inOrder = summaries({ manifests, transcripts: files }, from, to);
    assert.ok(inOrder.length >= 3, `${experiment}: ${inOrder.length} connections`);
    assert.deepEqual(summaries({ manifests, transcripts: [...files].reverse() }, from, to), inOrder, experiment);
  }
});
