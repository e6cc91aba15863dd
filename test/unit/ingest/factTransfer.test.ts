import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { packetsOf, type Capture, type Fact } from '../../../src/model';
import { parseDocument, type DocumentResult } from '../../../src/ingest/document';
import { editedLines, reparseEdited } from '../../../src/ingest/documentEdit';
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

test('a capture cut into pieces by an edit crosses piece by piece and reads back as a parse of the edited text', () => {
  const file = 'test/fixtures/tcpdump/any-v.txt';
  const lines = readFileSync(file, 'utf8').split('\n');
  const rows = pieceSize.rows;
  try {
    pieceSize.rows = 10;
    // a digit changed in the middle: the capture is cut into windows on its table, one piece read again
    const at = lines.findIndex((line, k) => k > 150 && /^\d\d:/.test(line));
    const changed = [...lines];
    changed[at] = changed[at].replace(/\.\d{6} /, '.000001 ');
    const text = changed.join('\n');
    const edited = reparseEdited(
      parseDocument(lines.join('\n'), file),
      text,
      editedLines([{ startLine: at, endLine: at + 1, text: `${changed[at]}\n` }])!,
    );
    assert.ok(edited.inPlace, 'the edit was read in place');
    const table = (edited.facts.find((f) => f.kind === 'Capture') as Capture).packets as SegmentedPackets;
    assert.ok(
      table.segments.some((piece) => piece.table instanceof PacketColumns),
      'a piece of its own',
    );
    assert.ok(
      table.segments.some((piece) => !(piece.table instanceof PacketColumns)),
      'windows on the table',
    );
    const { packed, transfer } = packDocument(edited, text, { transfer: true });
    const sent = packed.blocks.flatMap((b) => b.result.facts.facts).filter((f) => f.kind === 'Capture');
    const pieces = (sent[0].packets as { pieces: { columns?: { text: object } }[] }).pieces;
    for (const piece of pieces) if (piece.columns) assert.ok('offset' in piece.columns.text, 'sent as where it is');
    const received = unpackDocument(structuredClone(packed, { transfer }), text);
    const expected = parseDocument(text, file);
    assert.deepEqual(
      (readable(received) as { blocks: unknown }).blocks,
      (readable(expected) as { blocks: unknown }).blocks,
    );
    const capture = received.facts.find((f): f is Capture => f.kind === 'Capture')!;
    assert.ok(capture.packets instanceof SegmentedPackets);
    const ips = new Set(['10.244.0.54', '10.244.0.53']);
    const before = expected.facts.find((f): f is Capture => f.kind === 'Capture')!;
    assert.deepEqual(capture.packets.touching(ips), before.packets.touching(ips));
  } finally {
    pieceSize.rows = rows;
  }
});
