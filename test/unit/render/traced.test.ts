// The renderer on flows the real flow engine traced from the seed report's labs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '../../../src/flow';
import type { Flow, TraceResult } from '../../../src/flow/types';
import { renderMarkdown } from '../../../src/render/markdown';
import { renderMermaidDiagram } from '../../../src/render/mermaid';
import { buildPayload } from '../../../src/render/payload';
import { indexSteps } from '../../../src/render/steps';
import { labA1, labA2, labA3 } from '../flow/seedModel';
import { parseSequence } from './mermaidParser';

const labs: Array<[string, () => TraceResult]> = [
  ['A.1 b-pod → a-pod', () => trace(labA1(), 'b-pod', 'a-pod')],
  ['A.2 b-app → a-app ClusterIP', () => trace(labA2({ traceroute: true }), 'b-app', 'a-app.default.svc.cluster.local')],
  ['A.3 b-app → a-app headless', () => trace(labA3(), 'b-app', 'a-app.default.svc.cluster.local')],
];

async function assertDrawsEveryStep(flow: Flow): Promise<void> {
  const { source, messageSteps } = renderMermaidDiagram(flow);
  const parsed = await parseSequence(source);
  const steps = indexSteps(flow);
  assert.equal(parsed.messages.length, steps.length, source);
  assert.deepEqual(
    messageSteps,
    steps.map((s) => s.index),
  );
  assert.equal(parsed.directives, undefined);
  for (let p = 0; p < flow.phases.length; p++) {
    const one = renderMermaidDiagram(flow, { phase: p });
    assert.equal((await parseSequence(one.source)).messages.length, flow.phases[p].steps.length);
  }
}

for (const [name, run] of labs) {
  test(`${name}: every traced step is one arrow Mermaid's parser reads`, async () => {
    const result = run();
    assert.ok(result.flows.length > 0);
    for (const flow of result.flows) await assertDrawsEveryStep(flow);
  });
}

test('A.2: DNS answer note, kube-proxy alt block with p=0.50, DNAT note and seed evidence links', async () => {
  const result = labs[1][1]();
  const flow = result.flows[0];
  const { source } = renderMermaidDiagram(flow);
  const parsed = await parseSequence(source);
  assert.ok(
    parsed.notes.some((n) => /^DNS a-app\.default\.svc\.cluster\.local → 10\.103\.129\.86/.test(n.text)),
    parsed.notes.map((n) => n.text).join('\n'),
  );
  assert.ok(parsed.notes.some((n) => /^DNAT 10\.103\.129\.86:80 → 10\.244\.0\.14[34]:80/.test(n.text)));
  assert.ok(parsed.blocks.some((b) => b.type === 'altStart' && b.text.includes('p=0.50')));
  assert.ok(parsed.boxes.length >= 3, 'pods and the node are boxed');
  const md = renderMarkdown(result);
  assert.match(
    md,
    /\[flannel-network-flows-part1\.ko\.txt:\d+\]\(test\/fixtures\/seed\/flannel-network-flows-part1\.ko\.txt#L\d+\)/,
  );
});

test('payload: evidence ids index the host table and point at the seed lines', () => {
  const result = labs[1][1]();
  const { payload, evidence } = buildPayload(result);
  const flow = payload.flows[0];
  assert.equal(flow.diagrams.length, result.flows[0].phases.length + 1);
  const ids = flow.steps.flatMap((s) => s.evidence.map((e) => e.id));
  assert.ok(ids.length > 0);
  for (const id of ids) assert.ok(evidence[id], `evidence ${id} exists`);
  assert.ok(
    evidence.some(
      (e) => e.uri === 'test/fixtures/seed/flannel-network-flows-part1.ko.txt' && typeof e.line === 'number',
    ),
  );
});
