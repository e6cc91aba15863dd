// What the diagram panel's webview keeps for a reload: the connection list every flow of a trace
// shares is stored once, and restored to every flow as the host traced it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '../../../src/flow';
import { restoredResult, storedResult } from '../../../src/editor/diagram/persistedResult.pure';
import { modelOf } from '../../support/modelOf';

const LAB = 'test/fixtures/lab';

test('a trace of several connections keeps their list once and restores it to every flow', () => {
  const model = modelOf({
    manifests: [join(LAB, 'manifests', 'cluster.yaml')],
    transcripts: readdirSync(LAB)
      .filter((f) => f.startsWith('c4-mixed-clients.') && f.endsWith('.txt'))
      .map((f) => join(LAB, f)),
  });
  const result = trace(model, 'frontend', 'shop:80');
  assert.ok(result.flows.length >= 3, `${result.flows.length} flows`);
  const stored = storedResult(result);
  assert.equal(stored.sharedConnections?.length, result.flows[0].connections?.length);
  assert.ok(stored.flows.every((flow) => flow.connections === undefined));
  const before = JSON.stringify(result).length;
  const after = JSON.stringify(stored).length;
  assert.ok(after < before, `${after} < ${before} characters`);
  // what setState and the serializer do: a structured copy, then the restore
  assert.deepEqual(restoredResult(structuredClone(stored)), structuredClone(result));
});

test('flows that do not share one connection list are kept as they are', () => {
  const result = { flows: [{ title: 'a' }, { title: 'b', connections: [] }], unresolved: [] } as never;
  assert.equal(storedResult(result), result);
  assert.deepEqual(restoredResult(result), result);
});
