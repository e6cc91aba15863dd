/**
 * A name from a log, a manifest or a cluster can be any length. Labels in the Mermaid source
 * were cut already; the panel message (title, step list, tooltips, findings, evidence) carried
 * a 300k-character name whole in every field (a 74 MB message, 18 s per render). The message
 * must not grow with the name: same size for a 30k and a 300k name, each field cut with `…`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPayload, PANEL_LIMITS } from '../../../src/render/payload';
import { ev, podToService, result } from './flows';

function hugeFlow(length: number) {
  const huge = `pod-${'x'.repeat(length)}`;
  const flow = podToService();
  flow.title = `${huge} → a-app`;
  for (const actor of flow.actors) actor.name = `${actor.name} ${huge}`;
  for (const phase of flow.phases) {
    phase.name = `${phase.name} ${huge}`;
    for (const step of phase.steps) {
      step.label = `${step.label} ${huge}`;
      step.explanation = `${step.explanation} ${huge}`;
      step.evidence.push(ev(7, `tcpdump line naming ${huge}`));
    }
  }
  for (const finding of flow.findings) {
    finding.title = huge;
    finding.message = huge;
  }
  return { huge, result: { ...result(flow), unresolved: Array.from({ length: 500 }, () => huge) } };
}

test('the panel message does not grow with a name: every field is cut, the evidence table keeps the full text', () => {
  const small = buildPayload(hugeFlow(30_000).result);
  const { huge, result: big } = hugeFlow(300_000);
  const built = buildPayload(big);
  const size = JSON.stringify(built.payload).length;
  assert.equal(size, JSON.stringify(small.payload).length, 'a name 10× longer gives the same message');
  assert.ok(size < 2_000_000, `${size} characters`);
  const view = built.payload.flows[0];
  const names = [
    built.payload.title,
    view.title,
    ...view.phases,
    ...view.steps.flatMap((s) => [s.from, s.to, s.label, s.phase]),
  ];
  for (const name of names) assert.ok(name.length <= PANEL_LIMITS.name, name.slice(0, 40));
  assert.ok(view.steps[0].label.endsWith('…'));
  const texts = [
    ...view.steps.flatMap((s) => [s.explanation, ...s.evidence.map((e) => e.excerpt ?? '')]),
    ...view.findings.flatMap((f) => [f.title, f.message]),
    ...built.payload.unresolved,
  ];
  for (const text of texts) assert.ok(text.length <= PANEL_LIMITS.text, text.slice(0, 40));
  assert.equal(built.payload.unresolved.length, PANEL_LIMITS.items + 1);
  assert.match(built.payload.unresolved.at(-1) ?? '', /^… and 400 more$/);
  // The host's evidence table (what "open evidence" uses) keeps the whole line.
  assert.ok(built.evidence.some((e) => e.excerpt?.includes(huge)));
});

test('short texts are untouched and a cut never splits a surrogate pair', () => {
  const flow = podToService();
  const before = buildPayload(result(flow)).payload.flows[0].steps.map((s) => s.label);
  assert.deepEqual(
    before,
    flow.phases.flatMap((p) => p.steps.map((s) => s.label)),
  );
  flow.title = '😀'.repeat(PANEL_LIMITS.name);
  const title = buildPayload(result(flow)).payload.title;
  assert.ok(!/[\uD800-\uDBFF]…$/.test(title) && title.endsWith('…'));
  assert.ok(title.length <= PANEL_LIMITS.name);
});
