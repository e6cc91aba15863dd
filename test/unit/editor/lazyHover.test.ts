/**
 * Hovers on captures build only what they describe: the packets of the hovered line, and for the
 * correlation (same packet elsewhere, DNAT partner, veth owners) the packets touching the hovered
 * packet's addresses. These tests wrap real captures in tables that record which packets get built,
 * add a big capture of nobody's traffic (a real fixture with its addresses moved), and check that
 * the sentences are those of the eager index (every packet of the document correlated at once,
 * kept here as the reference) on every packet line of real fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { buildLineIndex, type LineIndex } from '../../../src/editor/hover/captureIndex.pure';
import { conversationAddresses, CONVERSATION_ROWS, VETH_LOOK_ROWS } from '../../../src/editor/hover/conversation.pure';
import { annotatePacket } from '../../../src/editor/hover/packetAnnotation.pure';
import {
  correlate,
  declaredClaims,
  dnsQuestions,
  vethOwnership,
  type NatPair,
  type PacketGroup,
} from '../../../src/flow/correlate';
import { parseDocument } from '../../../src/ingest/document';
import { labA2Lines } from '../../support/labA2';
import { parseTcpdump } from '../../../src/ingest/tcpdump';
import { labA2, parseSeed, SEED } from '../flow/seedModel';
import {
  packetAddresses,
  packetTouches,
  type Capture,
  type ClusterModel,
  type Fact,
  type Packet,
} from '../../../src/model';
import { CountingTable } from '../model/countingTable';

const read = (p: string) => readFileSync(p, 'utf8');

/** The facts with every capture's table wrapped in a CountingTable. */
function counted(facts: readonly Fact[]): { facts: Fact[]; tables: CountingTable[] } {
  const tables: CountingTable[] = [];
  const out = facts.map((f) => {
    if (f.kind !== 'Capture') return f;
    const table = new CountingTable(f.packets);
    tables.push(table);
    return { ...f, packets: table };
  });
  return { facts: out, tables };
}

/**
 * Nobody's traffic, in the document `uri` below line `after`: the real any-nn.txt with its pod and
 * node addresses moved to other networks (10.244. → 10.250., 192.168.50. → 192.168.60.), `copies` times.
 */
function unrelatedCapture(uri: string, copies: number, after: number): { fact: Capture; table: CountingTable } {
  const moved = read('test/fixtures/tcpdump/any-nn.txt')
    .replace(/\b10\.244\./g, '10.250.')
    .replace(/\b192\.168\.50\./g, '192.168.60.');
  const facts = parseTcpdump({ text: Array.from({ length: copies }, () => moved).join('\n'), uri }).facts;
  assert.equal(facts.length, 1);
  const c = facts[0] as Capture;
  c.packets.remapLines((line) => ({ line: line + after, column: 0 }));
  const table = new CountingTable(c.packets);
  return { fact: { ...c, packets: table }, table };
}

/** The hover index as it was: every packet of the document built and correlated at once. */
function eagerIndex(facts: readonly Fact[], uri: string, model: ClusterModel): LineIndex {
  const packets = new Map<number, Packet[]>();
  const docPackets: Packet[] = [];
  for (const f of facts) {
    const ev = f.evidence.find((e) => e.uri === uri && e.line !== undefined);
    if (!ev) continue;
    const add = (line: number, p: Packet) => {
      packets.set(line, [...(packets.get(line) ?? []), p]);
      docPackets.push(p);
    };
    if (f.kind === 'Packet') add(ev.line!, f);
    else if (f.kind === 'Capture')
      for (let i = 0; i < f.packets.size; i++) add(f.packets.lineOf(i), f.packets.packet(i));
  }
  const serviceIps = new Set(
    model.services
      .flatMap((s) => [s.clusterIP, ...(s.clusterIPs ?? [])])
      .filter((x): x is string => !!x && x !== 'None'),
  );
  const vethNames = new Set(
    model
      .all('HostInterface')
      .filter((i) => i.type === 'veth')
      .map((i) => i.name),
  );
  const corr = correlate(docPackets, { vethNames, isServiceIp: (ip) => serviceIps.has(ip) });
  const groupOf = new Map<Packet, PacketGroup>();
  for (const g of corr.groups) for (const p of g.packets) groupOf.set(p, g);
  const natOf = new Map<Packet, NatPair>();
  for (const n of corr.natPairs) {
    natOf.set(n.before, n);
    natOf.set(n.after, n);
  }
  const veths = vethOwnership([...declaredClaims(model), ...corr.vethClaims]);
  const conv = { corr, groupOf, natOf, floodOf: corr.floodOf, veths, dnsQuestion: dnsQuestions(docPackets) };
  const lazy = buildLineIndex(facts, uri, model);
  return { packets, rules: lazy.rules, allRules: lazy.allRules, around: () => conv };
}

const LAB_MANIFESTS = () =>
  manifestFacts(read('test/fixtures/lab/manifests/cluster.yaml'), 'file:///lab/cluster.yaml').facts;

/**
 * A fixture as the editor sees it: its facts, and the model of it (with the lab's manifests for the
 * lab outputs). The seed report's captures are flattened: each of its capture lines holds many packets.
 */
function document(path: string): { facts: Fact[]; uri: string; model: ClusterModel } {
  if (path === SEED) {
    const facts = [264, 268].flatMap((line) => parseSeed('tcpdump', line, 'tcpdump -i any -n') ?? []);
    assert.ok(facts.length === 2 && facts.every((f) => f.kind === 'Capture'), "the seed's A.2 captures parse");
    const model = labA2();
    model.add(facts);
    return { facts, uri: SEED, model };
  }
  const uri = `file:///${path}`;
  const facts = parseDocument(read(path), uri).facts;
  const model = buildModel(path.includes('/lab/') ? [LAB_MANIFESTS(), facts] : [facts]);
  return { facts, uri, model };
}

const FIXTURES = [
  'test/fixtures/lab/a2-pod-to-service.txt',
  'test/fixtures/lab/a2-flooding.txt',
  'test/fixtures/lab/a1-pod-to-pod.txt',
  'test/fixtures/lab/a3-headless.txt',
  'test/fixtures/lab/b-cross-node.txt',
  'test/fixtures/tcpdump/any-nn.txt',
  'test/fixtures/tcpdump/any-v.txt',
  'test/fixtures/tcpdump/vxlan-8472.txt',
  SEED,
];

test('every packet line of real fixtures: the lazy hover says what the eager index said', () => {
  for (const path of FIXTURES) {
    const { facts, uri, model } = document(path);
    const eager = eagerIndex(facts, uri, model);
    const lazy = buildLineIndex(facts, uri, model);
    const lines = [...(eager.packets as Map<number, Packet[]>).keys()];
    assert.ok(lines.reduce((n, l) => n + eager.packets.get(l)!.length, 0) > 5, `${path} has packets`);
    if (path === SEED)
      assert.ok(
        lines.some((l) => eager.packets.get(l)!.length > 1),
        'several packets on one line',
      );
    let sightings = 0;
    let nat = 0;
    for (const line of lines) {
      const want = eager.packets.get(line)!;
      const got = lazy.packets.get(line);
      assert.deepEqual(got, want, `${path}:${line}: the same packets at the line`);
      for (const p of want) {
        const said = annotatePacket(model, lazy, p);
        assert.deepEqual(said, annotatePacket(model, eager, p), `${path}:${line}`);
        sightings += said.filter((s) => s.startsWith('Same packet as line')).length;
        nat += said.filter((s) => /DNAT/.test(s)).length;
      }
    }
    // The comparison is not between two empty answers: the correlation is exercised.
    if (path.includes('a2-pod-to-service')) assert.ok(nat > 0 && sightings > 0, `${path}: DNAT partners and sightings`);
    if (path.includes('any-nn')) assert.ok(sightings > 0, `${path}: sightings`);
  }
});

test("a DNS answer printed without its question (no -vv) is described with its query's question", () => {
  const { facts, uri, model } = document('test/fixtures/lab/a2-pod-to-service.txt');
  const index = buildLineIndex(facts, uri, model);
  // CoreDNS's `ID NXDomain 0/0/0` answer to b-app's first search-list query (found by content)
  const { answer, query, existing } = labA2Lines();
  const said = annotatePacket(model, index, index.packets.get(answer.line)![0]);
  const { id, port } = query.groups;
  assert.ok(
    said.some((s) =>
      s.startsWith(
        `DNS answer #${id} NXDomain for A a-app.default.svc.cluster.local.default.svc.cluster.local. (the question of query #${id} from 10.244.0.147:${port})`,
      ),
    ),
    said.join('\n'),
  );
  // `ID* 1/0/0 A 10.103.129.86`: the name that exists, with its Service
  const found = annotatePacket(model, index, index.packets.get(existing.line)![0]);
  assert.ok(
    found.some(
      (s) =>
        s.startsWith(`DNS answer #${existing.groups.id} for A a-app.default.svc.cluster.local. (the question`) &&
        s.includes('Service a-app'),
    ),
    found.join('\n'),
  );
});

test("DNAT partners share the client address: the pre- and post-DNAT packets are both in the hovered packet's set", () => {
  for (const path of ['test/fixtures/lab/a2-pod-to-service.txt', SEED]) {
    const { facts, uri, model } = document(path);
    const eager = eagerIndex(facts, uri, model);
    const pairs = eager.around(undefined as never).corr.natPairs;
    assert.ok(pairs.length > 0, `${path} has NAT pairs`);
    for (const n of pairs) {
      const ips = packetAddresses(n.before);
      assert.ok(
        packetTouches(n.after, ips),
        `${path}: line ${n.after.evidence[0]?.line} touches the addresses of line ${n.before.evidence[0]?.line}`,
      );
    }
  }
});

test('a hover on the lab capture builds the packets of its line and of its addresses, nothing of a big unrelated capture', () => {
  const path = 'test/fixtures/lab/a2-pod-to-service.txt';
  const uri = `file:///${path}`;
  const parsed = parseDocument(read(path), uri).facts;
  const { facts, tables } = counted(parsed);
  const other = unrelatedCapture(uri, 60, 100000);
  const docFacts = [...facts, other.fact];
  const model = buildModel([LAB_MANIFESTS(), docFacts]);
  for (const t of [...tables, other.table]) t.built.clear();
  const index = buildLineIndex(docFacts, uri, model);
  assert.ok(other.table.size > 10 * tables.reduce((n, t) => n + t.size, 0), 'the unrelated capture is the big one');
  assert.ok(
    [...tables, other.table].every((t) => t.built.size === 0),
    'indexing builds nothing',
  );

  // b-app's DNS query to the kube-dns ClusterIP on its veth (P), and its copy after DNAT.
  const { query, queryAfterDnat, answerUnDnat } = labA2Lines();
  const [p] = index.packets.get(query.line)!;
  const said = annotatePacket(model, index, p);
  assert.ok(
    said.some((s) => s.includes(`after DNAT to ${queryAfterDnat.groups.ip}:53`)),
    'the DNAT partner is found',
  );
  assert.ok(
    said.some((s) => /veth79f873bc: host side of the veth pair of pod default\/b-app/.test(s)),
    'the veth owner is found',
  );
  const ips = packetAddresses(p);
  for (const t of tables) {
    const allowed = new Set([
      ...t.touching(ips),
      ...Array.from({ length: t.size }, (_, i) => i).filter((i) => t.lineOf(i) === query.line),
    ]);
    assert.ok(
      [...t.built].every((i) => allowed.has(i)),
      'built: only the line and the packets touching its addresses',
    );
    assert.ok(t.built.size < t.size, 'not the whole capture');
  }
  assert.ok(
    tables.some((t) => t.touching(ips).every((i) => t.built.has(i)) && t.touching(ips).length > 1),
    'all of the conversation was read',
  );
  assert.equal(other.table.built.size, 0, 'nothing of the unrelated capture was built');

  // Hovering the rest of the conversation costs nothing more: the same addresses (the answer back to
  // b-app from the ClusterIP), the same cached correlation.
  const before = tables.reduce((n, t) => n + t.built.size, 0);
  annotatePacket(model, index, index.packets.get(answerUnDnat.line)![0]);
  assert.equal(
    tables.reduce((n, t) => n + t.built.size, 0),
    before,
  );
});

test("a hover in a huge capture of nobody's traffic builds the conversation of that packet; a veth nobody claims costs a bounded look", () => {
  const uri = 'file:///big.txt';
  const other = unrelatedCapture(uri, 120, 0);
  const model = buildModel([[other.fact]]);
  const index = buildLineIndex([other.fact], uri, model);
  const t = other.table;
  assert.ok(t.size > 2 * (2 * VETH_LOOK_ROWS + 1), 'bigger than the bounded look');
  assert.equal(t.built.size, 0);
  const rowOf = (pred: (p: Packet) => boolean, from: number) => {
    for (let i = from; i < t.size; i++) if (pred(t.packet(i))) return i;
    throw new Error('no such packet');
  };
  const mid = Math.floor(t.size / 2);

  // b-pod's TCP SYN seen on its own veth (P): its address owns the veth, so only its conversation is built.
  const synRow = rowOf((p) => p.tcp?.flags === 'S' && p.direction === 'P', mid);
  t.built.clear();
  const syn = index.packets.get(t.lineOf(synRow))!.find((p) => p === t.packet(synRow))!;
  t.built.clear();
  const said = annotatePacket(model, index, syn);
  assert.deepEqual(conversationAddresses(syn), packetAddresses(syn));
  const touching = t.touching(packetAddresses(syn));
  // its conversation runs through the whole capture: the packets around the SYN are read, no more
  assert.ok(touching.length > 3 * CONVERSATION_ROWS, `${touching.length} packets touch its addresses`);
  const built = [...t.built].sort((a, b) => a - b);
  const at = touching.indexOf(synRow);
  assert.deepEqual(
    built,
    touching.slice(touching.indexOf(built[0]), touching.indexOf(built[0]) + built.length),
    "built: a run of the packets touching the SYN's addresses",
  );
  assert.equal(built.length, 3 * CONVERSATION_ROWS, 'as many as the window holds');
  assert.ok(
    touching.indexOf(built[0]) <= at - CONVERSATION_ROWS &&
      at + CONVERSATION_ROWS < touching.indexOf(built[0]) + built.length,
    'at least CONVERSATION_ROWS of them on each side of the SYN',
  );
  assert.ok(
    t.size - touching.length > 1000,
    `thousands of packets of other conversations stay unbuilt (${touching.length} of ${t.size} built)`,
  );
  assert.ok(
    said.some((s) => /host side of the veth pair of the pod with IP 10\.250\.0\.54/.test(s)),
    said.join('\n'),
  );
  assert.ok(
    said.some((s) => s.startsWith('Same packet as line')),
    'its other sightings',
  );

  // A router solicitation from pod a flooded out of another pod's veth (multicast): none of its
  // addresses claims that veth, so its owner is found by a bounded look around the hovered row.
  const rsRow = rowOf(
    (p) => p.direction === 'Out' && !!p.interface?.startsWith('veth') && p.dst?.ip === 'ff02::2',
    mid,
  );
  t.built.clear();
  const rs = index.packets.get(t.lineOf(rsRow))!.find((p) => p === t.packet(rsRow))!;
  const [first] = annotatePacket(model, index, rs);
  const owner = /host side of the veth pair of the pod with IP (\S+),/.exec(first)?.[1];
  assert.ok(owner && !packetAddresses(rs).has(owner), first);
  assert.ok(
    !conversationAddresses(rs).has('ff02::2') && packetAddresses(rs).has('ff02::2'),
    'the multicast destination is not a conversation',
  );
  const look = t.onInterface(rs.interface!, rsRow, VETH_LOOK_ROWS);
  assert.equal(look.length, VETH_LOOK_ROWS, 'the veth carries more than the bounded look');
  assert.ok(
    look.every((i) => t.packet(i).interface === rs.interface) &&
      Math.max(...look.map((i) => Math.abs(i - rsRow))) < t.size / 2,
    "the look: that veth's packets nearest to the row",
  );
  t.built.clear();
  annotatePacket(model, index, rs);
  assert.equal(t.built.size, 0, 'a second hover of the row is cached');
  const allowed = new Set([...t.touching(conversationAddresses(rs)), ...t.touching(new Set([owner])), ...look]);
  const fresh = buildLineIndex([other.fact], uri, model);
  annotatePacket(model, fresh, rs);
  assert.ok(
    [...t.built].every((i) => allowed.has(i)),
    'built: the look at the veth, and the packets of the addresses involved',
  );
  assert.ok(t.built.size < t.size, 'not the whole capture');
  // And it is the owner the whole capture proves.
  assert.deepEqual(annotatePacket(model, index, rs), annotatePacket(model, eagerIndex([other.fact], uri, model), rs));
});

test("a veth whose own traffic is far from the hovered frame still gets its owner: the look reads that veth's packets, not the rows around", () => {
  const uri = 'file:///far.txt';
  const lines = read('test/fixtures/tcpdump/any-nn.txt').split('\n');
  const veth = 'vetha999267c';
  const onVeth = (l: string) => l.split(/\s+/)[1] === veth;
  const rsLine = lines.find((l) => onVeth(l) && / Out .* > ff02::2: ICMP6, router solicitation/.test(l))!;
  assert.ok(rsLine, 'the fixture floods a router solicitation out of the veth');
  // The veth's traffic, then thousands of packets elsewhere (other addresses, other interfaces), then the flooded frame.
  const filler = lines
    .filter((l) => /^\d\d:/.test(l) && !onVeth(l))
    .map((l) => l.replace(/\b10\.244\./g, '10.250.').replace(/\bfe80::/g, 'fe80::1:'));
  const text = [...lines.filter(onVeth), ...Array.from({ length: 100 }, () => filler).flat(), rsLine].join('\n');
  const [fact] = parseTcpdump({ text, uri }).facts as Capture[];
  const table = new CountingTable(fact.packets);
  const capture: Capture = { ...fact, packets: table };
  const model = buildModel([[capture]]);
  const rsRow = table.size - 1;
  const nearest = Math.max(...table.onInterface(veth, rsRow, 2).filter((i) => i !== rsRow));
  assert.ok(rsRow - nearest > 2 * VETH_LOOK_ROWS, `the veth's other packets are ${rsRow - nearest} rows away`);
  const index = buildLineIndex([capture], uri, model);
  const rs = index.packets.get(table.lineOf(rsRow))!.find((p) => p === table.packet(rsRow))!;
  const said = annotatePacket(model, index, rs);
  const owner = /host side of the veth pair of the pod with IP (\S+),/.exec(said[0])?.[1];
  assert.ok(owner && !packetAddresses(rs).has(owner), said.join('\n'));
  assert.ok(
    table.built.size < table.size / 2,
    `most of the capture stays unbuilt (${table.built.size} of ${table.size})`,
  );
  assert.deepEqual(said, annotatePacket(model, eagerIndex([capture], uri, model), rs), 'what the whole capture proves');
});
