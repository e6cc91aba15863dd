import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { packFacts } from '../../../src/ingest/factTransfer';
import { SegmentedPackets } from '../../../src/ingest/tcpdump/columns/segmentedPackets';
import { pieceSize } from '../../../src/ingest/tcpdump/segments';
import { CONVERSATION_ROWS, conversationWindow } from '../../../src/editor/hover/conversation.pure';
import { HeldDocuments } from '../../../src/editor/worker/heldDocuments.pure';
import type { TextChange } from '../../../src/editor/worker/protocol.pure';
import { partitionPoint } from '../../../src/model';
import { manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { random, readable } from '../../support/lineEdits';
import { repeatedCapture } from '../../support/largeLab';

// A long capture made of the real lab session's packets (test/support/largeLab.ts), read in pieces
// of 40 packets, edited the way an editor sends edits; every hover after an edit must say what a
// worker that parsed the edited text afresh says.
const LAB = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');
const MANIFESTS = readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8');
const URI = 'file:///lab/capture.log';

function holding(text: string, prepared = false): HeldDocuments {
  const held = new HeldDocuments();
  held.hold(URI, 1, text, parseDocument(text, URI));
  if (prepared) held.prepare(URI);
  const manifests = packFacts(manifestFacts(MANIFESTS, 'file:///lab/cluster.yaml').facts, { transfer: false }).packed;
  held.setContext([{ facts: manifests, cacheAs: 1 }, { held: URI }]);
  return held;
}

/** The text after one change (line and character positions in the text before it). */
function applied(text: string, change: TextChange): string {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  const offset = (line: number, character: number) => Math.min(starts[line] + character, text.length);
  return (
    text.slice(0, offset(change.startLine, change.startCharacter)) +
    change.text +
    text.slice(offset(change.endLine, change.endCharacter))
  );
}

for (const prepared of [false, true])
  test(`hovers after edits of a held capture read in pieces say what a fresh parse says${prepared ? ' (cut ahead)' : ''}`, () => {
    const rows = pieceSize.rows;
    pieceSize.rows = 40;
    try {
      let text = repeatedCapture(LAB, 60_000);
      const held = holding(text, prepared);
      const lines = () => text.split('\n');
      const packetLines = lines()
        .map((line, k) => (/^\d\d:\d\d:\d\d\.\d{6} .* IP /.test(line) ? k : -1))
        .filter((k) => k >= 0);
      const middle = packetLines[Math.floor(packetLines.length / 2)];
      const copy = lines()[middle];
      const edits: [string, TextChange][] = [
        [
          'a packet line copied above itself',
          { startLine: middle, startCharacter: 0, endLine: middle, endCharacter: 0, text: `${copy}\n` },
        ],
        [
          'a space typed at a line start',
          { startLine: middle + 40, startCharacter: 0, endLine: middle + 40, endCharacter: 0, text: ' ' },
        ],
        [
          'a digit changed',
          { startLine: middle - 30, startCharacter: 10, endLine: middle - 30, endCharacter: 11, text: '7' },
        ],
        [
          'two lines deleted',
          { startLine: middle + 90, startCharacter: 0, endLine: middle + 92, endCharacter: 0, text: '' },
        ],
        [
          'a line joined to the next',
          {
            startLine: middle + 5,
            startCharacter: lines()[middle + 5].length,
            endLine: middle + 6,
            endCharacter: 0,
            text: ' ',
          },
        ],
      ];
      let version = 1;
      let inPlace = 0;
      let spoken = 0;
      for (const [what, change] of edits) {
        const capture = held.factsOf([{ held: URI }])[0].find((fact) => fact.kind === 'Capture');
        text = applied(text, change);
        const edited = held.edit(URI, { from: version, version: version + 1, events: [[change]], length: text.length });
        version++;
        assert.ok(edited, what);
        // as the extension host does after each edit: the same sources again, the manifests by number
        held.setContext([{ cached: 1 }, { held: URI }]);
        const after = edited.doc.facts.find((fact) => fact.kind === 'Capture');
        if (after === capture && after?.kind === 'Capture' && after.packets instanceof SegmentedPackets) inPlace++;
        const fresh = holding(text);
        const now = lines();
        for (const line of [middle - 31, middle, middle + 1, middle + 6, middle + 41, middle + 200]) {
          const place = { line: line + 1, character: 20, lineText: now[line] };
          const said = held.hover(URI, version, place);
          assert.deepEqual(said, fresh.hover(URI, 1, place), `${what}: line ${line + 1}`);
          if (said && said.length > 1) spoken++;
        }
      }
      assert.ok(spoken >= 20, `${spoken} hovers said something`);
      assert.ok(inPlace >= 4, `${inPlace} edits were read into the same capture`);
    } finally {
      pieceSize.rows = rows;
    }
  });

// with windows of 3 × 8 rows, an address set's rows make many windows: those before an edit keep theirs
for (const windowRows of [CONVERSATION_ROWS, 8])
  test(`hovers after runs of edits, with the conversations correlated before them carried over, say what a fresh parse says (windows of ${3 * windowRows} rows)`, () => {
    const rows = pieceSize.rows;
    pieceSize.rows = 40;
    conversationWindow.rows = windowRows;
    try {
      // the lab's packets all touch one pod: in the second half that pod and its peers have other
      // addresses, so that an edit in one half leaves the other half's conversations as they were
      const lab = repeatedCapture(LAB, 60_000).split('\n');
      const half = lab.length >> 1;
      const other = (line: string) =>
        line.replace(/\b10\.(?<net>244|96|103)\./g, (_, net: string) => `10.${Number(net) + 1}.`);
      let text = [...lab.slice(0, half), ...lab.slice(half).map(other)].join('\n');
      // as in the editor: hovers on the capture read whole, then it is cut into pieces, then edited
      const held = holding(text);
      const pick = random(19);
      const packetLines = () =>
        text
          .split('\n')
          .map((line, k) => (/^\d\d:\d\d:\d\d\.\d{6} .* IP /.test(line) ? k : -1))
          .filter((k) => k >= 0);
      // lines hovered after each run: spread over the capture (most in pieces no edit touches), and where the edits go
      const spread = packetLines().filter((_, k, all) => k % Math.floor(all.length / 12) === 5);
      let version = 1;
      let carried = 0;
      let blanks = 0;
      let spoken = 0;
      for (let run = 0; run < 12; run++) {
        const now = text.split('\n');
        const near = Array.from({ length: 4 }, () => packetLines()[pick(spread.length * 3)]);
        // small windows: every packet line, so that every window is kept and checked after the next edits
        const hovered = windowRows < CONVERSATION_ROWS ? [...packetLines(), ...near] : [...spread, ...near];
        const fresh = holding(text);
        for (const line of hovered) {
          const place = { line: line + 1, character: 20, lineText: now[line] };
          const said = held.hover(URI, version, place);
          assert.deepEqual(said, fresh.hover(URI, 1, place), `run ${run}: line ${line + 1}`);
          if (said && said.length > 1) spoken++;
        }
        if (run > 0) carried += held.hoverWindows(URI)!.carried;
        if (run === 0) held.prepare(URI);
        // one to three edits before the next hovers, near a hovered line or anywhere
        for (let edit = 0, edits = 1 + pick(3); edit < edits; edit++) {
          const packets = packetLines();
          const at = pick(2) === 0 ? hovered[pick(hovered.length)] + pick(5) - 2 : packets[pick(packets.length)];
          const lines = text.split('\n');
          const kind = pick(6);
          // Enter at a line's end (a blank line, read in place), or the nearest blank line removed
          const blank = lines.findIndex((line, k) => k >= at && !line.trim());
          const change: TextChange =
            kind === 4
              ? {
                  startLine: at,
                  startCharacter: lines[at].length,
                  endLine: at,
                  endCharacter: lines[at].length,
                  text: '\n',
                }
              : kind === 5 && blank > 0
                ? {
                    startLine: blank - 1,
                    startCharacter: lines[blank - 1].length,
                    endLine: blank,
                    endCharacter: lines[blank].length,
                    text: '',
                  }
                : kind === 0
                  ? { startLine: at, startCharacter: 0, endLine: at, endCharacter: 0, text: `${lines[at]}\n` }
                  : kind === 1
                    ? { startLine: at, startCharacter: 0, endLine: at + 1 + pick(2), endCharacter: 0, text: '' }
                    : kind === 2
                      ? { startLine: at, startCharacter: 12, endLine: at, endCharacter: 13, text: String(pick(10)) }
                      : { startLine: at, startCharacter: 0, endLine: at, endCharacter: 0, text: ' ' };
          text = applied(text, change);
          const capture = held.factsOf([{ held: URI }])[0].find((fact) => fact.kind === 'Capture');
          const edited = held.edit(URI, {
            from: version,
            version: version + 1,
            events: [[change]],
            length: text.length,
          });
          version++;
          assert.ok(edited, `run ${run}, edit ${edit}`);
          const sameCapture = edited.doc.facts.find((fact) => fact.kind === 'Capture') === capture;
          if ((kind === 4 || (kind === 5 && blank > 0)) && sameCapture) blanks++;
          held.setContext([{ cached: 1 }, { held: URI }]);
          // as the worker does after an edit, in every other run: where the text changed and the last
          // hover worked out ahead, a place at a time (in some runs the next edit comes before the last)
          if (run % 2 === 1) while (held.rehover(URI) && pick(4) > 0);
        }
      }
      assert.ok(spoken >= 100, `${spoken} hovers said something`);
      assert.ok(carried >= 10, `${carried} windows were carried over an edit`);
      assert.ok(blanks >= 3, `${blanks} blank lines were typed or removed in place`);
    } finally {
      pieceSize.rows = rows;
      conversationWindow.rows = CONVERSATION_ROWS;
    }
  });

test('edits across the chunks a held text is kept in (256 K characters) give the text the editor has', () => {
  let text = repeatedCapture(LAB, 700_000);
  const held = holding(text, true);
  const pick = random(7);
  let version = 1;
  for (let step = 0; step < 8; step++) {
    const starts = [0];
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    const lineOf = (offset: number) => partitionPoint(starts.length, (line) => starts[line] <= offset) - 1;
    // a span around a chunk's border (or anywhere), replaced by a piece of the text from elsewhere
    const around = step % 2 === 0 ? (1 + (step % 3)) * 262_144 - pick(200) : pick(text.length - 500);
    const from = Math.min(around, text.length - 1);
    const to = Math.min(text.length, from + pick(400));
    const source = pick(text.length - 300);
    const change: TextChange = {
      startLine: lineOf(from),
      startCharacter: from - starts[lineOf(from)],
      endLine: lineOf(to),
      endCharacter: to - starts[lineOf(to)],
      text: text.slice(source, source + pick(300)),
    };
    text = applied(text, change);
    const edited = held.edit(URI, { from: version, version: version + 1, events: [[change]], length: text.length });
    version++;
    assert.ok(edited, `step ${step}: the worker's text has the editor's length`);
    assert.deepEqual(readable(edited.doc), readable(parseDocument(text, URI)), `step ${step}`);
  }
});
