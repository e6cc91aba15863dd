// What the diagram panel's webview keeps for a reload: of the connection list every flow of a trace
// shares, the connections the flows walk and its length; restored, the panel names every flow as
// the host did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '../../../src/flow';
import { flowPickerLabel } from '../../../src/editor/diagram/flowLabels.pure';
import { restoredResult, storedResult } from '../../../src/editor/diagram/persistedResult.pure';
import { modelOf } from '../../support/modelOf';

const LAB = 'test/fixtures/lab';

test('a trace of several connections keeps the ones its flows walk, and the panel names its flows as before', () => {
  const model = modelOf({
    manifests: [join(LAB, 'manifests', 'cluster.yaml')],
    transcripts: readdirSync(LAB)
      .filter((f) => f.startsWith('c4-mixed-clients.') && f.endsWith('.txt'))
      .map((f) => join(LAB, f)),
  });
  const result = trace(model, 'frontend', 'shop:80');
  assert.ok(result.flows.length >= 3, `${result.flows.length} flows`);
  const stored = storedResult(result);
  assert.equal(stored.walkedConnections?.count, result.flows[0].connections?.length);
  assert.deepEqual(
    stored.walkedConnections?.byIndex.map(([index]) => index).sort((a, b) => a - b),
    [...new Set(result.flows.map((flow) => flow.connection))].sort((a, b) => a! - b!),
  );
  assert.ok(stored.flows.every((flow) => flow.connections === undefined));
  const before = JSON.stringify(result).length;
  const after = JSON.stringify(stored).length;
  assert.ok(after < before, `${after} < ${before} characters`);
  // what setState and the serializer do: a structured copy, then the restore
  const restored = restoredResult(structuredClone(stored));
  const { connections: _all, ...firstFlow } = result.flows[0];
  const { connections: _kept, ...firstRestored } = restored.flows[0];
  assert.deepEqual(firstRestored, structuredClone(firstFlow));
  assert.deepEqual(
    restored.flows.map((flow, index) => flowPickerLabel(flow, index)),
    result.flows.map((flow, index) => flowPickerLabel(flow, index)),
  );
  assert.deepEqual(
    restored.flows.map((flow) => flow.connections?.[flow.connection!]),
    structuredClone(result.flows.map((flow) => flow.connections?.[flow.connection!])),
  );
});

test('a state stored with the whole shared list (before) restores it to every flow', () => {
  const connections = [{ outcome: 'closed' }, { outcome: 'reset' }] as never[];
  const stored = {
    flows: [
      { title: 'a', connection: 0 },
      { title: 'b', connection: 1 },
    ],
    unresolved: [],
  } as never;
  const restored = restoredResult({ ...(stored as object), sharedConnections: connections } as never);
  assert.ok(restored.flows.every((flow) => flow.connections === restored.flows[0].connections));
  assert.deepEqual(restored.flows[0].connections, connections);
});

test('flows that do not share one connection list are kept as they are', () => {
  const result = { flows: [{ title: 'a' }, { title: 'b', connections: [] }], unresolved: [] } as never;
  assert.equal(storedResult(result), result);
  assert.deepEqual(restoredResult(result), result);
});
