import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ArrayPacketTable, packetsOf, type Capture, type Packet, type PacketTable } from '../../../src/model';
import { parseTcpdump, tcpdumpFormat } from '../../../src/ingest/tcpdump';
import { remapResult, unflattenBlock } from '../../../src/ingest/transcript/lineMap';
import type { ParseResult } from '../../../src/ingest/types';

const SEED = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
const seed = readFileSync(SEED, 'utf8').split('\n');

test("remapResult on a flattened capture: the capture and every packet (and inner frame) point at the file's lines and columns", () => {
  // two flattened captures of the seed report, pasted as lines 500 and 501 of a file
  const file = [...Array(499).fill(''), seed[263], seed[267]];
  const flat = unflattenBlock(tcpdumpFormat, file.slice(499), 500);
  assert.ok(flat.map && flat.text, 'the lines were split');
  const r = parseTcpdump({ text: flat.text, uri: 'paste.txt', firstLine: 1 });
  remapResult(r, flat.map, 'paste.txt');
  assert.equal(r.facts.length, 1);
  const cap = r.facts[0] as Capture;
  assert.equal(cap.evidence[0].line, 500);
  assert.equal(cap.evidence[0].endLine, 501);
  const ps = packetsOf(r.facts);
  const alone = (line: number) => packetsOf(parseTcpdump({ text: seed[line - 1], uri: 'seed' }).facts).length;
  assert.equal(ps.length, alone(264) + alone(268), 'the same packets as each line parsed alone');
  assert.deepEqual([...new Set(ps.map((p) => p.evidence[0].line))], [500, 501]);
  for (const [k, p] of ps.entries()) {
    const e = p.evidence[0];
    assert.equal(e.endLine, undefined, 'one file line');
    assert.ok(
      file[e.line! - 1].slice((e.column ?? 1) - 1).startsWith(p.time!),
      `packet ${k}: column ${e.column} is where it starts on line ${e.line}`,
    );
    assert.equal(cap.packets.lineOf(k), e.line);
  }
  const first = ps[0].evidence[0];
  assert.ok(
    file[499].slice((cap.evidence[0].column ?? 1) - 1).startsWith(ps[0].time!),
    'the capture starts where its first packet does',
  );
  assert.equal(cap.evidence[0].column, first.column);
});

test('remapResult moves a capture through its table and never walks into the table object', () => {
  const packets: Packet[] = [
    { kind: 'Packet', network: 'ip', protocol: 'icmp', evidence: [{ source: 'log', uri: 'u', line: 1, excerpt: 'a' }] },
    { kind: 'Packet', network: 'ip', protocol: 'icmp', evidence: [{ source: 'log', uri: 'u', line: 2, excerpt: 'b' }] },
  ];
  let remaps = 0;
  let columnReads = 0;
  const inner = new ArrayPacketTable(packets);
  // a table as the columnar store has it: big enumerable columns a generic walk would visit
  const table: PacketTable & { readonly column: Int32Array } = {
    get size() {
      return inner.size;
    },
    packet: (i) => inner.packet(i),
    all: () => inner.all(),
    lineOf: (i) => inner.lineOf(i),
    timeOf: (i) => inner.timeOf(i),
    touching: (ips) => inner.touching(ips),
    firstMssSyn: () => inner.firstMssSyn(),
    onInterface: (name, near, max) => inner.onInterface(name, near, max),
    remapLines: (at) => {
      remaps++;
      inner.remapLines(at);
    },
    get column() {
      columnReads++;
      return new Int32Array(8);
    },
  };
  const cap: Capture = {
    kind: 'Capture',
    evidence: [{ source: 'log', uri: 'u', line: 1, endLine: 2, excerpt: 'tcpdump capture: 2 packets' }],
    packets: table,
  };
  const result: ParseResult = { format: 'tcpdump', facts: [cap], records: 2, unparsed: [{ line: 2, reason: 'r' }] };
  remapResult(
    result,
    [
      { line: 7, column: 0 },
      { line: 7, column: 40 },
    ],
    'u',
  );
  assert.equal(remaps, 1);
  assert.equal(columnReads, 0, 'the table object was not walked');
  assert.deepEqual(cap.evidence[0], { source: 'log', uri: 'u', line: 7, excerpt: 'tcpdump capture: 2 packets' });
  assert.deepEqual(
    packets.map((p) => [p.evidence[0].line, p.evidence[0].column]),
    [
      [7, undefined],
      [7, 41],
    ],
  );
  assert.deepEqual(result.unparsed, [{ line: 7, reason: 'r' }]);
});
