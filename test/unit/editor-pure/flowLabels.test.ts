// The panel's flow picker on a trace that gives one flow per captured connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionSummary, Flow } from '../../../src/flow/types';
import { connectionText, flowPickerLabel, shortPod } from '../../../src/editor/diagram/flowLabels.pure';
import { tracedSample } from '../../support/tracedSample';

test('the a2 sample: the picker names the connection by its addresses and endpoint, not only "1 of 1"', () => {
  const [flow] = tracedSample('a2-pod-to-service').flows;
  assert.match(flow.title, / · connection 1 of 1$/);
  const label = flowPickerLabel(flow, 0);
  assert.match(
    label,
    /^1\. b-app → Service a-app:80 · connection 1 of 1 · 10\.244\.0\.147:\d+ → 10\.244\.0\.14[34]:80/,
  );
  assert.equal(label.match(/connection 1 of 1/g)?.length, 1, label);
});

test('three connections to one Service read apart: client port, endpoint, shortened pod and node', () => {
  const connection = (number: number, port: number, pod: string): ConnectionSummary => ({
    number,
    protocol: 'tcp',
    client: `10.244.0.170:${port}`,
    original: '10.96.12.9:80',
    translated: '10.244.0.160:80',
    forms: [`10.244.0.170:${port} → 10.96.12.9:80`, `10.244.0.170:${port} → 10.244.0.160:80`],
    endpoint: { pod, node: 'node1' },
    nodes: ['node1'],
    outcome: 'closed',
    packets: 10,
    evidence: [],
  });
  const connections = [
    connection(1, 34110, 'api-7d9c8b6f5-x8x2q'),
    connection(2, 34116, 'api-7d9c8b6f5-k2x4p-long'),
    connection(3, 34120, 'api-7d9c8b6f5-x8x2q'),
  ];
  const flow: Pick<Flow, 'title' | 'connections' | 'connection'> = {
    title: 'web → Service api:80 · connection 2 of 3',
    connections,
    connection: 1,
  };
  assert.equal(
    flowPickerLabel(flow, 1),
    '2. web → Service api:80 · connection 2 of 3 · 10.244.0.170:34116 → 10.244.0.160:80 (api-…-long, node1)',
  );
  assert.equal(shortPod('api-7d9c8b6f5-k2x4p'), 'api-7d9c8b6f5-k2x4p');
  assert.equal(shortPod('api-server-7d9c8b6f5-k2x4p'), 'api-…-k2x4p');
  assert.equal(
    connectionText({ ...connections[0], translated: undefined, endpoint: undefined }, 3),
    'connection 1 of 3 · 10.244.0.170:34110 → 10.96.12.9:80 (node1)',
  );
  assert.equal(flowPickerLabel({ title: 'b-pod → a-pod' }, 0), '1. b-pod → a-pod');
});
