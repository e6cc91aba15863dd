// Broken clusters, reproduced for real (test/fixtures/broken, made by test/lab/broken.sh): the
// trace draws the path up to where the kernel stopped it, marks that hop missing or contradicted,
// and draws nothing after it as observed.
import { modelOf } from '../../support/modelOf';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel } from '../../../src/model';
import { trace, type Flow, type FlowStep } from '../../../src/flow';

function scenario(name: string, variant = 'broken'): ClusterModel {
  const dir = join('test/fixtures/broken', name);
  return modelOf({ manifests: [join(dir, 'manifests.yaml')], transcripts: [join(dir, `${variant}.txt`)] });
}

const phase = (f: Flow, name: string): FlowStep[] => f.phases.find((p) => p.name === name)?.steps ?? [];
const lineOf = (uri: string, line: number) => readFileSync(uri, 'utf8').split('\n')[line - 1];

/** After the first missing/contradicted hop of a phase, nothing is observed. */
function stopsThere(steps: FlowStep[]): number {
  const stop = steps.findIndex((s) => s.status === 'missing' || s.status === 'contradicted');
  assert.ok(stop >= 0, steps.map((s) => `${s.status} ${s.label}`).join('\n'));
  assert.deepEqual(
    steps
      .slice(stop + 1)
      .filter((s) => s.status === 'observed')
      .map((s) => s.label),
    [],
  );
  return stop;
}

test('FORWARD policy DROP: the SYN is seen on the client node, DNATed, and missing at flannel.1', () => {
  const [flow] = trace(scenario('2-forward-drop'), 'client', '10.96.0.21:80').flows;
  assert.equal(flow.connections?.[0].outcome, 'no-reply');
  const connect = phase(flow, 'connect');
  assert.equal(connect[0].status, 'observed', 'the SYN left the client');
  assert.equal(connect.find((s) => s.nat?.type === 'DNAT')?.status, 'observed', 'and was DNATed on node1');
  const stop = stopsThere(connect);
  assert.equal(connect[stop].kind, 'encap', `stops at ${connect[stop].label}`);
  // node2's capture was empty: nothing there is observed either.
  assert.ok(
    !connect.some((s) => s.status === 'observed' && /node2/.test(flow.actors.find((a) => a.id === s.to)?.group ?? '')),
  );
  for (const s of connect.slice(stop + 1).filter((x) => x.status !== 'missing'))
    assert.match(s.explanation, /Not reached in the captures/);
});

test('bridge-nf-call-iptables=0: the reply reaches the client from the pod address, un-DNAT contradicted', () => {
  const [flow] = trace(scenario('3-bridge-nf-off'), 'client', '10.96.0.20:80').flows;
  const reply = phase(flow, 'reply');
  const unDnat = reply.find((s) => s.nat?.type === 'un-DNAT')!;
  assert.equal(unDnat.status, 'contradicted');
  const cited = unDnat.evidence.filter((e) => e.role === 'packet').map((e) => lineOf(e.uri, e.line!));
  assert.ok(
    cited.some((l) => / Out +IP 10\.244\.0\.20\.80 > 10\.244\.0\.10\.\d+: Flags \[S\.\]/.test(l)),
    `the un-NATed SYN-ACK delivered to the client: ${cited.join(' | ')}`,
  );
  assert.match(unDnat.explanation, /bridge-nf-call-iptables/);
  stopsThere(reply);
  const note = phase(flow, 'data').find((s) => /answered from 10\.244\.0\.20/.test(s.label));
  assert.ok(note, 'the connection note says who answered');
});

test('hairpin off: a pod calling its own Service, the SYN is never delivered back through its veth', () => {
  const [flow] = trace(scenario('4-hairpin-off'), 'web-1', 'web:80').flows;
  const connect = phase(flow, 'connect');
  const stop = stopsThere(connect);
  assert.equal(connect[stop].status, 'missing');
  assert.match(connect[stop].label, /^SYN 10\.244\.0\.20:\d+ → 10\.244\.0\.20:80$/);
});

test('the fixed variants draw the whole path with nothing missing or contradicted', () => {
  for (const [name, from, to] of [
    ['2-forward-drop', 'client', '10.96.0.21:80'],
    ['3-bridge-nf-off', 'client', '10.96.0.20:80'],
    ['4-hairpin-off', 'web-1', 'web:80'],
  ]) {
    const flows = trace(scenario(name, 'fixed'), from, to).flows;
    assert.ok(flows.length >= 1 && flows[0].connection !== undefined, `${name}: a connection was captured`);
    for (const flow of flows) {
      const bad = flow.phases
        .filter((p) => p.name !== 'DNS')
        .flatMap((p) => p.steps)
        .filter((s) => s.status === 'missing' || s.status === 'contradicted');
      assert.deepEqual(
        bad.map((s) => `${s.status} ${s.label}`),
        [],
        `${name} fixed: ${flow.title}`,
      );
    }
  }
});
