// "Trace this Service" on a folder with only manifests: no pod object is known, so the client
// pick offers the pods the workloads predict, and tracing from one draws a flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { trace } from '../../../src/flow';
import { namespacedName } from '../../../src/model';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { chooseClient } from '../../../src/editor/trace/targets.pure';

test('only manifests: the client candidates are the predicted pods, and one traces to the Service', () => {
  const uri = 'file:///lab/shop-manifests-only.yaml';
  const model = buildModel([
    manifestFacts(readFileSync('test/fixtures/editor/shop-manifests-only.yaml', 'utf8'), uri).facts,
  ]);
  assert.equal(model.pods.length, 0, 'no pod object in the folder');
  const cart = model.findService('cart', 'shop')!;
  const choice = chooseClient(model, cart, uri);
  const names = choice.candidates.map((p) => namespacedName(p));
  assert.ok(names.length > 0, 'never an empty pick (it ended in "No client pod is known")');
  assert.ok(
    names.every((n) => n.startsWith('shop/web-')),
    names.join(', '),
  );
  assert.ok(choice.candidates.every((p) => p.predicted));
  const result = trace(model, names[0], 'cart.shop.svc.cluster.local:8080');
  assert.equal(result.flows.length, 1);
  assert.equal(result.flows[0].family, 'pod-to-service');
});
