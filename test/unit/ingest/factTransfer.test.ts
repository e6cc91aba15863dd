import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { packetsOf, type Capture, type Fact } from '../../../src/model';
import { parseDocument, type DocumentResult } from '../../../src/ingest/document';
import { packDocument, unpackDocument } from '../../../src/ingest/factTransfer';
import { PacketColumns } from '../../../src/ingest/tcpdump/columns/packetColumns';
import { SegmentedPackets } from '../../../src/ingest/tcpdump/columns/segmentedPackets';
import { pieceSize } from '../../../src/ingest/tcpdump/segments';

// Every real document the tests hold with a capture in it: lab sessions, the seed report (flattened
// lines, whose capture text is not a piece of the document), VXLAN and -v captures.
const FILES = [
  ...readdirSync('test/fixtures/lab')
    // every lab transcript that holds a capture (c7's node files hold only `conntrack -L`)
    .filter((name) => name.endsWith('.txt') && readFileSync(`test/fixtures/lab/${name}`, 'utf8').includes('tcpdump'))
    .map((name) => `test/fixtures/lab/${name}`),
  'test/fixtures/seed/flannel-network-flows-part1.ko.txt',
  'test/fixtures/tcpdump/vxlan-8472.txt',
  'test/fixtures/tcpdump/any-vv.txt',
];

/** A document with each capture's table as its packets and lines. */
function readable(doc: DocumentResult): unknown {
  const table = (fact: Fact) =>
    fact.kind === 'Capture'
      ? {
          ...fact,
          packets: fact.packets.all(),
          lines: fact.packets.all().map((_, i) => fact.packets.lineOf(i)),
        }
      : fact;
  return {
    ...doc,
    blocks: doc.blocks.map((b) => ({ ...b, result: { ...b.result, facts: b.result.facts.map(table) } })),
    facts: doc.facts.map(table),
  };
}

for (const file of FILES) {
  test(`${file}: a parsed document sent to another thread (buffers transferred) reads back the same`, () => {
    const text = readFileSync(file, 'utf8');
    const expected = parseDocument(text, file);
    const { packed, transfer } = packDocument(parseDocument(text, file), text, { transfer: true });
    // what postMessage does: the structured clone, with the columns' buffers moved, not copied
    const received = unpackDocument(structuredClone(packed, { transfer }), text);
    // the tables' lookup state differs (a received table is never scanned again): compare what they hold
    assert.deepEqual(readable(received), readable(expected));
    const captures = received.facts.filter((f): f is Capture => f.kind === 'Capture');
    assert.ok(captures.length > 0, 'the document has a capture');
    for (const capture of captures) assert.ok(capture.packets instanceof PacketColumns);
    const ips = new Set(['10.244.0.147', '10.244.1.2', '10.96.0.10']);
    const before = expected.facts.filter((f): f is Capture => f.kind === 'Capture');
    captures.forEach((capture, k) => {
      assert.deepEqual(capture.packets.touching(ips), before[k].packets.touching(ips));
      assert.equal(capture.packets.firstMssSyn(), before[k].packets.firstMssSyn());
    });
    assert.deepEqual(packetsOf(received.facts), packetsOf(expected.facts));
  });
}

test('a capture whose text is a piece of the document crosses without its text', () => {
  const file = 'test/fixtures/lab/a2-pod-to-service.txt';
  const text = readFileSync(file, 'utf8');
  const { packed } = packDocument(parseDocument(text, file), text, { transfer: false });
  const sent = packed.blocks.flatMap((b) => b.result.facts.facts).filter((f) => f.kind === 'Capture');
  assert.ok(sent.length > 0);
  for (const capture of sent) {
    const where = (capture.packets as { columns: { text: object } }).columns.text;
    assert.ok('offset' in where, JSON.stringify(where));
  }
});

test('a capture read in pieces crosses piece by piece, each without its text, and reads back the same', () => {
  const file = 'test/fixtures/tcpdump/any-v.txt';
  const text = readFileSync(file, 'utf8');
  const rows = pieceSize.rows;
  try {
    pieceSize.rows = 10;
    const expected = parseDocument(text, file);
    const { packed, transfer } = packDocument(parseDocument(text, file), text, { transfer: true });
    const sent = packed.blocks.flatMap((b) => b.result.facts.facts).filter((f) => f.kind === 'Capture');
    const pieces = (sent[0].packets as { pieces: { columns: { text: object } }[] }).pieces;
    assert.ok(pieces.length > 5, `${pieces.length} pieces`);
    for (const piece of pieces) assert.ok('offset' in piece.columns.text, JSON.stringify(piece.columns.text));
    const received = unpackDocument(structuredClone(packed, { transfer }), text);
    assert.deepEqual(readable(received), readable(expected));
    const capture = received.facts.find((f): f is Capture => f.kind === 'Capture')!;
    assert.ok(capture.packets instanceof SegmentedPackets);
    assert.equal(capture.packets.segments.length, pieces.length);
    const ips = new Set(['10.244.0.54', '10.244.0.53']);
    const before = expected.facts.find((f): f is Capture => f.kind === 'Capture')!;
    assert.deepEqual(capture.packets.touching(ips), before.packets.touching(ips));
  } finally {
    pieceSize.rows = rows;
  }
});
