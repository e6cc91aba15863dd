import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ArrayPacketTable,
  ClusterModel,
  packetsOf,
  packetTouches,
  type Capture,
  type Packet,
} from '../../../src/model';
import { parseTcpdump } from '../../../src/ingest/tcpdump';
import { copyModel } from '../../../src/flow/predictPods';
import { factsOf } from '../../../src/editor/workspace/modelFacts.pure';
import { CountingTable } from './countingTable';

const DIR = 'test/fixtures/tcpdump/';
/** The Capture fact of a real capture fixture. */
const captureOf = (f: string): Capture => {
  const r = parseTcpdump({ text: readFileSync(DIR + f, 'utf8'), uri: f });
  assert.equal(r.facts.length, 1, f);
  return r.facts[0] as Capture;
};

const plainPacket = (ip: string, line: number): Packet => ({
  kind: 'Packet',
  network: 'ip',
  protocol: 'icmp',
  src: { ip },
  dst: { ip: '10.244.0.53' },
  evidence: [{ source: 'log', uri: 'plain.txt', line }],
});

/** Whether the packet's printed line names `ip` as an address (not as the prefix of a longer one). */
const textNames = (p: Packet, ip: string) =>
  new RegExp(`(^|[^\\d.])${ip.replace(/\./g, '\\.')}(?!\\d)`).test(p.evidence[0].excerpt ?? '');

test("ClusterModel: packets are the Packet facts, then each capture's packets in the order the captures were added", () => {
  const a = captureOf('any-nn.txt');
  const b = captureOf('vxlan-8472.txt');
  const m = new ClusterModel();
  const loose = plainPacket('10.244.0.54', 3);
  m.add(a);
  m.add(loose);
  m.add([b]);
  const expected = [loose, ...a.packets.all(), ...b.packets.all()];
  assert.equal(m.packets.length, a.packets.size + b.packets.size + 1);
  assert.ok(
    m.packets.every((p, k) => p === expected[k]),
    'same objects, same order',
  );
  assert.equal(m.packets, m.packets, 'the concatenation is kept between calls');
  assert.deepEqual(m.captures, [a, b], 'captures are kept as added, never merged');
  // adding a capture again (the same file read twice) is a second observation, and the list is rebuilt
  const before = m.packets;
  const c = captureOf('ttl-exceeded.txt');
  m.add(c);
  assert.notEqual(m.packets, before);
  assert.equal(m.packets.length, before.length + c.packets.size);
  assert.equal(m.packets[m.packets.length - 1], c.packets.packet(c.packets.size - 1));
  // a model with plain packets only still answers them as before
  const plain = new ClusterModel().add([plainPacket('10.244.0.54', 1), plainPacket('10.244.0.55', 2)]);
  assert.deepEqual(
    plain.packets.map((p) => p.evidence[0].line),
    [1, 2],
  );
});

test('ClusterModel.summary counts the packets inside captures under Packet and the captures under Capture; copies keep them', () => {
  const a = captureOf('any-nn.txt');
  const b = captureOf('vxlan-4789.txt');
  const m = new ClusterModel().add([a, b, plainPacket('10.244.0.54', 1)]);
  const s = m.summary();
  assert.equal(s.Packet, a.packets.size + b.packets.size + 1);
  assert.equal(s.Capture, 2);
  assert.equal(new ClusterModel().add(a).summary().Packet, a.packets.size);
  // code that copies a model kind by kind (trace's predicted pods, the paste command) keeps every packet
  const copy = copyModel(m);
  assert.equal(copy.packets.length, m.packets.length);
  assert.ok(copy.packets.every((p) => m.packets.includes(p)));
  assert.deepEqual(
    factsOf(m).filter((f) => f.kind === 'Capture'),
    [a, b],
  );
});

test('ClusterModel.packetsTouching equals the filtered full list, builds only the packets it returns, and gives the same objects', () => {
  const counting = new CountingTable(captureOf('any-nn.txt').packets);
  const cap: Capture = { ...captureOf('any-nn.txt'), packets: counting };
  const vx = captureOf('vxlan-8472.txt');
  const m = new ClusterModel().add([plainPacket('10.244.0.54', 1), cap, vx]);
  const touched = m.packetsTouching(new Set(['10.244.0.53']));
  const ids = counting.touching(new Set(['10.244.0.53']));
  assert.ok(ids.length > 0 && ids.length < counting.size, 'the address is in some packets of the capture, not all');
  assert.deepEqual(
    [...counting.built].sort((x, y) => x - y),
    ids,
    'only the matching packets were built',
  );
  // every printed line that names the address is returned, and nothing else (read from the text, not the parser)
  const fromText = counting.all().filter((p) => textNames(p, '10.244.0.53'));
  assert.deepEqual(
    touched.filter((p) => p.evidence[0].uri === 'any-nn.txt'),
    fromText,
  );
  assert.equal(touched[0].evidence[0].uri, 'plain.txt', 'the plain Packet fact comes first, as in `packets`');

  // for several address sets (pod, node, ARP-only, an inner VXLAN address, nothing): the same as filtering `packets`
  const inner = vx.packets.all().find((p) => p.inner?.src && p.inner.src.ip !== p.src?.ip)!.inner!.src!.ip;
  const sets = [['10.244.0.53'], ['10.244.0.54', '192.168.50.1'], ['192.168.50.2'], [inner], ['203.0.113.77'], []];
  for (const ips of sets.map((x) => new Set(x))) {
    const expected = m.packets.filter((p) => packetTouches(p, ips));
    const got = m.packetsTouching(ips);
    assert.equal(got.length, expected.length, [...ips].join(','));
    assert.ok(
      got.every((p, k) => p === expected[k]),
      `${[...ips].join(',')}: identical objects in the same order`,
    );
  }
  assert.ok(
    m.packetsTouching(new Set([inner])).some((p) => p.inner?.src?.ip === inner && p.src?.ip !== inner),
    'found by its inner frame',
  );
});

test('ArrayPacketTable: size, stable packets, lines, touching (inner frame and ARP) without copying', () => {
  const list = (
    parseTcpdump({ text: readFileSync(DIR + 'vxlan-4789.txt', 'utf8'), uri: 'v' }).facts[0] as Capture
  ).packets.all();
  const t = new ArrayPacketTable(list);
  assert.equal(t.size, list.length);
  assert.equal(t.packet(3), list[3]);
  assert.equal(t.all(), list);
  const lines = readFileSync(DIR + 'vxlan-4789.txt', 'utf8').split('\n');
  for (let i = 0; i < t.size; i++) assert.ok(lines[t.lineOf(i) - 1].startsWith(t.packet(i).time!), `line of ${i}`);
  const withInner = list.findIndex((p) => p.inner?.dst);
  assert.ok(withInner >= 0, 'the VXLAN fixture has an inner frame');
  assert.ok(t.touching(new Set([list[withInner].inner!.dst!.ip])).includes(withInner));
  const arp = list.findIndex((p) => p.arp?.senderIp);
  assert.ok(arp >= 0, 'the fixture has an ARP packet');
  assert.ok(t.touching(new Set([list[arp].arp!.senderIp!])).includes(arp));
  assert.deepEqual(t.touching(new Set()), []);
  assert.deepEqual(packetsOf([{ kind: 'Capture', evidence: [], packets: t } as Capture]), list);
});

test('ArrayPacketTable.remapLines: lines, end lines and columns move to the file; shared evidence moves once', () => {
  const shared = { source: 'log' as const, uri: 'f', line: 2, excerpt: 'x' };
  const outer: Packet = {
    kind: 'Packet',
    network: 'ip',
    protocol: 'icmp',
    evidence: [{ source: 'log', uri: 'f', line: 1, endLine: 3, excerpt: 'a' }],
    inner: { kind: 'Packet', network: 'ip', protocol: 'icmp', evidence: [shared] },
  };
  const second: Packet = {
    kind: 'Packet',
    network: 'ip',
    protocol: 'icmp',
    evidence: [shared, { source: 'log', uri: 'f', line: 2000, excerpt: 'not mapped' }],
  };
  const oneLine: Packet = {
    kind: 'Packet',
    network: 'ip',
    protocol: 'icmp',
    evidence: [{ source: 'log', uri: 'f', line: 4, endLine: 5, excerpt: 'b' }],
  };
  const t = new ArrayPacketTable([outer, second, oneLine]);
  // lines 1-3 of the parsed text are file lines 101-103; lines 4 and 5 are two pieces of file line 50
  const at = (l: number) =>
    l >= 1000
      ? undefined
      : l === 4
        ? { line: 50, column: 0 }
        : l === 5
          ? { line: 50, column: 30 }
          : { line: l + 100, column: l === 2 ? 17 : 0 };
  t.remapLines(at);
  assert.deepEqual(outer.evidence[0], { source: 'log', uri: 'f', line: 101, endLine: 103, excerpt: 'a' });
  assert.deepEqual(
    shared,
    { source: 'log', uri: 'f', line: 102, column: 18, excerpt: 'x' },
    'moved once although two packets hold it',
  );
  assert.equal(second.evidence[1].line, 2000, 'a line outside the map stays');
  assert.deepEqual(
    oneLine.evidence[0],
    { source: 'log', uri: 'f', line: 50, excerpt: 'b' },
    'pieces of one file line: no end line',
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => t.lineOf(i)),
    [101, 102, 50],
  );
});
