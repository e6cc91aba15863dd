// A trace of a log that repeats the same rules: what crosses to the diagram panel keeps at most
// MAX_PROOFS proofs per step, finding and alternative, and says how many there were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { trace } from '../../../src/flow';
import { parseDocument } from '../../../src/ingest/document';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { cappedProofs, MAX_PROOFS } from '../../../src/editor/diagram/cappedProofs.pure';
import { repeatedLab } from '../../support/largeLab';

test('a session repeated 30 times: every proof list is cut to MAX_PROOFS, the rest of the trace is as traced', () => {
  const lab = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');
  const text = repeatedLab(lab, { lines: 30 * lab.split('\n').length });
  const manifests = manifestFacts(readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8'), 'file:///m.yaml');
  const model = buildModel([manifests.facts, parseDocument(text, 'file:///session.txt').facts]);
  const result = trace(model, 'b-app', 'a-app.default.svc.cluster.local:80');
  const steps = result.flows.flatMap((flow) => flow.phases.flatMap((phase) => phase.steps));
  const long = steps.filter((step) => step.evidence.length > MAX_PROOFS);
  assert.ok(long.length > 0, 'the repeated rules make steps with more proofs than a panel shows');

  const capped = cappedProofs(result);
  const cappedSteps = capped.flows.flatMap((flow) => flow.phases.flatMap((phase) => phase.steps));
  assert.equal(cappedSteps.length, steps.length);
  cappedSteps.forEach((step, index) => {
    const traced = steps[index];
    assert.equal(step.label, traced.label);
    assert.ok(step.evidence.length <= MAX_PROOFS);
    assert.deepEqual(step.evidence, traced.evidence.slice(0, MAX_PROOFS));
    for (const alternative of step.alternatives ?? []) assert.ok(alternative.evidence.length <= MAX_PROOFS);
    if (traced.evidence.length > MAX_PROOFS)
      assert.ok(
        step.explanation.endsWith(`(${MAX_PROOFS} of ${traced.evidence.length} proofs kept)`),
        step.explanation,
      );
    else assert.equal(step.explanation, traced.explanation);
  });
  for (const flow of capped.flows)
    for (const finding of flow.findings) assert.ok(finding.evidence.length <= MAX_PROOFS);
  assert.ok(JSON.stringify(capped).length < JSON.stringify(result).length / 2);
});

test('a trace with short proof lists is returned as it is', () => {
  const result = { flows: [], unresolved: [] };
  assert.equal(cappedProofs(result), result);
});
