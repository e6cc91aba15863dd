import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { shifted } from '../../../src/ingest/documentEdit';
import { withoutPackets } from '../../../src/editor/worker/heldDocuments.pure';
import { packFacts, unpackDocument, unpackFacts } from '../../../src/ingest/factTransfer';
import { trace } from '../../../src/flow';
import { buildLineIndex } from '../../../src/editor/hover/captureIndex.pure';
import { hoverSentences } from '../../../src/editor/hover/hoverSentences.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { labA2Lines } from '../../support/labA2';
import { packetsOf } from '../../../src/model';
import { WorkerCancelled, WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import { unpackTrace, type PackedTrace, type ShownTrace } from '../../../src/editor/worker/traceTransfer.pure';
import { repeatedCapture, repeatedLab } from '../../support/largeLab';
import { decodedShow } from '../../../src/protocol/messages';

const unpacked = (packed: PackedTrace) => unpackTrace(packed, async () => undefined);

// The real worker bundle (dist/worker.js, built by `npm test` before the unit tests) in a real
// worker thread, driven by the client the extension uses.
const WORKER = resolve('dist/worker.js');
const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const lab = readFileSync(LAB, 'utf8');
const COPY = { transfer: false };

test('a session parsed in the worker (long text in pieces, facts in parts) reads back as a parse here', async () => {
  const client = new WorkerClient(WORKER);
  try {
    // about 3 MB: more than one piece of text, and more than one part of facts
    const text = repeatedLab(lab, { bytes: 3_000_000 });
    const parts: unknown[][] = [];
    const answer = await client.request(
      { kind: 'parse', uri: 'file:///lab.log', text },
      { onPart: (part) => parts.push(part.blocks) },
    );
    assert.equal(answer.kind, 'parsed');
    if (answer.kind !== 'parsed') return;
    assert.ok(parts.length > 1, `${parts.length} parts`);
    const blocks = [...parts.flat(), ...answer.value.document.blocks] as typeof answer.value.document.blocks;
    const received = unpackDocument({ uri: 'file:///lab.log', blocks }, text);
    const expected = parseDocument(text, 'file:///lab.log');
    assert.equal(received.blocks.length, expected.blocks.length);
    assert.deepEqual(
      received.blocks.map((b) => [b.format, b.startLine, b.endLine, b.result.records, b.result.unparsed.length]),
      expected.blocks.map((b) => [b.format, b.startLine, b.endLine, b.result.records, b.result.unparsed.length]),
    );
    assert.deepEqual(packetsOf(received.facts), packetsOf(expected.facts));
  } finally {
    client.dispose();
  }
});

test('a paste analyzed in the worker lists its blocks and flows, and traces one of them there', async () => {
  const client = new WorkerClient(WORKER);
  try {
    const uri = 'untitled:paste';
    const analyzed = await client.request({ kind: 'analyze', uri, text: lab, others: { facts: [] } });
    assert.equal(analyzed.kind, 'analyzed');
    if (analyzed.kind !== 'analyzed') return;
    assert.ok(analyzed.value.blocks.some((b) => b.format === 'tcpdump'));
    assert.ok(analyzed.value.flows.length > 0, 'the lab session makes a flow traceable');
    const flow = analyzed.value.flows[0];
    // what the panel shows comes first, before the answer
    const events: string[] = [];
    let shown: ShownTrace | undefined;
    const traced = await client.request(
      { kind: 'trace', from: flow.from, to: flow.to, facts: { facts: [] }, paste: uri },
      {
        onShown: (value) => {
          events.push('shown');
          shown = value;
        },
      },
    );
    events.push('answered');
    assert.deepEqual(events, ['shown', 'answered']);
    assert.equal(traced.kind, 'trace');
    if (traced.kind !== 'trace' || traced.value.kind !== 'traced') assert.fail('traced');
    const result = await unpacked(traced.value.packed);
    assert.ok(result.flows.length > 0);
    assert.deepEqual(shown?.title, { first: result.flows[0].title, flows: result.flows.length });
    const payload = shown && decodedShow(shown.show)?.payload;
    assert.equal(payload?.flows.length, result.flows.length, 'the panel payload of every flow');
    // where the worker's time went, for the extension's log: whole milliseconds of each part
    const timings = traced.value.timings;
    assert.ok(timings, 'the answer says where the time went');
    for (const ms of [timings.modelMs, timings.traceMs, timings.payloadMs]) assert.ok(Number.isInteger(ms) && ms >= 0);
    const unknown = await client.request({ kind: 'trace', from: 'nothing-here', to: flow.to, facts: { facts: [] } });
    assert.equal(unknown.kind === 'trace' && unknown.value.kind, 'unknown');
  } finally {
    client.dispose();
  }
});

test('cancelling stops the worker: the pending request fails with WorkerCancelled, the next one works', async () => {
  const client = new WorkerClient(WORKER);
  try {
    const long = client.request({ kind: 'parse', uri: 'file:///big.tcpdump', text: repeatedCapture(lab, 30_000_000) });
    setTimeout(() => client.cancel(), 200);
    await assert.rejects(long, WorkerCancelled);
    const small = await client.request({ kind: 'log', uri: 'file:///a.tcpdump', text: repeatedCapture(lab, 10_000) });
    assert.ok(small.kind === 'log' && small.value.facts && unpackFacts(small.value.facts).length === 1);
  } finally {
    client.dispose();
  }
});

test('a held document: packets stay in the worker; edits, hovers and a trace there answer as a parse here', async () => {
  const client = new WorkerClient(WORKER);
  const uri = 'file:///lab/a2.txt';
  const manifests = readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8');
  const manifestPart = { facts: packFacts(manifestFacts(manifests, 'file:///lab/cluster.yaml').facts, COPY).packed };
  /** What the extension host says on its own about line `line` (1-based) of `text`. */
  const hoverHere = (text: string, line: number) => {
    const doc = parseDocument(text, uri);
    const model = buildModel([manifestFacts(manifests, 'file:///lab/cluster.yaml').facts, doc.facts]);
    const lineText = text.split('\n')[line - 1];
    return hoverSentences(model, buildLineIndex(doc.facts, uri, model), { line, character: 20, lineText });
  };
  try {
    const parts: unknown[][] = [];
    const parsed = await client.request(
      { kind: 'parse', uri, text: lab, version: 1 },
      { onPart: (part) => parts.push(part.blocks) },
    );
    assert.equal(parsed.kind, 'parsed');
    const received = unpackDocument({ uri, blocks: parts.flat() as never }, lab);
    assert.ok(received.facts.length > 0, 'its other facts come back');
    assert.ok(
      received.facts.every((fact) => fact.kind !== 'Capture' && fact.kind !== 'Packet'),
      'no packets come back',
    );
    await client.request({ kind: 'context', parts: [manifestPart, { held: uri }] });
    const { query } = labA2Lines(lab);
    const hover = async (version: number, line: number, text: string) => {
      const lineText = text.split('\n')[line - 1];
      const answer = await client.request({ kind: 'hover', uri, version, line, character: 20, lineText });
      return answer.kind === 'hover' ? answer.value : undefined;
    };
    const said = await hover(1, query.line, lab);
    assert.ok(said && said.some((sentence) => /after DNAT to/.test(sentence)), said?.join('\n'));
    assert.deepEqual(said, hoverHere(lab, query.line));

    // two events: a copy of the query line inserted above it, then a word typed into line 1
    const lines = lab.split('\n');
    const queryText = lines[query.line - 1];
    const edited = [...lines.slice(0, query.line - 1), queryText, ...lines.slice(query.line - 1)];
    edited[0] = `# ${edited[0]}`;
    const text = edited.join('\n');
    const insert = { startLine: query.line - 1, startCharacter: 0, endLine: query.line - 1, endCharacter: 0 };
    const typed = { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0, text: '# ' };
    const events = [[{ ...insert, text: `${queryText}\n` }], [typed]];
    const readAgain: unknown[][] = [];
    const answer = await client.request(
      { kind: 'edit', uri, from: 1, version: 3, events, length: text.length },
      { onPart: (part) => readAgain.push(part.blocks) },
    );
    if (answer.kind !== 'edited' || answer.value === 'out-of-sync') assert.fail('edited');
    // what the host does with the answer: the blocks read again (as parts, then with the answer) in
    // place of theirs, the later ones moved
    const { at, removed, delta } = answer.value.splice;
    const sent = [...(readAgain.flat() as typeof answer.value.document.blocks), ...answer.value.document.blocks];
    const again = unpackDocument({ uri, blocks: sent }, text).blocks;
    assert.ok(again.length < received.blocks.length, `${again.length} of ${received.blocks.length} blocks sent again`);
    const spliced = [
      ...received.blocks.slice(0, at),
      ...again,
      ...shifted(received.blocks.slice(at + removed), delta, uri),
    ];
    const expected = withoutPackets(parseDocument(text, uri)).blocks;
    const outline = (blocks: typeof expected) =>
      blocks.map((block) => [
        block.format,
        block.startLine,
        block.endLine,
        block.result.facts.map((fact) => `${fact.kind}@${fact.evidence[0]?.line}`).join(' '),
      ]);
    assert.deepEqual(outline(spliced), outline(expected));
    assert.equal(await hover(1, query.line, text), undefined, 'the old version is gone');
    assert.deepEqual(await hover(3, query.line + 1, text), hoverHere(text, query.line + 1));
    assert.deepEqual(await hover(3, query.line, text), hoverHere(text, query.line));

    const model = buildModel([
      manifestFacts(manifests, 'file:///lab/cluster.yaml').facts,
      parseDocument(text, uri).facts,
    ]);
    const here = trace(model, 'b-app', 'a-app.default.svc.cluster.local');
    const traced = await client.request({
      kind: 'trace',
      from: 'b-app',
      to: 'a-app.default.svc.cluster.local',
      facts: { facts: [] },
      parts: [manifestPart, { held: uri }],
    });
    if (traced.kind !== 'trace' || traced.value.kind !== 'traced') assert.fail('traced');
    assert.deepEqual(
      (await unpacked(traced.value.packed)).flows.map((flow) => flow.title),
      here.flows.map((flow) => flow.title),
    );

    const stale = await client.request({ kind: 'edit', uri, from: 1, version: 4, events: [[typed]], length: 0 });
    assert.ok(stale.kind === 'edited' && stale.value === 'out-of-sync', 'an edit from a version not held');
  } finally {
    client.dispose();
  }
});
