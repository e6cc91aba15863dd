import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPayload, HELPFUL_COMMANDS } from '../../../src/render/payload';
import { renderMermaidDiagram } from '../../../src/render/mermaid';
import { ev, podToPod, podToService, result } from './flows';

test('a flow becomes steps with names, details and numbered evidence; diagrams for all and each phase', () => {
  const flow = podToService();
  const { payload, evidence } = buildPayload(result(flow));
  const view = payload.flows[0];
  assert.equal(payload.title, flow.title);
  assert.deepEqual(view.phases, ['DNS', 'connect', 'reply']);
  assert.equal(view.diagrams.length, 4);
  assert.equal(view.diagrams[0].mermaid, renderMermaidDiagram(flow).source);
  assert.deepEqual(view.diagrams[2].messageSteps, [4, 5, 6, 7, 8]);
  const dnat = view.steps[7];
  assert.equal(dnat.from, 'KUBE-SVC-CHTNYTLOWMWCGZWR');
  assert.equal(dnat.detail, 'DNAT 10.103.129.86:80 → 10.244.0.143:80');
  // The step's own proof and the chosen alternative's (same line) appear once.
  assert.deepEqual(
    dnat.evidence.map((e) => e.label),
    ['flannel-network-flows-part1.ko.txt:410'],
  );
  assert.equal(evidence[dnat.evidence[0].id].line, 410);
  assert.equal(view.findings[0].evidence[0].label, 'flannel-network-flows-part1.ko.txt:350');
  assert.equal(payload.problem, undefined);
});

test('derived evidence is listed but not openable; identical evidence shares one id across steps', () => {
  const flow = podToPod();
  flow.phases[0].steps[1].evidence.push(ev(120, 'vethded7ef9f P IP 10.244.0.54 > 10.244.0.53: ICMP echo request'));
  const { payload, evidence } = buildPayload(result(flow));
  const steps = payload.flows[0].steps;
  assert.deepEqual(steps[2].evidence, [
    { id: steps[2].evidence[0].id, label: 'derived', excerpt: 'FDB learns a-pod MAC on veth75a7f7d6', openable: false },
  ]);
  assert.equal(steps[1].evidence[1].id, steps[0].evidence[0].id);
  assert.equal(new Set(evidence.map((e) => JSON.stringify(e))).size, evidence.length);
});

test('no flows: a problem with the reasons and the commands that would help, never an empty payload', () => {
  const { payload } = buildPayload({ flows: [], unresolved: ['source b-pod: no pod, node or IP by that name'] });
  assert.equal(payload.title, 'No flow traced');
  assert.deepEqual(payload.unresolved, ['source b-pod: no pod, node or IP by that name']);
  assert.equal(payload.problem?.message, 'No flow could be traced:');
  assert.deepEqual(payload.problem?.hints, HELPFUL_COMMANDS);
  assert.equal(
    buildPayload({ flows: [], unresolved: [] }).payload.problem?.message,
    'No flow could be traced, and the trace gave no reason.',
  );
});

test('the first flow of several, alone: its view is the one of the whole payload, the title counts them all', () => {
  const second = { ...podToService(), title: 'second flow' };
  const whole = buildPayload({ flows: [podToService(), second], unresolved: ['a note'] });
  const first = buildPayload({ flows: [podToService()], unresolved: [] }, 2);
  assert.equal(first.payload.title, '2 flows');
  assert.equal(first.payload.more, 1, 'one flow follows');
  assert.equal(whole.payload.more, undefined);
  assert.deepEqual(first.payload.flows, whole.payload.flows.slice(0, 1), 'the same view, the same evidence ids');
  assert.deepEqual(first.evidence, whole.evidence.slice(0, first.evidence.length));
  assert.equal(buildPayload({ flows: [podToService()], unresolved: [] }).payload.title, podToService().title);
});
