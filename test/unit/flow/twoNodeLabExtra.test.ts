// The two-node lab's later experiments (test/lab/lab.sh extra2; fixtures from one real run, manifests in
// test/fixtures/lab/manifests-extra2/) against what the kernels recorded (`<experiment>.truth.json`, made by
// test/lab/truth.mjs from conntrack and the captures, never by the product), hop by hop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterModel } from '../../../src/model';
import { modelOf } from '../../support/modelOf';
import { excerpt, firstStamp } from '../../support/excerpt';
import type { TruthConnection, TruthEnd } from '../../support/labTruth';
import { trace, type Flow, type FlowStep } from '../../../src/flow';
import { brokenAt } from '../../../src/flow/brokenAt';
import { diagnose } from '../../../src/flow/diagnose';

const LAB = 'test/fixtures/lab';
const MANIFESTS = join(LAB, 'manifests-extra2', 'cluster.yaml');

interface TruthUnconfirmed {
  client: TruthEnd;
  destination: { ip: string; port: number; service: { name: string; via: string } | null };
  syns: Record<string, Record<string, number>>;
}

function experiment(
  name: string,
  pasted?: (text: string) => string,
): { model: ClusterModel; tcp: TruthConnection[]; unconfirmed: TruthUnconfirmed[] } {
  const model = modelOf({
    manifests: [MANIFESTS],
    transcripts: readdirSync(LAB)
      .filter((file) => file.startsWith(`${name}.`) && file.endsWith('.txt'))
      .map((file) => join(LAB, file)),
    pasted,
  });
  const truth = JSON.parse(readFileSync(join(LAB, `${name}.truth.json`), 'utf8')) as {
    connections: TruthConnection[];
    unconfirmed: TruthUnconfirmed[];
  };
  return { model, tcp: truth.connections.filter((c) => c.protocol === 'tcp'), unconfirmed: truth.unconfirmed };
}

const steps = (flow: Flow): FlowStep[] => flow.phases.flatMap((phase) => phase.steps);
/** The connection's own steps (the DNS lookup before it has its own DNAT and choice). */
const connectSteps = (flow: Flow): FlowStep[] => flow.phases.find((phase) => phase.name === 'connect')?.steps ?? [];
const actorOf = (flow: Flow, id: string) => flow.actors.find((actor) => actor.id === id);
const arriving = (flow: Flow, kind: string, node: string, iface: string) =>
  flow.phases
    .find((phase) => phase.name === 'connect')
    ?.steps.find((s) => {
      const to = actorOf(flow, s.to);
      return to?.kind === kind && to.group === `${node} root netns` && (to.interfaces ?? []).includes(iface);
    });
const flowOf = (flows: Flow[], c: { client: TruthEnd }): Flow => {
  const client = `${c.client.ip}:${c.client.port}`;
  const flow = flows.find((f) => f.connection !== undefined && f.connections?.[f.connection].client === client);
  assert.ok(flow, `a flow for connection ${client}: ${flows.map((f) => f.title).join(' | ')}`);
  return flow;
};
const brokenSteps = (flow: Flow) =>
  steps(flow)
    .filter((s) => s.status === 'missing' || s.status === 'contradicted')
    .map((s) => s.label);

/** Endpoint, NAT forms, nodes and outcome of one served connection, as the kernel recorded them. */
function checkServed(flow: Flow, c: TruthConnection): void {
  const summary = flow.connections![flow.connection!];
  const where = `${c.client.ip}:${c.client.port}`;
  assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, where);
  assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, where);
  assert.equal(summary.endpoint?.pod, c.endpoint.pod, where);
  assert.equal(summary.masqueraded, c.snat ? `${c.snat.ip}:${c.snat.port}` : undefined, where);
  assert.equal(summary.outcome, 'closed', where);
  assert.equal(arriving(flow, 'veth', c.endpoint.node!, c.endpoint.interface!)?.status, 'observed', where);
  const dnat = connectSteps(flow).find((s) => s.nat?.type === 'DNAT');
  assert.equal(dnat?.nat?.after, summary.translated, where);
  assert.equal(dnat?.status, 'observed', where);
  assert.equal(actorOf(flow, dnat!.from)?.group, `${c.dnatNode} root netns`, `${where}: DNAT on ${c.dnatNode}`);
  assert.ok(!steps(flow).some((s) => s.nat?.type === 'MASQUERADE') || c.snat, `${where}: no masquerade drawn`);
  assert.deepEqual(brokenSteps(flow), [], where);
}

test('lab c11: sessionAffinity ClientIP, two clients on two nodes: each connection its endpoint, later ones affinity', () => {
  const { model, tcp } = experiment('c11-affinity');
  for (const client of ['frontend', 'c-pod']) {
    const mine = tcp.filter((c) => c.client.pod === client);
    assert.ok(mine.length >= 3, `${client}: ${mine.length} connections`);
    assert.equal(new Set(mine.map((c) => c.endpoint.ip)).size, 1, `${client}: the kernel kept one endpoint`);
    const flows = trace(model, client, 'sticky:80').flows;
    assert.equal(flows.length, mine.length, client);
    mine.forEach((c, index) => {
      const flow = flowOf(flows, c);
      checkServed(flow, c);
      const choice = connectSteps(flow).find((s) => (s.alternatives?.length ?? 0) > 1);
      assert.equal(choice?.status, 'observed');
      assert.equal(
        choice!.alternatives!.find((alternative) => alternative.chosen)?.label.includes(c.endpoint.ip),
        true,
      );
      // Only a connection after another one from the same client to the same endpoint is affinity for sure;
      // the first one the captures show may have been a random pick (or followed an earlier, uncaptured one).
      if (index === 0) assert.match(choice!.label, /^affinity or random choice: KUBE-SEP-/, client);
      else {
        assert.match(choice!.label, /^affinity: KUBE-SEP-\S+ \(as connection \d+ from /, client);
        const earlier = Number(/as connection (?<number>\d+)/.exec(choice!.label)!.groups!.number);
        const summary = flow.connections![earlier - 1];
        assert.equal(summary.client.split(':')[0], c.client.ip, `${client}: the same client IP`);
        assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, `${client}: the same endpoint`);
        assert.ok(summary.start! < flow.connections![flow.connection!].start!, 'an earlier connection');
      }
    });
  }
});

test('lab c12: externalTrafficPolicy Local: served on the node with the endpoint (client IP kept), dropped on the other', () => {
  const { model, tcp, unconfirmed } = experiment('c12-local-nodeport');
  assert.ok(tcp.length >= 3 && tcp.every((c) => c.replied && c.dnatNode === 'node2' && c.snat === null));
  const flows = trace(model, '172.30.1.100', '172.30.1.49:30090').flows;
  assert.equal(flows.length, tcp.length);
  for (const c of tcp) {
    const flow = flowOf(flows, c);
    checkServed(flow, c);
    assert.ok(!steps(flow).some((s) => s.nat?.type === 'MASQUERADE'), 'Local policy: no masquerade');
    assert.equal(arriving(flow, 'underlay', 'node2', 'eth0')?.status, 'observed');
    assert.ok(!steps(flow).some((s) => s.kind === 'encap'), 'the endpoint is on the node entered: no VXLAN');
    const reply = flow.phases.find((phase) => phase.name === 'reply')!.steps;
    assert.equal(reply.at(-1)!.status, 'observed');
    assert.match(reply.at(-1)!.label, new RegExp(`172\\.30\\.1\\.49:30090 → 172\\.30\\.1\\.100:${c.client.port}$`));
  }
  // node1 has no endpoint of edge: the SYNs reach its eth0 and no conntrack entry exists (dropped unconfirmed).
  assert.equal(unconfirmed.length, 1);
  const [dropped] = unconfirmed;
  assert.equal(dropped.destination.service?.name, 'default/edge');
  assert.ok(dropped.syns.node1.eth0 >= 2, 'retransmitted SYNs on node1 eth0');
  const [flow] = trace(model, dropped.client.ip, `${dropped.destination.ip}:${dropped.destination.port}`).flows;
  const summary = flow.connections![flow.connection!];
  assert.equal(summary.client, `${dropped.client.ip}:${dropped.client.port}`);
  assert.equal(summary.outcome, 'no-reply');
  assert.equal(summary.translated, undefined, 'not DNATed');
  assert.deepEqual(
    summary.nodes.filter((node) => node.startsWith('node')),
    ['node1'],
  );
  assert.equal(arriving(flow, 'underlay', 'node1', 'eth0')?.status, 'observed');
  // No hop to a local-endpoint chain node1 does not have, no DNAT, no delivery: the filter table's DROP.
  assert.ok(!steps(flow).some((s) => /KUBE-SVL-/.test(s.label)), 'node1 has no KUBE-SVL jump');
  assert.ok(!steps(flow).some((s) => s.nat), 'no translation');
  assert.ok(!steps(flow).some((s) => s.status === 'observed' && s.label.startsWith('delivered')));
  const drop = steps(flow).find((s) => s.kind === 'reject')!;
  assert.equal(drop.label, 'DROP: no local endpoint of edge on node1');
  assert.equal(actorOf(flow, drop.to)?.group, 'node1 root netns');
  assert.equal(brokenAt(flow)?.hop.includes('KUBE-EXTERNAL-SERVICES'), true, JSON.stringify(brokenAt(flow)));
});

test('lab c13: a hostNetwork pod calls a Service by name: its node sends, nat OUTPUT, masqueraded, each connection', () => {
  const { model, tcp } = experiment('c13-host-network');
  assert.ok(new Set(tcp.map((c) => c.endpoint.node)).size === 2, 'the run hit both nodes');
  assert.ok(tcp.every((c) => c.client.ip === '172.30.1.48' && c.snat && c.dnatNode === 'node1'));
  const flows = trace(model, 'node-agent-7x9kq', 'api:80').flows;
  assert.equal(flows.length, tcp.length, flows.map((f) => f.title).join(' | '));
  for (const c of tcp) {
    // The node's own address never shows in a capture: the connection is its masqueraded form.
    const wire = `${c.snat!.ip}:${c.snat!.port}`;
    const flow = flows.find((f) => f.connection !== undefined && f.connections?.[f.connection].client === wire);
    assert.ok(flow, `a flow for ${wire}`);
    const summary = flow.connections![flow.connection!];
    assert.equal(summary.endpoint?.pod, c.endpoint.pod, wire);
    // Only the translated form was captured; conntrack names what the node sent to.
    assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, wire);
    assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, wire);
    assert.equal(summary.masqueraded, undefined, `${wire}: the captured client is the masqueraded form`);
    assert.deepEqual(summary.nodes, [...new Set(['node1', c.endpoint.node!])].sort(), wire);
    const connect = connectSteps(flow);
    assert.equal(connect[0].label, 'nat OUTPUT → KUBE-SERVICES', `${wire}: a locally generated packet`);
    const dnat = connect.find((s) => s.nat?.type === 'DNAT');
    assert.deepEqual(dnat?.nat, {
      type: 'DNAT',
      before: `${c.destination.ip}:${c.destination.port}`,
      after: `${c.endpoint.ip}:${c.endpoint.port}`,
    });
    const masquerade = connect.find((s) => s.nat?.type === 'MASQUERADE');
    assert.equal(masquerade?.status, 'observed', wire);
    assert.deepEqual(masquerade?.nat, { type: 'MASQUERADE', before: `${c.client.ip}:${c.client.port}`, after: wire });
    assert.equal(arriving(flow, 'veth', c.endpoint.node!, c.endpoint.interface!)?.status, 'observed', wire);
    assert.equal(
      connect.some((s) => s.kind === 'encap' && s.status === 'observed'),
      c.endpoint.node !== 'node1',
      `${wire}: VXLAN only to node2`,
    );
    assert.deepEqual(brokenSteps(flow), [], wire);
    // The lookup left the node too: nat OUTPUT, not PREROUTING; the answer cited is the one node1 got.
    const dns = flow.phases.find((phase) => phase.name === 'DNS')!.steps;
    assert.ok(
      dns.some((s) => s.label === 'nat OUTPUT → KUBE-SERVICES'),
      wire,
    );
    assert.ok(!dns.some((s) => /PREROUTING/.test(s.label)), wire);
    const answer = dns.find((s) => s.kind === 'dns-answer')!;
    assert.deepEqual(answer.dns?.answers, [c.destination.ip]);
    // Seen only when its query was masqueraded to the connection's own address (cni0's, for a local
    // endpoint); then the answer cited is one node1 received.
    if (answer.status === 'observed')
      assert.ok(
        answer.evidence
          .filter((e) => e.role === 'packet')
          .every((e) => / > (?:10\.244\.0\.1|172\.30\.1\.48)\.\d+: \d+\* /.test(e.excerpt ?? '')),
        `${wire}: an answer to node1`,
      );
    else assert.equal(answer.status, 'configured', wire);
  }
});

test('lab c15: connections opened before the captures began: one each, to its endpoint, nothing claimed missing', () => {
  // No capture shows a handshake, so no ISN links a connection's NAT versions: the first packet each
  // tuple shows in a capture (printed with absolute numbers) does.
  const { model, tcp } = experiment('c15-mid-connection');
  assert.equal(tcp.length, 4);
  assert.ok(new Set(tcp.map((c) => c.endpoint.node)).size === 2, 'endpoints on both nodes were taken');
  const { flows } = trace(model, 'frontend', 'api');
  assert.equal(flows.length, tcp.length, flows.map((flow) => flow.title).join(' | '));
  for (const c of tcp) {
    const flow = flowOf(flows, c);
    checkServed(flow, c);
    const where = `${c.client.ip}:${c.client.port}`;
    // every observed step of the connection is a packet of its own (its client port on either form)
    for (const step of steps(flow).filter((s) => s.status === 'observed'))
      for (const evidence of step.evidence) {
        if (!evidence.uri?.includes('c15-mid-connection') || evidence.line === undefined) continue;
        const lines = readFileSync(evidence.uri, 'utf8').split('\n');
        const cited = lines.slice(evidence.line - 1, evidence.endLine ?? evidence.line).join(' ');
        // a capture line (a conntrack entry proves the DNAT too): the connection's client port, on either form
        if (/^\d\d:\d\d:\d\d\./.test(cited))
          assert.ok(new RegExp(`\\.${c.client.port}[ :]`).test(cited), `${where}: ${cited}`);
      }
    assert.ok(!steps(flow).some((s) => /\bSYN\b/.test(s.label)), `${where}: no SYN was captured, none drawn`);
  }
});

test('lab c16: NodePort connections opened before the captures began: DNAT, masquerade and endpoint each', () => {
  const { model, tcp } = experiment('c16-mid-nodeport');
  assert.equal(tcp.length, 4);
  assert.ok(new Set(tcp.map((c) => c.endpoint.node)).size === 2, 'endpoints on both nodes were taken');
  const { flows } = trace(model, '172.30.1.100', '172.30.1.48:30080');
  assert.equal(flows.length, tcp.length, flows.map((flow) => flow.title).join(' | '));
  for (const c of tcp) {
    assert.ok(c.snat, 'node1 masqueraded every connection (externalTrafficPolicy Cluster)');
    checkServed(flowOf(flows, c), c);
  }
});

/** Every capture line an observed step of `flow` cites is a packet of connection `c` (either NAT form). */
function citesOwnPackets(flow: Flow, c: TruthConnection, texts: Map<string, string[]>): void {
  const ports = [c.client.port, c.snat?.port].filter((port) => port !== undefined);
  for (const step of steps(flow).filter((s) => s.status === 'observed'))
    for (const evidence of step.evidence) {
      const lines = evidence.uri === undefined ? undefined : texts.get(evidence.uri);
      if (!lines || evidence.line === undefined) continue;
      const cited = lines.slice(evidence.line - 1, evidence.endLine ?? evidence.line).join(' ');
      if (/^\d\d:\d\d:\d\d\./.test(cited))
        assert.ok(
          ports.some((port) => new RegExp(`\\.${port}[ :]`).test(cited)),
          `${c.client.ip}:${c.client.port}: ${step.label} cites ${cited}`,
        );
    }
}

test('lab bursts and excerpts: equal packets of concurrent connections, pasted from after the handshakes', () => {
  // C.18–C.21: eight equal requests at once to a ClusterIP and a NodePort, with random, clock-only and no
  // TCP timestamps; C.15/C.16: connections the captures met open. Each whole, and each as an excerpt
  // from the first request on (no handshake left, every number relative): every connection once, to
  // the endpoint conntrack recorded, each observed step one of its own packets.
  for (const name of [
    'c15-mid-connection',
    'c16-mid-nodeport',
    'c18-burst',
    'c19-burst-nodeport',
    'c20-burst-clock-stamps',
    'c21-burst-no-stamps',
  ]) {
    const files = readdirSync(LAB).filter((file) => file.startsWith(`${name}.`) && file.endsWith('.txt'));
    const firstRequest = firstStamp(
      files.map((file) => readFileSync(join(LAB, file), 'utf8')),
      'Flags [P.], seq 1:',
    );
    for (const [form, pasted] of [
      ['whole', (text: string) => text],
      ['excerpt', (text: string) => excerpt(text, firstRequest)],
    ] as const) {
      const { model, tcp } = experiment(name, pasted);
      assert.ok(tcp.length >= 4, `${name}: ${tcp.length} connections in the truth`);
      const texts = new Map(
        files.map((file) => [join(LAB, file), pasted(readFileSync(join(LAB, file), 'utf8')).split('\n')]),
      );
      const [first] = tcp;
      const { flows } = trace(
        model,
        first.client.pod ?? first.client.ip,
        `${first.destination.ip}:${first.destination.port}`,
      );
      assert.equal(flows.length, tcp.length, `${name} ${form}: ${flows.map((flow) => flow.title).join(' | ')}`);
      for (const c of tcp) {
        const flow = flowOf(flows, c);
        checkServed(flow, c);
        citesOwnPackets(flow, c, texts);
      }
    }
  }
});

test('lab c22/c23: a burst while one endpoint fails: each connection its own outcome, the failing endpoint named', () => {
  // C.22: r7m2q's server killed (its kernel answers RST: no conntrack entry, the truth's unconfirmed SYNs);
  // C.23: r7m2q's address taken off its eth0 (the SYNs are delivered and dropped in the pod: conntrack
  // [UNREPLIED]). The connections kube-proxy sent to k2x4p are served in both.
  for (const [name, outcome, finding] of [
    ['c22-burst-one-refuses', 'refused', 'nothing-listening'],
    ['c23-burst-stale-endpoint', 'no-reply', 'endpoint-silent'],
  ] as const) {
    const { model, tcp, unconfirmed } = experiment(name);
    const served = tcp.filter((c) => c.replied);
    const failed =
      outcome === 'refused'
        ? unconfirmed.filter((c) => c.destination.service !== null).map((c) => c.client)
        : tcp.filter((c) => !c.replied).map((c) => c.client);
    assert.ok(served.length > 0 && failed.length > 0, `${name}: ${served.length} served, ${failed.length} failed`);
    const { flows } = trace(model, 'frontend', 'api');
    assert.equal(
      flows.length,
      served.length + failed.length,
      `${name}: ${flows.map((flow) => flow.title).join(' | ')}`,
    );
    for (const c of served) {
      const flow = flowOf(flows, c);
      checkServed(flow, c);
      assert.deepEqual(
        flow.findings.filter((f) => f.severity === 'error').map((f) => f.id),
        [],
        `${name}: served`,
      );
    }
    for (const client of failed) {
      const flow = flowOf(flows, { client });
      const summary = flow.connections![flow.connection!];
      const where = `${name} ${client.port}`;
      assert.equal(summary.outcome, outcome, where);
      assert.equal(summary.endpoint?.pod, 'api-6d4f8b7c9-r7m2q', where);
      assert.equal(brokenAt(flow)?.id, finding, where);
      // the SYN was delivered to the pod (observed); its answer is what is missing
      assert.equal(arriving(flow, 'veth', 'node2', 'veth79ab7359')?.status, 'observed', where);
    }
    const [first] = diagnose(model).problems;
    assert.equal(first?.finding.id, finding, name);
    // the other endpoint served the rest: the finding says the path works and names the pod
    const failedHow = finding === 'endpoint-silent' ? 'got no reply' : 'were refused';
    assert.ok(
      first.finding.message.includes(
        `${failed.length} went to api-6d4f8b7c9-r7m2q and ${failedHow}, and ${served.length} went to ` +
          'api-6d4f8b7c9-k2x4p and were served',
      ),
      first.finding.message,
    );
  }
});
