// The parse worker builds the packets of a held capture ahead of a trace (PacketsAhead): a trace
// then reads the objects built ahead, and must say exactly what a trace of the same text parsed
// afresh says (the whole result as JSON), before and after edits read the capture in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { pieceSize } from '../../../src/ingest/tcpdump/segments';
import { trace } from '../../../src/flow';
import type { Capture, Fact } from '../../../src/model';
import { HeldDocuments } from '../../../src/editor/worker/heldDocuments.pure';
import { PacketsAhead, ROWS_PER_SLICE } from '../../../src/editor/worker/packetsAhead.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { repeatedCapture } from '../../support/largeLab';

const LAB = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');
const manifests = manifestFacts(
  readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8'),
  'file:///c.yaml',
).facts;
const URI = 'file:///lab/capture.log';
const [FROM, TO] = ['b-app', 'a-app.default.svc.cluster.local'];

const traced = (facts: Fact[]) => JSON.stringify(trace(buildModel([manifests, facts]), FROM, TO));
const rowsOf = (facts: readonly Fact[]) =>
  facts
    .filter((fact): fact is Capture => fact.kind === 'Capture')
    .reduce((sum, capture) => sum + capture.packets.size, 0);

/** Builds every packet of `uri` ahead; the slices it took. */
function buildAll(ahead: PacketsAhead, held: HeldDocuments): number {
  ahead.start(URI, held.factsOf([{ held: URI }])[0]);
  let slices = 1;
  while (ahead.step()) slices++;
  return slices;
}

test('packets built ahead give a trace what a fresh parse gives, before and after edits in place', () => {
  const rows = pieceSize.rows;
  pieceSize.rows = 40; // pieces of 40 packets: an edit reads one again, the others keep their packets
  try {
    let text = repeatedCapture(LAB, 800_000);
    const held = new HeldDocuments();
    held.hold(URI, 1, text, parseDocument(text, URI));
    held.prepare(URI);
    const ahead = new PacketsAhead();
    const facts = () => held.factsOf([{ held: URI }])[0];
    const packets = rowsOf(facts());
    assert.ok(packets > ROWS_PER_SLICE, `a capture of more than a slice (${packets} packets)`);
    assert.equal(buildAll(ahead, held), Math.ceil(packets / ROWS_PER_SLICE), 'a slice at a time');
    ahead.start(URI, facts());
    assert.equal(ahead.step(), false, 'built already: a hover that starts it again builds nothing');
    assert.equal(traced(facts()), traced(parseDocument(text, URI).facts), 'built ahead, then traced');

    const first = facts()
      .find((fact): fact is Capture => fact.kind === 'Capture')
      ?.packets.packet(0);
    // a packet line copied above itself, in the middle (another connection's line: the trace changes)
    const lines = text.split('\n');
    const middle = lines.findIndex((line, k) => k > lines.length / 2 && / IP .* Flags \[S\]/.test(line));
    const copy = lines[middle];
    text = [...lines.slice(0, middle), copy, ...lines.slice(middle)].join('\n');
    const change = { startLine: middle, startCharacter: 0, endLine: middle, endCharacter: 0, text: `${copy}\n` };
    const edited = held.edit(URI, { from: 1, version: 2, events: [[change]], length: text.length });
    assert.ok(edited, 'edited');
    const capture = facts().find((fact): fact is Capture => fact.kind === 'Capture');
    assert.equal(capture?.packets.packet(0), first, 'read in place: the first piece kept its packets');
    ahead.stop(URI);
    assert.equal(ahead.step(), false, 'stopped at the edit');
    buildAll(ahead, held);
    const fresh = traced(parseDocument(text, URI).facts);
    assert.equal(traced(facts()), fresh, 'built ahead again after the edit, then traced');
    assert.equal(traced(facts()), fresh, 'and again');
  } finally {
    pieceSize.rows = rows;
  }
});

test('nothing is built ahead for a document without captures, or after it is stopped', () => {
  const ahead = new PacketsAhead();
  ahead.start(URI, manifests);
  assert.equal(ahead.step(), false, 'no capture: nothing to build');
  const text = repeatedCapture(LAB, 60_000);
  const facts = parseDocument(text, URI).facts;
  ahead.start(URI, facts);
  ahead.stop(URI);
  assert.equal(ahead.step(), false);
});
