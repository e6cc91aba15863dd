import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import type { Capture, PacketTable } from '../../../src/model';
import { parseDocument, type DocumentResult } from '../../../src/ingest/document';
import { cutIntoPieces, editedLines, reparseEdited } from '../../../src/ingest/documentEdit';
import { apply, lineChange, random, readable, type Change } from '../../support/lineEdits';
import { packFacts, unpackFacts } from '../../../src/ingest/factTransfer';
import { CHUNK_SIZE } from '../../../src/ingest/tcpdump/columns/chunk';
import { PacketColumns } from '../../../src/ingest/tcpdump/columns/packetColumns';
import { scanCapture } from '../../../src/ingest/tcpdump/columns/scanCapture';
import { RowWindow, SegmentedPackets } from '../../../src/ingest/tcpdump/columns/segmentedPackets';
import { pieceSize, scanPieces } from '../../../src/ingest/tcpdump/segments';

// Real captures (test/fixtures/tcpdump/README.md names the commands): -v records over several
// lines, VXLAN packets with their inner frame, -e link headers, header and trailer lines.
const FIXTURES = ['any-v.txt', 'vxlan-8472-v.txt', 'any-e.txt', 'vxlan-4789.txt', 'any-vv.txt', 'any-nn.txt'];
const URI = 'file:///capture.log';

/** The fixtures' lines one after the other, blank lines left out: one capture of about 900 lines. */
function captureLines(): string[] {
  const out: string[] = [];
  for (const name of FIXTURES)
    for (const line of readFileSync(`test/fixtures/tcpdump/${name}`, 'utf8').split('\n'))
      if (line.trim()) out.push(line);
  return out;
}

/** The first capture read in pieces (undefined when there is none). */
function piecesOf(doc: DocumentResult): SegmentedPackets | undefined {
  return tablesOf(doc)[0];
}

/** The tables of the captures read in pieces. */
function tablesOf(doc: DocumentResult): SegmentedPackets[] {
  const out: SegmentedPackets[] = [];
  for (const fact of doc.facts)
    if (fact.kind === 'Capture' && fact.packets instanceof SegmentedPackets) out.push(fact.packets);
  return out;
}

/** The first capture of a document cut into pieces as an edit cuts it (windows on its table); undefined when not cut. */
function cut(doc: DocumentResult): SegmentedPackets | undefined {
  cutIntoPieces(doc);
  return piecesOf(doc);
}

/** 0-based lines where a piece starts (after the first). */
function borders(doc: DocumentResult): number[] {
  return (piecesOf(doc) ?? cut(doc))?.segments.slice(1).map((piece) => piece.firstLine - 1) ?? [];
}

/** What a table holds: its packets and their lines. */
const rowsOf = (table: PacketTable) => ({
  packets: table.all(),
  lines: table.all().map((_, i) => table.lineOf(i)),
});

/** Edits of many kinds: line deletes (also across piece borders), copies of other lines, changed digits, odd lines. */
function randomChange(lines: string[], doc: DocumentResult, pick: (n: number) => number): Change {
  const cuts = borders(doc);
  const at = pick(3) === 0 && cuts.length > 0 ? Math.max(0, cuts[pick(cuts.length)] - pick(3)) : pick(lines.length);
  const kind = pick(12);
  if (kind < 3) return lineChange(lines, at, kind, pick);
  switch (kind) {
    case 9:
      // a blank line and a paragraph of prose, or of spaces and packets
      return pick(2)
        ? { startLine: at, endLine: at, text: '\n' + 'this line is not tcpdump output\n'.repeat(1 + pick(3)) }
        : { startLine: at, endLine: at, text: `  \n${lines[at] ?? ''}\n` };
    case 11:
      // a run of prose without a blank line (lines the capture reports): a blank line above it later makes it a paragraph
      return { startLine: at, endLine: at, text: 'this line is not tcpdump output\n'.repeat(40 + pick(30)) };
    case 10: {
      // the nearest blank line after `at` removed (paragraphs join), or Enter at a line's end
      const blank = lines.findIndex((line, k) => k >= at && !line.trim());
      return blank >= 0
        ? { startLine: blank, endLine: blank + 1, text: '' }
        : { startLine: at, endLine: Math.min(lines.length, at + 1), text: `${lines[at] ?? ''}\n\n` };
    }
    case 8:
      // a space typed at the line's start: a packet line's stamp after a space reads as -ttt's
      return { startLine: at, endLine: Math.min(lines.length, at + 1), text: ` ${lines[at] ?? ''}\n` };
    case 3:
      return {
        startLine: at,
        endLine: at,
        text: 'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n',
      };
    case 4:
      return { startLine: at, endLine: at, text: 'this line is not tcpdump output\n' };
    case 5:
      // a continuation line with no packet: it joins the packet before, or is reported
      return { startLine: at, endLine: at, text: '    10.244.0.5.80 > 10.244.1.3.43210: Flags [.], ack 1, win 502\n' };
    case 6:
      return { startLine: at, endLine: at, text: pick(2) ? '\n' : 'root@node1:/# iptables-save -t nat\n' };
    default:
      // the line joined with the next one: a packet line loses its end
      return {
        startLine: at,
        endLine: Math.min(lines.length, at + 2),
        text: (lines[at] ?? '') + (lines[at + 1] ?? '') + '\n',
      };
  }
}

test('a large capture cut into pieces (windows on its table, or read piece by piece) answers as the table', () => {
  const text = captureLines().join('\n');
  const rows = pieceSize.rows;
  try {
    pieceSize.rows = 7;
    const doc = parseDocument(text, URI);
    const whole = (doc.facts[0] as Capture).packets as PacketColumns;
    assert.ok(whole instanceof PacketColumns, 'a capture is read whole');
    const windows = cut(doc)!;
    const scanned = scanPieces(whole.text, URI, doc.blocks[0].startLine, {
      linesCut: true,
      deltas: undefined,
      atLeast: 2,
    });
    assert.ok(scanned && scanned !== 'flattened');
    const read = new SegmentedPackets(scanned.pieces);
    assert.ok(windows.segments.length > 50, `${windows.segments.length} pieces`);
    assert.deepEqual(windows.segments.length, read.segments.length);
    for (const table of [windows, read]) {
      assert.deepEqual(rowsOf(table), rowsOf(whole));
      const ips = new Set(['10.244.0.54', '192.168.50.2']);
      assert.deepEqual(table.touching(ips), whole.touching(ips));
      const list = table.touchingList(ips);
      assert.deepEqual(list.slice(0, list.length), whole.touching(ips));
      assert.deepEqual(list.slice(3, 11), whole.touching(ips).slice(3, 11));
      assert.equal(list.at(list.length - 1), whole.touching(ips).at(-1));
      assert.equal(table.firstMssSyn(), whole.firstMssSyn());
      for (const near of [0, 37, 200, table.size - 1])
        assert.deepEqual(table.onInterface('eth1', near, 25), whole.onInterface('eth1', near, 25), `near ${near}`);
      assert.equal(table.packet(100), table.packet(100), 'a row gives the same object every time');
      // many rows at once (a trace's): the objects `packet` gives, rows of one piece, the next, far apart
      const every = Array.from({ length: table.size }, (_, row) => row);
      const sparse = every.filter((row) => row % 13 === 0 || row % 7 === 1);
      for (const rows of [every, sparse, [0, table.size - 1], [table.size - 1], []]) {
        const packets = table.packetsOf(rows);
        assert.equal(packets.length, rows.length);
        assert.ok(
          packets.every((packet, k) => packet === table.packet(rows[k])),
          `rows ${rows.slice(0, 5).join(' ')}`,
        );
      }
    }
    assert.equal(windows.packet(100), whole.packet(100), 'a window gives the packets of the table');
    assert.deepEqual(
      windows.segments.map(({ table, ...where }) => ({ ...where, size: table.size })),
      read.segments.map(({ table, ...where }) => ({ ...where, size: table.size })),
    );
  } finally {
    pieceSize.rows = rows;
  }
});

test('every real capture reads the same piece by piece as read whole (-A, -ttt, -#, -x …)', () => {
  const rows = pieceSize.rows;
  try {
    pieceSize.rows = 3;
    let pieces = 0;
    for (const name of readdirSync('test/fixtures/tcpdump').filter((file) => file.endsWith('.txt'))) {
      const text = readFileSync(`test/fixtures/tcpdump/${name}`, 'utf8').replace(/\n+$/, '');
      const whole = scanCapture(text, URI, 1, { linesCut: true });
      const read = scanPieces(text, URI, 1, { linesCut: true, deltas: undefined, atLeast: 2 });
      assert.ok(whole !== 'flattened' && read !== 'flattened');
      if (!read) continue;
      pieces++;
      assert.deepEqual(rowsOf(new SegmentedPackets(read.pieces)), rowsOf(whole.table), name);
      assert.deepEqual([read.records, read.unparsed], [whole.records, whole.unparsed], name);
      const doc = parseDocument(text, URI);
      const windows = cut(doc);
      if (doc.blocks.length === 1 && windows) assert.deepEqual(rowsOf(windows), rowsOf(whole.table), name);
    }
    assert.ok(pieces >= 15, `${pieces} captures were cut`);
  } finally {
    pieceSize.rows = rows;
  }
});

test('random edits of a capture read in pieces: each re-read equals a full parse, and most read one piece', () => {
  const rows = pieceSize.rows;
  pieceSize.rows = 7;
  let inPlace = 0;
  let edits = 0;
  try {
    for (let seed = 1; seed <= 8; seed++) {
      const pick = random(seed);
      let lines = captureLines();
      let doc: DocumentResult & { inPlace?: true } = parseDocument(lines.join('\n'), URI);
      for (let step = 0; step < 25; step++) {
        const change = randomChange(lines, doc, pick);
        lines = apply(lines, change);
        const text = lines.join('\n');
        const kept = new Map(tablesOf(doc).map((table) => [table, table.segments.map((piece) => piece.table)]));
        doc = reparseEdited(doc, text, editedLines([change])!);
        edits++;
        if (doc.inPlace) inPlace++;
        for (const table of tablesOf(doc)) {
          const before = kept.get(table);
          const now = table.segments.map((piece) => piece.table);
          if (before)
            assert.ok(
              now.filter((piece) => before.includes(piece)).length >= now.length - 4,
              'the pieces the edit did not touch are kept',
            );
        }
        assert.deepEqual(readable(doc), readable(parseDocument(text, URI)), `seed ${seed}, step ${step}`);
      }
    }
  } finally {
    pieceSize.rows = rows;
  }
  assert.ok(inPlace > edits / 2, `${inPlace} of ${edits} edits read only the pieces they touched`);
});

test('edits at the first line, a piece border, inside a -v record and a VXLAN frame, across a border', () => {
  const rows = pieceSize.rows;
  pieceSize.rows = 7;
  try {
    const lines = captureLines();
    const text = lines.join('\n');
    const doc = parseDocument(text, URI);
    const border = borders(doc)[20];
    const verbose = lines.findIndex((line, k) => k > 60 && /^\s+\S/.test(line));
    const inner = lines.findIndex((line) => /^ARP, Ethernet/.test(line));
    const cases: [string, Change, boolean][] = [
      // in the head the format is sniffed from: read in place while it still reads as tcpdump
      ['the first line', { startLine: 0, endLine: 1, text: 'tcpdump: listening on eth9\n' }, true],
      ['a line of the head', { startLine: 9, endLine: 10, text: lines[9].replace(/\d/, '7') + '\n' }, true],
      ['a head of prose', { startLine: 0, endLine: 40, text: 'this line is not tcpdump output\n'.repeat(40) }, false],
      ['a border line', { startLine: border, endLine: border + 1, text: '' }, true],
      ['above a border', { startLine: border, endLine: border, text: 'garbage\n' }, true],
      ['a -v line', { startLine: verbose, endLine: verbose + 1, text: lines[verbose].replace(/\d/, '7') + '\n' }, true],
      ['an inner frame', { startLine: inner, endLine: inner + 1, text: '' }, true],
      ['across a border', { startLine: border - 2, endLine: border + 3, text: '' }, true],
      // a blank line inside the capture: the paragraph after it still reads as tcpdump, so the block goes on
      ['a blank line', { startLine: border + 2, endLine: border + 2, text: '\n' }, true],
      ['a line of spaces', { startLine: border + 2, endLine: border + 3, text: '   \n' }, true],
      ['a blank line in the head', { startLine: 5, endLine: 5, text: '\n' }, true],
      ['two blank lines at a border', { startLine: border, endLine: border, text: '\n\n' }, true],
      // ... a line of prose among the packets too; a paragraph of prose does not
      [
        'a blank line, then prose',
        { startLine: border + 2, endLine: border + 2, text: '\nthis is not tcpdump\n' },
        true,
      ],
      [
        'prose after a blank line',
        { startLine: border + 2, endLine: border + 2, text: '\n' + 'no packet here\n'.repeat(60) },
        false,
      ],
      ['a blank last line', { startLine: lines.length - 1, endLine: lines.length, text: '\n' }, false],
    ];
    for (const [what, change, inPieces] of cases) {
      const after = apply(lines, change).join('\n');
      const edited = reparseEdited(parseDocument(text, URI), after, editedLines([change])!);
      assert.equal(edited.inPlace === true, inPieces, what);
      assert.deepEqual(readable(edited), readable(parseDocument(after, URI)), what);
    }
  } finally {
    pieceSize.rows = rows;
  }
});

test('edits above whole column chunks move them at once; they read as a full parse, also once sent', () => {
  const rows = pieceSize.rows;
  pieceSize.rows = 500;
  try {
    const fixture = captureLines();
    let lines: string[] = [];
    while (lines.length < 5 * CHUNK_SIZE) lines = lines.concat(fixture);
    let doc: DocumentResult & { inPlace?: true } = parseDocument(lines.join('\n'), URI);
    const whole = (doc.facts[0] as Capture).packets;
    assert.ok(whole instanceof PacketColumns && whole.size > 2 * CHUNK_SIZE, `${whole.size} rows`);
    // every other packet built before the edits: their evidence moves with their rows, the others are built after
    for (let row = 0; row < whole.size; row += 2) whole.packet(row);
    const pick = random(5);
    for (let step = 0; step < 3; step++) {
      const change = lineChange(lines, 100 + pick(2000), step, pick);
      lines = apply(lines, change);
      const text = lines.join('\n');
      doc = reparseEdited(doc, text, editedLines([change])!);
      assert.ok(doc.inPlace, `step ${step} read in place`);
      const fresh = parseDocument(text, URI);
      assert.deepEqual(readable(doc), readable(fresh), `step ${step}`);
      const sent = (unpackFacts(packFacts(doc.facts, { transfer: false }).packed, text)[0] as Capture).packets;
      const read = (fresh.facts[0] as Capture).packets;
      const sample = Array.from({ length: Math.floor(read.size / 97) }, (_, k) => k * 97);
      assert.deepEqual(
        sample.map((row) => [sent.lineOf(row), sent.packet(row)]),
        sample.map((row) => [read.lineOf(row), read.packet(row)]),
        `step ${step}: sent`,
      );
    }
    const last = (doc.facts[0] as Capture).packets as SegmentedPackets;
    const window = last.segments[last.segments.length - 1].table;
    assert.ok(
      window instanceof RowWindow && window.base === whole,
      'the later rows are still windows on the table read first',
    );
  } finally {
    pieceSize.rows = rows;
  }
});
