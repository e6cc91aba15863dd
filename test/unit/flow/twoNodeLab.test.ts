// The two-node lab runs (test/lab/lab.sh c1, c2, c3; fixtures from one real run) against what the
// kernels recorded (`<experiment>.truth.json`, made by test/lab/truth.mjs from conntrack and the
// captures, never by the product): every connection of a capture is traced, with its own endpoint,
// NAT forms and nodes, and each hop the truth says it took is drawn observed at that point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterModel } from '../../../src/model';
import { modelOf } from '../../support/modelOf';
import { excerpt, firstStamp } from '../../support/excerpt';
import type { TruthConnection } from '../../support/labTruth';
import { trace, type Flow, type FlowStep } from '../../../src/flow';
import { brokenAt } from '../../../src/flow/brokenAt';
import { diagnose } from '../../../src/flow/diagnose';

const LAB = 'test/fixtures/lab';

function experiment(
  name: string,
  withManifests = true,
  pasted?: (text: string) => string,
): { model: ClusterModel; truth: TruthConnection[] } {
  const model = modelOf({
    manifests: withManifests ? [join(LAB, 'manifests', 'cluster.yaml')] : [],
    transcripts: readdirSync(LAB)
      .filter((f) => f.startsWith(`${name}.`) && f.endsWith('.txt'))
      .map((f) => join(LAB, f)),
    pasted,
  });
  const truth = JSON.parse(readFileSync(join(LAB, `${name}.truth.json`), 'utf8')) as {
    connections: TruthConnection[];
  };
  return { model, truth: truth.connections.filter((c) => c.protocol === 'tcp') };
}

const steps = (f: Flow): FlowStep[] => f.phases.flatMap((p) => p.steps);
const summaryOf = (f: Flow) => f.connections![f.connection!];
const actorOf = (f: Flow, id: string) => f.actors.find((a) => a.id === id);
/** The step that arrives at an interface of a node (`veth:node1/vethX`, `vxlan:node2/flannel.1` …). */
const arriving = (f: Flow, phase: string, kind: string, node: string, iface: string) =>
  f.phases
    .find((p) => p.name === phase)
    ?.steps.find((s) => {
      const to = actorOf(f, s.to);
      return to?.kind === kind && to.group === `${node} root netns` && (to.interfaces ?? []).includes(iface);
    });

function flowOf(flows: Flow[], c: TruthConnection): Flow {
  const client = `${c.client.ip}:${c.client.port}`;
  const flow = flows.find((f) => f.connection !== undefined && f.connections?.[f.connection].client === client);
  assert.ok(flow, `a flow for connection ${client}: ${flows.map((f) => f.title).join(' | ')}`);
  return flow;
}

function checkJourney(flow: Flow, c: TruthConnection): void {
  const summary = flow.connections![flow.connection!];
  const where = `${c.client.ip}:${c.client.port}`;
  assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, where);
  assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, where);
  assert.equal(summary.endpoint?.pod, c.endpoint.pod, where);
  assert.equal(summary.masqueraded?.split(':')[0], c.snat?.ip, where);
  assert.equal(['closed', 'established'].includes(summary.outcome), c.replied, `${where}: ${summary.outcome}`);
  // The endpoint's veth on the endpoint's node: the request arrives there, observed.
  const delivered = arriving(flow, 'connect', 'veth', c.endpoint.node, c.endpoint.interface);
  assert.equal(delivered?.status, 'observed', `${where}: delivery on ${c.endpoint.node} ${c.endpoint.interface}`);
  // The DNAT is observed (both NAT forms of the connection were captured) and names the endpoint.
  const dnat = steps(flow).find((s) => s.nat?.type === 'DNAT' && s.nat.before === summary.original);
  assert.equal(dnat?.nat?.after, summary.translated, where);
  assert.equal(dnat?.status, 'observed', where);
  // Across nodes: VXLAN out of the DNAT node and into the endpoint's node, both observed.
  if (c.dnatNode && c.endpoint.node !== c.dnatNode) {
    const encap = steps(flow).find(
      (s) => s.kind === 'encap' && actorOf(flow, s.to)?.group === `${c.dnatNode} root netns`,
    );
    const decap = steps(flow).find(
      (s) => s.kind === 'decap' && actorOf(flow, s.to)?.group === `${c.endpoint.node} root netns`,
    );
    assert.equal(encap?.status, 'observed', `${where}: encap on ${c.dnatNode}`);
    assert.equal(decap?.status, 'observed', `${where}: decap on ${c.endpoint.node}`);
  } else {
    assert.ok(!steps(flow).some((s) => s.kind === 'encap' && s.status === 'observed'), `${where}: no VXLAN`);
  }
  // Nothing on the way is missing or contradicted: the kernel delivered it.
  assert.deepEqual(
    steps(flow)
      .filter((s) => s.status === 'missing' || s.status === 'contradicted')
      .map((s) => s.label),
    [],
    where,
  );
}

/** kube-proxy's choice: every endpoint a connection took says so; none is left unmarked that one took. */
function checkChoices(flows: Flow[], truth: TruthConnection[]): void {
  for (const flow of flows) {
    const choice = flow.phases
      .find((p) => p.name === 'connect')
      ?.steps.find((s) => s.alternatives && s.alternatives.length > 1);
    assert.ok(choice, flow.title);
    for (const alt of choice.alternatives!) {
      const takers = truth
        .map((c, k) => ({ c, k }))
        .filter(({ c }) => alt.label.includes(` → ${c.endpoint.ip}:${c.endpoint.port}`));
      if (takers.length === 0) assert.doesNotMatch(alt.label, /taken by/);
      else assert.match(alt.label, /taken by connections? [\d, ]+$/);
    }
    assert.equal(choice.alternatives!.filter((a) => a.chosen).length, 1, flow.title);
  }
}

test('lab c1: three connections from frontend to Service api, on endpoints on both nodes, each traced on its own', () => {
  const { model, truth } = experiment('c1-service-two-nodes');
  assert.ok(new Set(truth.map((c) => c.endpoint.node)).size === 2, 'the run hit both nodes');
  const flows = trace(model, 'frontend', 'api:80').flows;
  assert.equal(flows.length, truth.length);
  assert.deepEqual(
    flows.map((f) => f.connection),
    truth.map((_, k) => k),
  );
  for (const c of truth) checkJourney(flowOf(flows, c), c);
  checkChoices(flows, truth);
  // The DNS phase of each flow cites the client's own lookup before that connection.
  for (const flow of flows) {
    const answer = flow.phases.find((p) => p.name === 'DNS')?.steps.find((s) => s.kind === 'dns-answer');
    assert.equal(answer?.status, 'observed', flow.title);
    const start = flow.connections![flow.connection!].start!;
    const cited = answer!.evidence.filter((e) => e.role === 'packet');
    assert.ok(cited.length > 0);
    for (const e of cited) {
      const stamp = /^(?<h>\d\d):(?<m>\d\d):(?<s>[\d.]+)/.exec(e.excerpt ?? '')!.groups!;
      assert.ok(
        Number(stamp.h) * 3600 + Number(stamp.m) * 60 + Number(stamp.s) <= start,
        `${flow.title}: ${e.excerpt}`,
      );
      assert.match(e.excerpt ?? '', /> 10\.244\.0\.170\.\d+:/, 'an answer to frontend itself');
    }
  }
});

test('lab c1 from the captures alone (no manifests, no kubectl): the same connections, endpoints and nodes', () => {
  const { model, truth } = experiment('c1-service-two-nodes', false);
  const flows = trace(model, truth[0].client.ip, `${truth[0].destination.ip}:${truth[0].destination.port}`).flows;
  assert.equal(flows.length, truth.length);
  for (const c of truth) {
    const flow = flowOf(flows, c);
    const summary = flow.connections![flow.connection!];
    assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`);
    assert.deepEqual(summary.nodes.sort(), [...new Set(['node1', c.endpoint.node])].sort());
    const delivered = arriving(flow, 'connect', 'veth', c.endpoint.node, c.endpoint.interface);
    assert.equal(delivered?.status, 'observed', `${c.client.port}: delivery`);
    assert.match(flow.title, /^pod 10\.244\.0\.170 → Service api:80/, 'the rules name the ClusterIP');
  }
});

test('lab c2: NodePort from outside, masqueraded, to a remote and a local endpoint, and the reply back', () => {
  const { model, truth } = experiment('c2-nodeport');
  const nodes = new Set(truth.map((c) => c.endpoint.node));
  assert.ok(nodes.has('node1') && nodes.has('node2'), 'a local and a remote hit');
  const flows = trace(model, truth[0].client.ip, `${truth[0].destination.ip}:${truth[0].destination.port}`).flows;
  assert.equal(flows.length, truth.length);
  for (const c of truth) {
    const flow = flowOf(flows, c);
    checkJourney(flow, c);
    // The entry SYN on node1's NIC, the MASQUERADE proven by the masqueraded packet, the reply out.
    const entry = arriving(flow, 'connect', 'underlay', 'node1', 'eth0');
    assert.equal(entry?.status, 'observed');
    const masq = steps(flow).find((s) => s.nat?.type === 'MASQUERADE');
    assert.equal(masq?.nat?.after, c.snat!.ip);
    assert.equal(masq?.status, 'observed');
    const reply = flow.phases.find((p) => p.name === 'reply')!.steps;
    assert.equal(reply.at(-1)!.status, 'observed');
    assert.match(reply.at(-1)!.label, new RegExp(`172\\.30\\.1\\.48:30080 → 172\\.30\\.1\\.100:${c.client.port}`));
  }
  checkChoices(flows, truth);
});

test("lab c3: a per-pod headless name across nodes, no NAT, the client's own DNS answer", () => {
  const { model, truth } = experiment('c3-headless-pod');
  const [c] = truth;
  const flows = trace(model, 'frontend', `${c.endpoint.pod}.cache.default.svc.cluster.local:${c.endpoint.port}`).flows;
  assert.equal(flows.length, 1);
  const flow = flows[0];
  assert.equal(flow.connections![0].translated, undefined, 'no NAT');
  const delivered = arriving(flow, 'connect', 'veth', c.endpoint.node, c.endpoint.interface);
  assert.equal(delivered?.status, 'observed');
  const answer = flow.phases.find((p) => p.name === 'DNS')!.steps.find((s) => s.kind === 'dns-answer')!;
  assert.deepEqual(answer.dns!.answers, [c.endpoint.ip]);
  assert.equal(answer.status, 'observed');
  assert.ok(
    answer.evidence.filter((e) => e.role === 'packet').every((e) => /> 10\.244\.0\.170\.\d+:/.test(e.excerpt ?? '')),
    'the answer cited is the one frontend received',
  );
});

test('trace({ connection: N }) walks only that connection; the list still holds them all', () => {
  const { model, truth } = experiment('c2-nodeport');
  const from = truth[0].client.ip;
  const to = `${truth[0].destination.ip}:${truth[0].destination.port}`;
  const flows = trace(model, from, to, { connection: 2 }).flows;
  assert.equal(flows.length, 1);
  assert.equal(flows[0].connection, 1);
  assert.equal(flows[0].connections?.length, truth.length);
  assert.equal(flows[0].connections?.[1].client, `${truth[1].client.ip}:${truth[1].client.port}`);
  assert.equal(trace(model, from, to, { connection: 99 }).flows[0].connection, undefined, 'none: a predicted flow');
});

test('lab c4: two clients on two nodes at once, each connection its own flow; the failing one stops at the gateway', () => {
  const { model, truth } = experiment('c4-mixed-clients');
  const served = truth.filter((c) => c.replied);
  const failed = truth.filter((c) => !c.replied);
  assert.ok(served.length >= 6 && failed.length === 1, `${served.length} served, ${failed.length} failed`);
  for (const [client, service] of [
    ['frontend', 'shop'],
    ['c-pod', 'api'],
  ]) {
    const mine = served.filter((c) => c.client.pod === client && c.destination.service?.name === `default/${service}`);
    const flows = trace(model, client, `${service}:80`).flows;
    assert.equal(flows.length, mine.length, `${client} → ${service}`);
    for (const c of mine) checkJourney(flowOf(flows, c), c);
    checkChoices(flows, mine);
    // The gateway's ICMP error answers the failed connection only, never these.
    for (const flow of flows)
      assert.ok(
        steps(flow).every((s) => s.evidence.every((e) => !/ICMP net/.test(e.excerpt ?? ''))),
        `${flow.title} cites no ICMP error`,
      );
  }
  // The request to a port the Service does not have: not DNATed, masqueraded out to the LAN
  // gateway, which has no route and answers ICMP net unreachable.
  const [c] = failed;
  const flows = trace(model, 'frontend', `shop:${c.destination.port}`).flows;
  assert.equal(flows.length, 1);
  const flow = flows[0];
  const summary = flow.connections![flow.connection!];
  assert.equal(summary.client, `${c.client.ip}:${c.client.port}`);
  assert.equal(summary.outcome, 'unreachable');
  assert.equal(summary.translated, undefined, 'no DNAT');
  assert.equal(summary.masqueraded, `${c.snat!.ip}:${c.snat!.port}`);
  const masquerade = steps(flow).find((s) => s.nat?.type === 'MASQUERADE');
  assert.equal(masquerade?.status, 'observed');
  assert.equal(masquerade?.nat?.after, `${c.snat!.ip}:${c.snat!.port}`);
  const broken = brokenAt(flow);
  assert.equal(broken?.id, 'service-port-missing');
  assert.match(broken!.hop, /^gateway 172\.30\.1\.254 → /);
  assert.equal(steps(flow).find((s) => s.label.startsWith('onward to'))?.status, 'contradicted');
  assert.match(flow.phases.find((p) => p.name === 'reply')!.steps[0].label, /^ICMP net 10\.98\.40\.7 unreachable$/);
  assert.ok(!steps(flow).some((s) => s.status === 'observed' && s.label.startsWith('delivered')), 'no delivery');
  // Diagnose, told nothing, finds that request among the seven and names its cause first.
  const diagnosis = diagnose(model);
  assert.equal(diagnosis.problems[0]?.finding.id, 'service-port-missing');
  assert.deepEqual(diagnosis.requests, [`default/frontend → 10.98.40.7:${c.destination.port} (unreachable)`]);
});

test('lab c5: captures per interface (node1 eth0 and cni0, node2 flannel.1): what each shows is observed there', () => {
  const { model, truth } = experiment('c5-per-interface');
  const flows = trace(model, 'frontend', 'api:80').flows;
  assert.equal(flows.length, truth.length);
  const remote = truth.filter((c) => c.endpoint.node === 'node2');
  assert.ok(remote.length > 0 && remote.length < truth.length, 'a local and a remote endpoint');
  for (const c of truth) {
    const flow = flowOf(flows, c);
    const summary = flow.connections![flow.connection!];
    const where = `${c.client.port}`;
    assert.equal(summary.endpoint?.pod, c.endpoint.pod, where);
    assert.deepEqual(
      steps(flow)
        .filter((s) => s.status === 'missing' || s.status === 'contradicted')
        .map((s) => s.label),
      [],
      where,
    );
    // The ClusterIP form shows only in the replies on cni0 (remote endpoint), or nowhere (local endpoint:
    // bridged, only the DNATed form on cni0): node1's conntrack entry names the address the client used.
    assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, where);
    assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, where);
    if (c.endpoint.node !== 'node2') continue;
    const encap = steps(flow).find((s) => s.kind === 'encap' && actorOf(flow, s.to)?.group === 'node1 root netns');
    const onNic = steps(flow).find((s) => s.from === encap?.to);
    assert.equal(onNic?.status, 'observed', `${where}: the VXLAN packet on node1 eth0`);
    const decap = steps(flow).find((s) => s.kind === 'decap' && actorOf(flow, s.to)?.group === 'node2 root netns');
    assert.equal(decap?.status, 'observed', `${where}: the inner packet on node2 flannel.1`);
    // No veth was captured: delivery into the pod is not claimed as seen.
    const delivered = steps(flow).find((s) => actorOf(flow, s.to)?.kind === 'pod' && s.label.startsWith('delivered'));
    assert.notEqual(delivered?.status, 'observed', where);
  }
});

test('lab c5 from the captures alone: per-interface lines name their nodes, the DNS answer names the Service', () => {
  const { model, truth } = experiment('c5-per-interface', false);
  const remote = truth.find((c) => c.endpoint.node === 'node2')!;
  // No manifests, no rules, no -i any: the client's address is known only from the overlay's inner frames.
  const flows = trace(model, remote.client.ip, 'api').flows;
  const flow = flowOf(flows, remote);
  const summary = flow.connections![flow.connection!];
  assert.match(flow.title, /→ Service api ·/, 'the DNS answer for api.default.svc… names the Service');
  assert.equal(
    summary.original,
    `${remote.destination.ip}:${remote.destination.port}`,
    'the DNS answer is the form sent',
  );
  assert.equal(summary.translated, `${remote.endpoint.ip}:${remote.endpoint.port}`);
  const dnat = steps(flow).find((s) => s.nat?.type === 'DNAT');
  assert.equal(dnat?.status, 'observed', 'both NAT forms of the connection were captured');
  const choice = steps(flow).find((s) => s.alternatives?.some((alternative) => alternative.chosen));
  assert.match(choice?.label ?? '', /only one the captures show/, 'no rule lists the endpoints: not "only endpoint"');
  // The nodes are told from the captures (ARP on node1's cni0, the overlay), and so are the directions:
  // what each interface shows is observed there, nothing is called missing.
  const encap = steps(flow).find((s) => s.kind === 'encap' && actorOf(flow, s.to)?.group === 'node1 root netns');
  assert.equal(steps(flow).find((s) => s.from === encap?.to)?.status, 'observed', 'the VXLAN packet on node1 eth0');
  const decap = steps(flow).find((s) => s.kind === 'decap' && actorOf(flow, s.to)?.group === 'node2 root netns');
  assert.equal(decap?.status, 'observed', 'the inner packet on node2 flannel.1');
  assert.deepEqual(
    steps(flow)
      .filter((s) => s.status === 'missing' || s.status === 'contradicted')
      .map((s) => s.label),
    [],
  );
  // Nothing was captured on node2's eth0: the underlay hop is not claimed as seen there.
  const underlay = steps(flow).find((s) => s.from === steps(flow).find((t) => t.from === encap?.to)?.to);
  assert.notEqual(underlay?.status, 'observed', 'node1 eth0 → node2 eth0 was seen leaving only');
});

test("lab c4 from the captures alone: the client's own DNS query names its nameserver and CoreDNS endpoint", () => {
  const { model, truth } = experiment('c4-mixed-clients', false);
  const cPod = truth.filter((c) => c.client.pod === 'c-pod');
  assert.ok(cPod.length > 1, 'c-pod made several requests');
  const result = trace(model, cPod[0].client.ip, 'api');
  assert.equal(result.flows.length, cPod.length);
  for (const c of cPod) {
    const flow = flowOf(result.flows, c);
    const dns = flow.phases.find((phase) => phase.name === 'DNS')!.steps;
    assert.match(dns[0].label, /nameserver 10\.96\.0\.10,/, 'the address its query went to');
    assert.equal(dns.find((s) => s.kind === 'dns-query')?.status, 'observed', 'its query leaving its veth');
    const dnat = dns.find((s) => s.nat?.type === 'DNAT');
    assert.equal(dnat?.status, 'observed', 'the query and its DNATed form were both captured');
    assert.match(dnat?.nat?.after ?? '', /^10\.244\.0\.10[57]:53$/, 'a CoreDNS pod');
    assert.equal(summaryOf(flow).translated, `${c.endpoint.ip}:${c.endpoint.port}`);
  }
  assert.ok(!result.flows.some((flow) => flow.unresolved.some((u) => u.startsWith('cluster DNS address unknown'))));
});

test('lab c6: a capture without -n (names for the ClusterIP, service names for ports) traces like one with -n', () => {
  const { model, truth } = experiment('c6-names');
  assert.ok(new Set(truth.map((c) => c.endpoint.node)).size === 2, 'the run hit both nodes');
  const flows = trace(model, 'frontend', 'api:80').flows;
  assert.equal(flows.length, truth.length);
  for (const c of truth) {
    const flow = flowOf(flows, c);
    checkJourney(flow, c);
    // The client's own SYN, printed to `api.default.svc.cluster.local.http`, proves its first hop.
    const first = flow.phases.find((p) => p.name === 'connect')!.steps[0];
    assert.equal(first.status, 'observed', `${c.client.port}: ${first.label}`);
    assert.match(
      first.evidence.find((e) => e.role === 'packet')?.excerpt ?? '',
      /> api\.default\.svc\.cluster\.local\.http:/,
    );
  }
  checkChoices(flows, truth);
});

test('lab c7: captures only inside the pods prove the pod ends of each hop, nothing on the nodes', () => {
  const { model, truth } = experiment('c7-in-pods');
  assert.ok(new Set(truth.map((c) => c.endpoint.node)).size === 2, 'the run hit both nodes');
  const flows = trace(model, 'frontend', 'api:80').flows;
  assert.equal(flows.length, truth.length);
  for (const c of truth) {
    const flow = flowOf(flows, c);
    const where = `${c.client.port}`;
    const summary = flow.connections![flow.connection!];
    assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, where);
    assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, where);
    assert.equal(summary.endpoint?.pod, c.endpoint.pod, where);
    const connect = flow.phases.find((p) => p.name === 'connect')!.steps;
    const packetFile = (s: FlowStep | undefined) => s?.evidence.find((e) => e.role === 'packet')?.uri ?? '';
    assert.equal(connect[0].status, 'observed', `${where}: the SYN leaving frontend's eth0`);
    assert.match(packetFile(connect[0]), /c7-in-pods\.frontend\.txt$/);
    const delivered = connect.find((s) => s.label === `delivered to ${c.endpoint.pod} eth0`);
    assert.equal(delivered?.status, 'observed', `${where}: the SYN arriving in ${c.endpoint.pod}`);
    assert.match(packetFile(delivered), new RegExp(`c7-in-pods\\.${c.endpoint.pod}\\.txt$`));
    // No capture ran in a node's root namespace: no hop between two of its actors is observed (the
    // DNAT and kube-proxy's choice excepted: both forms of the connection were seen, so it happened),
    // and none is missing either (nothing there could have shown it).
    for (const s of steps(flow)) {
      const inRoot = [s.from, s.to].every((id) => actorOf(flow, id)?.group?.endsWith('root netns'));
      const translation = s.nat?.type === 'DNAT' || (s.alternatives?.length ?? 0) > 1;
      if (inRoot && !translation) assert.notEqual(s.status, 'observed', `${where}: ${s.label}`);
      assert.ok(s.status !== 'missing' && s.status !== 'contradicted', `${where}: ${s.label} ${s.status}`);
    }
  }
});

test('lab c8: NodePort on node2 from outside, and from a pod on node1 (masqueraded twice, across both nodes)', () => {
  const { model, truth } = experiment('c8-nodeport-node2');
  const outside = truth.filter((c) => c.client.ip === '172.30.1.100');
  assert.ok(new Set(outside.map((c) => c.endpoint.node)).size === 2, 'a local and a remote endpoint');
  const flows = trace(model, '172.30.1.100', '172.30.1.49:30080').flows;
  assert.equal(flows.length, outside.length);
  for (const c of outside) {
    const flow = flowOf(flows, c);
    checkJourney(flow, c);
    assert.equal(arriving(flow, 'connect', 'underlay', 'node2', 'eth0')?.status, 'observed');
  }
  // frontend (node1) → node2's NodePort: node1 does not DNAT (not its address) but masquerades it
  // out of eth0; node2 DNATs and masquerades it again, back across VXLAN to shop on node1. The
  // kernels recorded it as two conntrack entries: node1's masquerade and node2's DNAT.
  const onNode1 = truth.find((c) => c.client.pod === 'frontend')!;
  const onNode2 = truth.find((c) => c.client.ip === onNode1.snat?.ip && c.client.port === onNode1.snat?.port)!;
  assert.ok(onNode1 && onNode2, 'both halves in the truth');
  const [flow] = trace(model, 'frontend', '172.30.1.49:30080').flows;
  const summary = flow.connections![flow.connection!];
  assert.equal(summary.client, `${onNode1.client.ip}:${onNode1.client.port}`);
  assert.equal(summary.translated, `${onNode2.endpoint.ip}:${onNode2.endpoint.port}`);
  const nats = steps(flow).filter((s) => s.nat && s.status === 'observed');
  assert.deepEqual(
    nats.map((s) => [s.nat!.type, s.nat!.after]),
    [
      ['MASQUERADE', `${onNode1.snat!.ip}:${onNode1.snat!.port}`],
      ['DNAT', `${onNode2.endpoint.ip}:${onNode2.endpoint.port}`],
      ['MASQUERADE', onNode2.snat!.ip],
      ['un-DNAT', '172.30.1.49:30080'],
      ['un-DNAT', onNode1.client.ip],
    ],
  );
  // No DNAT drawn on node1 (the client's node), and nothing missing or contradicted.
  const dnat = steps(flow).find((s) => s.nat?.type === 'DNAT')!;
  assert.equal(actorOf(flow, dnat.from)?.group, `${onNode2.dnatNode} root netns`);
  assert.deepEqual(
    steps(flow)
      .filter((s) => s.status === 'missing' || s.status === 'contradicted')
      .map((s) => s.label),
    [],
  );
  const delivered = arriving(flow, 'connect', 'veth', onNode2.endpoint.node, onNode2.endpoint.interface);
  assert.equal(delivered?.status, 'observed');
  assert.equal(flow.phases.find((p) => p.name === 'reply')!.steps.at(-1)!.status, 'observed');
});

test('lab c9: node1 itself calls a ClusterIP and its own NodePort: nat OUTPUT, masqueraded, captured after both', () => {
  const model = modelOf({
    manifests: [join(LAB, 'manifests', 'cluster.yaml')],
    transcripts: [join(LAB, 'c9-from-node.node1.txt'), join(LAB, 'c9-from-node.node2.txt')],
  });
  const truth = (
    JSON.parse(readFileSync(join(LAB, 'c9-from-node.truth.json'), 'utf8')) as { connections: TruthConnection[] }
  ).connections.filter((c) => c.protocol === 'tcp');
  const toClusterIp = truth.filter((c) => c.destination.service?.via === 'ClusterIP');
  const toNodePort = truth.filter((c) => c.destination.service?.via === 'NodePort');
  assert.ok(toClusterIp.length >= 2 && toNodePort.length === 1, 'the run reached both nodes and the NodePort');
  const checkNodeCall = (flows: Flow[], c: TruthConnection) => {
    // The node's own address never shows in a capture: the connection is its masqueraded form.
    const wire = `${c.snat!.ip}:${c.snat!.port}`;
    const flow = flows.find((f) => f.connection !== undefined && f.connections?.[f.connection].client === wire);
    assert.ok(flow, `a flow for ${wire}: ${flows.map((f) => f.title).join(' | ')}`);
    const summary = flow.connections![flow.connection!];
    assert.equal(summary.endpoint?.pod, c.endpoint.pod, wire);
    // Only the translated form was captured; conntrack names what the node sent to, and no masquerade
    // of the captured client (the half-translated reply carries the address from before it).
    assert.equal(summary.original, `${c.destination.ip}:${c.destination.port}`, wire);
    assert.equal(summary.translated, `${c.endpoint.ip}:${c.endpoint.port}`, wire);
    assert.equal(summary.masqueraded, undefined, wire);
    assert.match(steps(flow)[0].label, /^nat OUTPUT → KUBE-SERVICES/, `${wire}: a locally generated packet`);
    const dnat = steps(flow).find((s) => s.nat?.type === 'DNAT');
    assert.equal(dnat?.nat?.after, `${c.endpoint.ip}:${c.endpoint.port}`, wire);
    const masquerade = steps(flow).find((s) => s.nat?.type === 'MASQUERADE');
    assert.equal(masquerade?.status, 'observed', `${wire}: the masqueraded packet was captured`);
    assert.match(masquerade?.nat?.before ?? '', new RegExp(`^${c.client.ip.replace(/\./g, '\\.')}`), wire);
    assert.equal(masquerade?.nat?.after.split(':')[0], c.snat!.ip, wire);
    const delivered = arriving(flow, 'connect', 'veth', c.endpoint.node, c.endpoint.interface);
    assert.equal(delivered?.status, 'observed', `${wire}: delivery on ${c.endpoint.node}`);
    assert.deepEqual(
      steps(flow)
        .filter((s) => s.status === 'missing' || s.status === 'contradicted')
        .map((s) => s.label),
      [],
      wire,
    );
  };
  const clusterIpFlows = trace(model, 'node1', `${toClusterIp[0].destination.ip}:80`).flows;
  assert.equal(clusterIpFlows.length, toClusterIp.length);
  for (const c of toClusterIp) checkNodeCall(clusterIpFlows, c);
  // By name from the node: its resolver is its own /etc/resolv.conf, not the pods' (kubelet writes only theirs).
  const byName = trace(model, 'node1', 'api').flows[0];
  const resolvConf = byName.phases.find((phase) => phase.name === 'DNS')!.steps[0];
  assert.match(resolvConf.label, /resolv\.conf of node1: not pasted/);
  assert.equal(resolvConf.status, 'predicted');
  assert.ok(byName.unresolved.some((u) => u.includes('`cat /etc/resolv.conf` on node1')));
  assert.ok(!byName.unresolved.some((u) => u.includes('kubectl exec node1')), 'a node is no pod');
  const nodePort = toNodePort[0];
  checkNodeCall(trace(model, 'node1', `${nodePort.destination.ip}:${nodePort.destination.port}`).flows, nodePort);
});

test('lab excerpts: a capture pasted from after the handshake still links each connection across NAT', () => {
  for (const name of ['c1-service-two-nodes', 'c2-nodeport', 'c4-mixed-clients', 'c8-nodeport-node2']) {
    const { truth } = experiment(name);
    // c8's frontend → node2's NodePort is two conntrack entries, one per node: its own test checks it
    const chained = (c: TruthConnection) =>
      truth.some((other) => other.client.ip === c.snat?.ip && other.client.port === c.snat?.port) ||
      truth.some((other) => other.snat?.ip === c.client.ip && other.snat?.port === c.client.port);
    const served = truth.filter((c) => c.replied && c.destination.service && !chained(c));
    assert.ok(served.length >= 2, `${name}: ${served.length} served connections`);
    const texts = readdirSync(LAB)
      .filter((f) => f.startsWith(`${name}.`) && f.endsWith('.txt'))
      .map((f) => readFileSync(join(LAB, f), 'utf8'));
    for (const c of served) {
      // from the client's first request on: its SYN, SYN-ACK and ACK are not in the excerpt
      const request = `${c.client.ip}.${c.client.port} > `;
      const from = firstStamp(texts, request, 'Flags [P.]');
      assert.ok(Number.isFinite(from), `${name} ${request}: a request line`);
      const { model } = experiment(name, true, (text) => excerpt(text, from));
      const flows = trace(model, c.client.pod ?? c.client.ip, `${c.destination.ip}:${c.destination.port}`).flows;
      const clients = flows.map((flow) => summaryOf(flow).client);
      assert.equal(new Set(clients).size, clients.length, `${name}: one flow per connection, none split`);
      const flow = flowOf(flows, c);
      checkJourney(flow, c);
      const connect = flow.phases.find((p) => p.name === 'connect')!.steps;
      assert.equal(connect[0].status, 'observed', `${name} ${request}: the client's first packet in the excerpt`);
    }
  }
});
