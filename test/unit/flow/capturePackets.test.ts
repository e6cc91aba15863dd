/**
 * A trace works with the packets that touch its flow's addresses (ctx.packets), never with every
 * packet of every capture: these tests wrap real captures in tables that record which packets get
 * built, and check that the trace builds only those, and that its result is what it was with all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import { parseTcpdump } from '../../../src/ingest/tcpdump';
import { ClusterModel, packetTouches, type Capture, type Evidence, type Fact, type Packet } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow } from '../../../src/flow/types';
import { CountingTable } from '../model/countingTable';

const TCPDUMP = 'test/fixtures/tcpdump/any-nn.txt';

/** The capture of `text` with its table wrapped in a CountingTable. */
function counted(text: string, uri: string): { capture: Capture; table: CountingTable } {
  const facts = parseTcpdump({ text, uri }).facts;
  assert.equal(facts.length, 1, uri);
  const c = facts[0] as Capture;
  const table = new CountingTable(c.packets);
  return { capture: { ...c, packets: table }, table };
}

/**
 * Traffic of nobody in the model: the real any-nn.txt lines with their pod and node addresses moved
 * to other networks (10.244. → 10.250., 192.168.50. → 192.168.60.), repeated `copies` times.
 */
function unrelatedText(copies: number): string {
  const moved = readFileSync(TCPDUMP, 'utf8')
    .replace(/\b10\.244\./g, '10.250.')
    .replace(/\b192\.168\.50\./g, '192.168.60.');
  return Array.from({ length: copies }, () => moved).join('\n');
}

const test1: Evidence[] = [
  { source: 'derived', uri: 'test:', excerpt: 'the pods of test/fixtures/tcpdump (README: pod a, pod b, dnsmasq)' },
];
const pods: Fact[] = [
  { kind: 'Pod', name: 'a-pod', namespace: 'default', ip: '10.244.0.53', evidence: test1 },
  { kind: 'Pod', name: 'b-pod', namespace: 'default', ip: '10.244.0.54', evidence: test1 },
  { kind: 'Pod', name: 'dns-pod', namespace: 'default', ip: '10.244.0.10', evidence: test1 },
];

/** Traces on this model see every packet: the trace's filter (packetsTouching) gives them all back. */
class AllPacketsModel extends ClusterModel {
  override packetsTouching(): Packet[] {
    return this.packets;
  }
}

const observedFrom = (f: Flow, uri: string) =>
  f.phases.flatMap((p) => p.steps).filter((s) => s.status === 'observed' && s.evidence.some((e) => e.uri === uri));

test('trace b-pod → a-pod:80 builds exactly the packets touching the two pods, none of a big unrelated capture', () => {
  const real = counted(readFileSync(TCPDUMP, 'utf8'), TCPDUMP);
  const other = counted(unrelatedText(40), 'unrelated.txt');
  const m = new ClusterModel().add(pods).add([real.capture, other.capture]);
  const flowIps = new Set(['10.244.0.54', '10.244.0.53']);
  assert.ok(other.table.size > 10 * real.table.size, 'the unrelated capture is the big one');
  assert.equal(other.table.touching(flowIps).length, 0, 'and it has nothing of this flow');

  const f = trace(m, 'b-pod', 'a-pod:80').flows[0];

  const expected = real.table.touching(flowIps);
  assert.ok(
    expected.length > 0 && expected.length < real.table.size,
    'the real capture has packets of this flow and others',
  );
  assert.deepEqual(
    [...real.table.built].sort((x, y) => x - y),
    expected,
    'built: exactly the packets touching b-pod or a-pod',
  );
  assert.equal(other.table.built.size, 0, 'nothing of the unrelated capture was built');
  for (const i of real.table.built) assert.ok(packetTouches(real.table.packet(i), flowIps));
  // The flow is still proven by the capture: the SYN and the reply on the pods' veths.
  assert.ok(observedFrom(f, TCPDUMP).length >= 2, 'steps observed in any-nn.txt');
  assert.ok(
    f.findings.some(
      (x) => x.id === 'mtu-mss' && x.evidence.some((e) => e.uri === TCPDUMP && /mss 1410/.test(e.excerpt ?? '')),
    ),
    "mtu-mss cites the flow's own SYN",
  );
});

test('the trace result is the same as with every packet, and an unrelated capture changes nothing', () => {
  const text = readFileSync(TCPDUMP, 'utf8');
  for (const [from, to] of [
    ['b-pod', 'a-pod:80'],
    ['a-pod', 'b-pod'],
    ['b-pod', 'dns-pod:53/UDP'],
    ['b-pod', '10.244.1.0'],
  ]) {
    const filtered = trace(new ClusterModel().add(pods).add(parseTcpdump({ text, uri: TCPDUMP }).facts), from, to, {
      noPredictedPods: true,
    });
    const all = trace(new AllPacketsModel().add(pods).add(parseTcpdump({ text, uri: TCPDUMP }).facts), from, to, {
      noPredictedPods: true,
    });
    assert.deepEqual(filtered, all, `${from} → ${to}`);
    assert.ok(observedFrom(filtered.flows[0], TCPDUMP).length > 0, `${from} → ${to} is observed in the capture`);
    const withOther = trace(
      new ClusterModel()
        .add(pods)
        .add(parseTcpdump({ text, uri: TCPDUMP }).facts)
        .add(counted(unrelatedText(3), 'unrelated.txt').capture),
      from,
      to,
    );
    assert.deepEqual(
      withOther,
      trace(new ClusterModel().add(pods).add(parseTcpdump({ text, uri: TCPDUMP }).facts), from, to),
      `${from} → ${to} with unrelated traffic`,
    );
  }
});

test('search-list NXDOMAIN finding fires from the filtered packets of the lab A.2 capture; the unrelated capture is never built', () => {
  const LAB = 'test/fixtures/lab';
  const uri = `${LAB}/a2-pod-to-service.txt`;
  const manifest = formatSpec('manifest');
  assert.ok(manifest);
  const facts = parseDocument(readFileSync(uri, 'utf8'), uri).facts;
  const tables: CountingTable[] = [];
  const wrapped = facts.map((f) => {
    if (f.kind !== 'Capture') return f;
    const table = new CountingTable(f.packets);
    tables.push(table);
    return { ...f, packets: table };
  });
  assert.ok(tables.length > 0, 'the lab transcript holds captures');
  const other = counted(unrelatedText(20), 'unrelated.txt');
  const m = new ClusterModel()
    .add(
      manifest.parse({
        text: readFileSync(`${LAB}/manifests/cluster.yaml`, 'utf8'),
        uri: `${LAB}/manifests/cluster.yaml`,
      }).facts,
    )
    .add(wrapped as Fact[])
    .add([other.capture]);

  const f = trace(m, 'b-app', 'a-app.default.svc.cluster.local').flows[0];

  const x = f.findings.find((y) => y.id === 'dns-search-amplification');
  assert.ok(x, 'the finding fires');
  assert.ok(
    x.evidence.some((e) => e.uri === uri && /ndots:5/.test(e.excerpt ?? '')),
    "on the pod's resolv.conf",
  );
  // Each failing search name is proven by its query in the capture, found among the trace's packets.
  // (tcpdump prints the name of an NXDOMAIN answer only with -vv, so the answers cannot be matched by name here.)
  const nxSteps = f.phases.find((p) => p.name === 'DNS')!.steps.filter((s) => s.dns?.rcode === 'NXDOMAIN');
  assert.equal(nxSteps.length, 3);
  for (const s of nxSteps)
    assert.ok(
      s.evidence.some((e) => e.uri === uri && e.excerpt?.includes(`${s.dns!.question}.`)),
      s.dns!.question,
    );
  assert.ok(
    tables.some((t) => t.built.size > 0),
    'the lab capture was read',
  );
  assert.equal(other.table.built.size, 0, 'nothing of the unrelated capture was built');
});

test("mtu-mss never quotes another connection's SYN, and nothing beyond the flow's packets is built", () => {
  const real = counted(readFileSync(TCPDUMP, 'utf8'), TCPDUMP);
  const other = counted(unrelatedText(10), 'unrelated.txt');
  const m = new ClusterModel().add(pods).add([real.capture, other.capture]);
  // dns-pod only answers DNS: none of the packets touching it or 10.244.1.0 is a TCP SYN, though the
  // capture holds other pods' SYNs (mss 1410).
  const flowIps = new Set(['10.244.0.10', '10.244.1.0']);
  const isMssSyn = (p: Packet) => p.tcp?.mss !== undefined && p.tcp.flags.includes('S');
  assert.ok(!real.table.touching(flowIps).some((i) => isMssSyn(real.table.packet(i))));
  const synLines = new Set(
    Array.from({ length: real.table.size }, (_, i) => i)
      .filter((i) => isMssSyn(real.table.packet(i)))
      .map((i) => real.table.lineOf(i)),
  );
  assert.ok(synLines.size > 0, 'the capture holds SYNs of other connections');
  const allowed = new Set(real.table.touching(flowIps));
  real.table.built.clear();

  const flows = trace(m, 'dns-pod', '10.244.1.0').flows;

  for (const f of flows) {
    const cited = f.findings.flatMap((x) => x.evidence).filter((e) => e.uri === TCPDUMP);
    assert.deepEqual(
      cited.filter((e) => synLines.has(e.line!)),
      [],
      "no finding cites another connection's SYN",
    );
  }
  assert.ok(
    [...real.table.built].every((i) => allowed.has(i)),
    "built: the flow's packets only",
  );
  assert.equal(other.table.built.size, 0, 'the later, unrelated capture was not looked at');
});
