// One client port used for connection after connection (lab run C.14, test/fixtures/lab/c14-port-reuse.*:
// `curl --local-port 40123` four times to api's ClusterIP, then `--local-port 40124` twice to shop's port 81,
// which no rule serves). The truth is the kernel's: `conntrack -E` on node1 printed one [NEW] event per
// connection, with the endpoint kube-proxy's DNAT chose for it. Each connection must be one of its own,
// going where conntrack says, and a step drawn as observed must cite packets of that connection only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose, trace, type Flow } from '../../../src/flow';
import { reconstructConnections } from '../../../src/flow/correlate/connections';
import { sitedPackets } from '../../../src/flow/correlate/sites';
import { modelOf } from '../../support/modelOf';

const LAB = 'test/fixtures/lab';
const MANIFESTS = join(LAB, 'manifests-extra2', 'cluster.yaml');
const NODE1 = join(LAB, 'c14-port-reuse.node1.txt');
const NODE2 = join(LAB, 'c14-port-reuse.node2.txt');
const CLIENT = '10.244.0.170';

const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n');

/** conntrack -E's [NEW] events for a client port, in order: where each connection's DNAT sent it. */
function conntrackNew(port: number): { destination: string; endpoint: string }[] {
  const events: { destination: string; endpoint: string }[] = [];
  for (const line of linesOf(NODE1)) {
    const event =
      /^\s*\[NEW\] tcp .*? src=(?<src>\S+) dst=(?<dst>\S+) sport=(?<sport>\d+) dport=(?<dport>\d+) .*?src=(?<replySrc>\S+) dst=\S+ sport=(?<replySport>\d+)/.exec(
        line,
      )?.groups;
    if (event && event.src === CLIENT && Number(event.sport) === port)
      events.push({ destination: `${event.dst}:${event.dport}`, endpoint: `${event.replySrc}:${event.replySport}` });
  }
  return events;
}

/** Capture clock (seconds) of a tcpdump line, or undefined for other lines. */
function clockOf(line: string): number | undefined {
  const clock = /^(?<hours>\d\d):(?<minutes>\d\d):(?<seconds>\d\d\.\d{6}) /.exec(line)?.groups;
  return clock ? Number(clock.hours) * 3600 + Number(clock.minutes) * 60 + Number(clock.seconds) : undefined;
}

/** The times of the SYNs the client sent from `port`, one per initial sequence number, in each capture. */
function synTimes(file: string, port: number): number[] {
  const first = new Map<string, number>();
  let time: number | undefined;
  for (const line of linesOf(file)) {
    // a VXLAN packet's inner frame is printed on the line after its stamped outer one
    time = clockOf(line) ?? time;
    const syn = new RegExp(`\\.${port} > .*Flags \\[S\\], seq (?<isn>\\d+)`).exec(line)?.groups;
    if (syn && time !== undefined && !first.has(syn.isn)) first.set(syn.isn, time);
  }
  return [...first.values()].sort((earlier, later) => earlier - later);
}

/** Every tcpdump line an observed step of `flow` cites, as [file, time]. */
function observedCaptureLines(flow: Flow): { file: string; line: number; time: number }[] {
  const cited: { file: string; line: number; time: number }[] = [];
  for (const step of flow.phases.flatMap((phase) => phase.steps)) {
    if (step.status !== 'observed') continue;
    for (const evidence of step.evidence) {
      const first = evidence.line;
      if (first === undefined || !evidence.uri?.includes('c14-port-reuse')) continue;
      const lines = linesOf(evidence.uri);
      for (let line = first; line <= (evidence.endLine ?? first); line++) {
        const time = clockOf(lines[line - 1] ?? '');
        if (time !== undefined) cited.push({ file: evidence.uri, line, time });
      }
    }
  }
  return cited;
}

test('C.14: four connections on one 5-tuple, each to the endpoint conntrack gave it', () => {
  const truth = conntrackNew(40123);
  assert.equal(truth.length, 4, 'the lab run made four connections from port 40123');
  const model = modelOf({ manifests: [MANIFESTS], transcripts: [NODE1, NODE2] });
  const { flows } = trace(model, 'frontend', 'api');
  const connections = flows[0].connections!.filter((connection) => connection.client === `${CLIENT}:40123`);
  assert.deepEqual(
    connections.map((connection) => [connection.original, connection.translated, connection.outcome]),
    truth.map((event) => [event.destination, event.endpoint, 'closed']),
  );
  // the endpoint on node2 was taken once, by the last connection: only it was seen on node2
  assert.deepEqual(
    connections.map((connection) => connection.nodes.join(',')),
    truth.map((event) => (event.endpoint.startsWith('10.244.1.') ? 'node1,node2' : 'node1')),
  );
});

test('C.14: an observed step cites only packets of its own connection', () => {
  const model = modelOf({ manifests: [MANIFESTS], transcripts: [NODE1, NODE2] });
  const { flows } = trace(model, 'frontend', 'api');
  const starts = new Map([NODE1, NODE2].map((file) => [file, synTimes(file, 40123)]));
  assert.equal(starts.get(NODE1)!.length, 4);
  assert.equal(flows.length, 4);
  flows.forEach((flow, index) => {
    const cited = observedCaptureLines(flow);
    assert.ok(cited.length > 10, `connection ${index + 1}: observed steps cite capture lines`);
    for (const { file, line, time } of cited) {
      // its own SYN on this node's clock (node2 saw only the last connection)
      const fileStarts = starts.get(file)!;
      const own = file === NODE2 ? 0 : index;
      assert.ok(time >= fileStarts[own], `connection ${index + 1} cites ${file}:${line}, before its SYN`);
      if (own + 1 < fileStarts.length)
        assert.ok(time < fileStarts[own + 1], `connection ${index + 1} cites ${file}:${line}, of a later connection`);
    }
    const said = flow.phases.flatMap((phase) => phase.steps).map((step) => step.label);
    assert.ok(!said.some((label) => /retransmission/.test(label)), `connection ${index + 1}: ${said.join(' | ')}`);
  });
});

test('C.14: two refused connections on one tuple stay two, each with its own ICMP error', () => {
  const model = modelOf({ manifests: [MANIFESTS], transcripts: [NODE1, NODE2] });
  const { flows } = trace(model, 'frontend', '10.98.40.7:81');
  const summaries = flows[0].connections!.filter((connection) => connection.client === `${CLIENT}:40124`);
  assert.deepEqual(
    summaries.map((connection) => connection.outcome),
    ['unreachable', 'unreachable'],
  );
  const starts = synTimes(NODE1, 40124);
  assert.equal(starts.length, 2);
  flows.forEach((flow, index) => {
    const cited = observedCaptureLines(flow);
    assert.ok(cited.some(({ line }) => /ICMP .*unreachable/.test(linesOf(NODE1)[line - 1])));
    for (const { time } of cited) {
      assert.ok(time >= starts[index]);
      if (index === 0) assert.ok(time < starts[1]);
    }
  });
});

test('a capture that began during a connection on a reused tuple: its rest is not the next connection', () => {
  // node1's capture as if tcpdump had started just after the first connection's handshake
  const lines = linesOf(NODE1);
  const header = lines.findIndex((line) => line.startsWith('listening on')) + 1;
  const firstData = lines.findIndex((line) => /40123 > 10\.106\.37\.21\.80: Flags \[P\.\]/.test(line));
  assert.ok(header > 0 && firstData > header);
  const dir = mkdtempSync(join(tmpdir(), 'kpp-reuse-'));
  try {
    const later = join(dir, 'c14-port-reuse.node1.txt');
    writeFileSync(later, [...lines.slice(0, header), ...lines.slice(firstData)].join('\n'));
    const model = modelOf({ manifests: [MANIFESTS], transcripts: [later] });
    const sited = sitedPackets(model, undefined);
    const mine = reconstructConnections(sited.packets, sited.siteOf).filter((connection) =>
      connection.legs.some((leg) => leg.from === `${CLIENT}:40123`),
    );
    // the three that began in the capture, each from its own SYN on; the first one's rest apart from them,
    // closed (data and FINs both ways). Its legs before and after the DNAT stay apart: this cut capture
    // prints its first packets with tcpdump's relative numbers, which link nothing.
    const opened = mine.filter((connection) => connection.sightings.some(({ frame }) => frame.tcp?.flags === 'S'));
    assert.deepEqual(
      opened.map((connection) => connection.outcome),
      ['closed', 'closed', 'closed'],
    );
    for (const connection of opened) {
      const syn = connection.sightings.find(({ frame }) => frame.tcp?.flags === 'S')!;
      assert.ok(connection.sightings.every(({ packet }) => packet.t! >= syn.packet.t!));
    }
    const rest = mine.filter((connection) => !opened.includes(connection));
    assert.ok(rest.length >= 1 && rest.every((connection) => connection.outcome === 'closed'));
    assert.ok(rest.every((connection) => connection.end! < opened[0].start!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('C.14: Diagnose tells a problem two connections share with the packets of the flow it names', () => {
  const model = modelOf({ manifests: [MANIFESTS], transcripts: [NODE1, NODE2] });
  const problem = diagnose(model).problems.find((candidate) => candidate.finding.id === 'service-port-missing');
  assert.ok(problem, 'the request to port 81 is diagnosed');
  assert.equal(problem.count, 2);
  const named = /connection (?<number>\d+) of 2/.exec(problem.flow)?.groups;
  assert.ok(named, problem.flow);
  const starts = synTimes(NODE1, 40124);
  const own = Number(named.number) - 1;
  const lines = linesOf(NODE1);
  const cited = problem.finding.evidence.filter((evidence) => evidence.uri === NODE1 && evidence.line !== undefined);
  assert.ok(cited.length > 0);
  for (const evidence of cited) {
    const time = clockOf(lines[evidence.line! - 1] ?? '')!;
    assert.ok(time >= starts[own] && (own + 1 >= starts.length || time < starts[own + 1]), `line ${evidence.line}`);
  }
});

test('C.17: where no capture shows the DNAT, each connection on the tuple is told its own conntrack event', () => {
  // C.14's clients from port 40133, captured only inside the client pod: node1's conntrack -E alone
  // says where each connection went
  const pod = join(LAB, 'c17-reuse-in-pod.frontend.txt');
  const node1 = join(LAB, 'c17-reuse-in-pod.node1.txt');
  const events = linesOf(node1).flatMap((line, index) => {
    const event = /^\s*\[NEW\] tcp .*? sport=40133 .*?src=(?<endpoint>\S+) dst=\S+ sport=(?<port>\d+)/.exec(
      line,
    )?.groups;
    return event ? [{ endpoint: `${event.endpoint}:${event.port}`, line: index + 1 }] : [];
  });
  assert.equal(events.length, 4);
  assert.ok(new Set(events.map((event) => event.endpoint)).size === 2, 'both endpoints were taken');
  const model = modelOf({ manifests: [MANIFESTS], transcripts: [pod, node1] });
  const { flows } = trace(model, 'frontend', 'api');
  assert.equal(flows.length, 4);
  flows.forEach((flow, index) => {
    const dnat = flow.phases.find((phase) => phase.name === 'connect')?.steps.find((step) => step.nat?.type === 'DNAT');
    assert.equal(dnat?.nat?.after, events[index].endpoint, `connection ${index + 1}`);
    assert.equal(dnat?.status, 'configured', 'conntrack says so, no capture shows it');
    const cited = dnat!.evidence.filter((evidence) => evidence.uri === node1).map((evidence) => evidence.line);
    assert.deepEqual(cited, [events[index].line], `connection ${index + 1} cites its own [NEW] event`);
  });
});
