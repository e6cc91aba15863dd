import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMermaid, renderMermaidDiagram } from '../../../src/render/mermaid';
import { indexSteps } from '../../../src/render/steps';
import { FAMILIES, noEndpoints, nodePort, podToHeadless, podToPod, podToPodVxlan, podToService } from './flows';
import { parseSequence } from './mermaidParser';

test('pod → pod on one node renders the exact expected diagram', () => {
  assert.equal(
    renderMermaid(podToPod()),
    [
      'sequenceDiagram',
      '  title b-pod → a-pod (same node)',
      '  autonumber',
      '  box rgba(127,127,127,0.12) Pod b-pod netns',
      '    participant p0 as b-pod 10.244.0.54',
      '  end',
      '  box rgba(64,128,255,0.10) root netns of node1',
      '    participant p1 as vethded7ef9f',
      '    participant p2 as cni0',
      '    participant p3 as veth75a7f7d6',
      '  end',
      '  box rgba(127,127,127,0.12) Pod a-pod netns',
      '    participant p4 as a-pod 10.244.0.53',
      '  end',
      '  rect rgba(127,127,127,0.06)',
      '    Note over p0,p4: Phase 1 · ICMP echo',
      '    p0->>p1: ICMP echo request 10.244.0.54 →<br/>10.244.0.53',
      '    p1--)p2: bridged on cni0',
      '    p2--)p3: forward to veth75a7f7d6',
      '    p3->>p4: ICMP echo request 10.244.0.54 →<br/>10.244.0.53',
      '  end',
      '  rect rgba(64,160,255,0.06)',
      '    Note over p0,p4: Phase 2 · reply',
      '    p4->>p0: ICMP echo reply 10.244.0.53 →<br/>10.244.0.54',
      '  end',
      '',
    ].join('\n'),
  );
});

test('rendering is deterministic', () => {
  for (const make of Object.values(FAMILIES)) assert.equal(renderMermaid(make()), renderMermaid(make()));
});

for (const [name, make] of Object.entries(FAMILIES)) {
  test(`${name}: Mermaid's own parser reads one message per step, in step order`, async () => {
    const flow = make();
    const { source, messageSteps } = renderMermaidDiagram(flow);
    const parsed = await parseSequence(source);
    const steps = indexSteps(flow);
    assert.equal(parsed.messages.length, steps.length);
    assert.deepEqual(
      messageSteps,
      steps.map((s) => s.index),
    );
    parsed.messages.forEach((m, i) => {
      const s = steps[i].step;
      const prefix = { contradicted: '✗ contradicted: ', missing: '∅ missing: ' }[s.status as string] ?? '';
      assert.equal(m.text, `${prefix}${s.label}`);
      const signals = {
        observed: 'SOLID',
        configured: 'DOTTED',
        predicted: 'DOTTED_POINT',
        missing: 'DOTTED_CROSS',
        contradicted: 'SOLID_CROSS',
      };
      assert.equal(m.signalType, signals[s.status]);
    });
    assert.equal(parsed.title, flow.title);
    assert.equal(parsed.directives, undefined);
    assert.deepEqual(parsed.commentLines, []);
  });
}

test('participants are boxed by actor group, and a group split in the actor list is drawn as one box', async () => {
  const flow = podToService();
  const parsed = await parseSequence(renderMermaid(flow));
  assert.deepEqual(
    parsed.boxes.map((b) => b.replace(/^rgba\([^)]*\) /, '')),
    ['Pod b-app netns', 'root netns of node1', 'Pod coredns netns', 'Pod a-app-7d9c netns'],
  );
  // KUBE-SVC-CHTNYTLOWMWCGZWR and cni0 come after coredns in flow.actors but live in node1's root netns.
  assert.deepEqual(
    [...parsed.participants.values()],
    [
      'b-app 10.244.0.147',
      'vetha999267c',
      'KUBE-SERVICES',
      'KUBE-SVC-TCOU7JCQXEZGVUNU',
      'KUBE-SVC-CHTNYTLOWMWCGZWR',
      'cni0',
      'coredns 10.244.0.105',
      'a-app-7d9c 10.244.0.143',
    ],
  );
});

test('kube-proxy endpoint choice is an alt block with probabilities; the arrow sits in the branch that was taken', () => {
  const src = renderMermaid(podToService());
  const lines = src.split('\n');
  const alt = lines.findIndex((l) => l.includes('alt KUBE-SEP-ZZRQGRW2BIJ6VNXP'));
  assert.ok(alt > 0, src);
  assert.equal(
    lines[alt],
    '    alt KUBE-SEP-ZZRQGRW2BIJ6VNXP →<br/>10.244.0.143#58;80 · p=0.50 · ✓ taken (seen<br/>in capture)',
  );
  assert.equal(lines[alt + 1], '      p4->>p5: DNAT 10.103.129.86#58;80 →<br/>10.244.0.143#58;80');
  assert.equal(lines[alt + 2], '      Note over p5: DNAT 10.103.129.86#58;80 →<br/>10.244.0.143#58;80');
  assert.equal(lines[alt + 3], '    else KUBE-SEP-BJVKNWLDIWYBU2WJ →<br/>10.244.0.144#58;80 · p=0.50 · not taken');
  assert.equal(lines[alt + 4], '      Note over p5: not taken in the capture');
  assert.equal(lines[alt + 5], '    end');
});

test('when no capture shows the choice, the first branch holds the arrow and no branch is marked', () => {
  const src = renderMermaid(podToService());
  assert.match(
    src,
    /\n {4}alt KUBE-SEP-IT2ZTR26TO4XFPTO →<br\/>10\.244\.0\.105#58;53 · p=0\.50\n {6}p3--\)p6: DNAT to a CoreDNS pod\n/,
  );
  assert.match(
    src,
    /\n {4}else KUBE-SEP-N4G2XR5TDX7PQE7P →<br\/>10\.244\.0\.107#58;53 · p=0\.50\n {6}Note over p6: possible instead\n/,
  );
});

test('NAT rewrites and DNS answers are notes over the receiving participant', async () => {
  const parsed = await parseSequence(renderMermaid(podToService()));
  const notes = parsed.notes.map((n) => n.text);
  assert.ok(notes.includes('DNS a-app.default.svc.cluster.local → 10.103.129.86'), notes.join('\n'));
  assert.ok(notes.includes('DNAT 10.103.129.86:80 → 10.244.0.143:80'));
  assert.ok(notes.includes('un-DNAT (conntrack) 10.244.0.143:80 → 10.103.129.86:80'));
});

test('phases are rect blocks, each opened by a note spanning the participants it uses', async () => {
  const parsed = await parseSequence(renderMermaid(podToService()));
  assert.equal(parsed.blocks.filter((b) => b.type === 'rectStart').length, 3);
  const phaseNotes = parsed.notes.filter((n) => n.text.startsWith('Phase '));
  assert.deepEqual(
    phaseNotes.map((n) => n.text),
    ['Phase 1 · DNS', 'Phase 2 · connect', 'Phase 3 · reply'],
  );
  assert.deepEqual(phaseNotes[0].actor, ['p0', 'p6']);
});

test('headless: DNS answer lists every pod IP and each per-pod name is an alt branch', async () => {
  const parsed = await parseSequence(renderMermaid(podToHeadless()));
  assert.ok(
    parsed.notes.some(
      (n) => n.text === 'DNS a-app.default.svc.cluster.local → 10.244.0.150, 10.244.0.151, 10.244.0.152',
    ),
  );
  assert.deepEqual(
    parsed.blocks.filter((b) => b.type === 'altStart' || b.type === 'else').map((b) => b.text),
    [
      'a-app-0.a-app.default.svc.cluster.local 10.244.0.150 · ✓ taken (seen in capture)',
      'a-app-1.a-app.default.svc.cluster.local 10.244.0.151 · not taken',
      'a-app-2.a-app.default.svc.cluster.local 10.244.0.152 · not taken',
    ],
  );
});

test('a single alternative is an opt block (NodePort masquerade mark)', async () => {
  const parsed = await parseSequence(renderMermaid(nodePort()));
  assert.deepEqual(
    parsed.blocks.filter((b) => b.type === 'optStart').map((b) => b.text),
    ['source outside 10.244.0.0/16 → mark for masquerade · p=1.00'],
  );
  assert.ok(parsed.notes.some((n) => n.text === 'MASQUERADE 172.30.1.10:51000 → 10.244.0.1:51000'));
});

test('a contradicted hop is a crossed arrow with a visible prefix (VXLAN)', () => {
  assert.match(renderMermaid(podToPodVxlan()), /\n {4}p4-xp5: ✗ contradicted#58; UDP 8472 not<br\/>seen on eth0\n/);
});

test('no endpoints: the REJECT comes back to the client as a predicted arrow', async () => {
  const parsed = await parseSequence(renderMermaid(noEndpoints()));
  assert.deepEqual(
    parsed.messages.map((m) => [m.from, m.to, m.signalType]),
    [
      ['p0', 'p1', 'DOTTED_POINT'],
      ['p1', 'p0', 'DOTTED_POINT'],
    ],
  );
});

test('one phase can be drawn alone; message indexes stay global', async () => {
  const flow = podToService();
  const { source, messageSteps } = renderMermaidDiagram(flow, { phase: 1 });
  assert.deepEqual(messageSteps, [4, 5, 6, 7, 8]);
  const parsed = await parseSequence(source);
  assert.equal(parsed.messages.length, 5);
  assert.ok(
    ![...parsed.participants.values()].includes('coredns 10.244.0.105'),
    'only the phase’s participants are declared',
  );
});

test('steps that name an actor missing from flow.actors still draw, under a generated id', async () => {
  const flow = podToPod();
  flow.phases[0].steps[0].to = 'veth:node1/unknown; participant x';
  const parsed = await parseSequence(renderMermaid(flow));
  assert.equal(parsed.messages.length, 5);
  assert.ok([...parsed.participants.values()].includes('veth:node1/unknown; participant x'));
  assert.ok([...parsed.participants.keys()].every((id) => /^p\d+$/.test(id)));
});

test('a flow without steps still yields a valid diagram that says so', async () => {
  const flow = { ...podToPod(), phases: [] };
  const parsed = await parseSequence(renderMermaid(flow));
  assert.equal(parsed.messages.length, 0);
  assert.deepEqual(
    parsed.notes.map((n) => n.text),
    ['This flow has no steps yet.'],
  );
});
