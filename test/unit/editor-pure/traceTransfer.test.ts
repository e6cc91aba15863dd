// A trace's answer crosses from the parse worker as what the panel shows (shownTrace), then in pieces
// (packTrace) that the extension host reads one per turn (unpackTrace), the connection list the flows
// share only when asked for: read back, the result is the worker's (the same JSON, the flows sharing
// one connection list), and the webview's show message is the JSON the panel posted before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { trace } from '../../../src/flow';
import { cappedProofs } from '../../../src/editor/diagram/cappedProofs.pure';
import { builtPayload, showContent } from '../../../src/editor/diagram/panelPayload.pure';
import {
  listDigest,
  packTrace,
  readSharedList,
  sharedListOf,
  shownTrace,
  unpackTrace,
} from '../../../src/editor/worker/traceTransfer.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { decodedShow } from '../../../src/protocol/messages';
import { repeatedCapture } from '../../support/largeLab';

const LAB = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');
const manifests = manifestFacts(
  readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8'),
  'file:///c.yaml',
).facts;

test('a trace packed in the worker reads back on the host a piece per turn, as it was', async () => {
  const capture = parseDocument(repeatedCapture(LAB, 800_000), 'file:///lab/capture.log').facts;
  const result = cappedProofs(trace(buildModel([manifests, capture]), 'b-app', 'a-app.default.svc.cluster.local'));
  const shared = result.flows[0].connections ?? [];
  const perPiece = 16; // (200 in the worker)
  assert.ok(shared.length > 2 * perPiece, `connections in more than two pieces (${shared.length})`);
  assert.ok(result.flows.length > 1 && result.flows.every((flow) => flow.connections === shared));
  const built = builtPayload(result);
  const expected = JSON.stringify(result);

  const { packed, transfer } = packTrace(result, perPiece);
  const shown = shownTrace(result, built);
  // the buffers move to the host: each its own (not a slice of a pool other data sits in)
  assert.equal(transfer.length, packed.pieces.length);
  assert.deepEqual(shown.transfer, [shown.shown.show.buffer]);
  assert.equal(new Set(transfer).size, transfer.length);
  for (const bytes of [shown.shown.show, ...packed.pieces]) assert.equal(bytes.byteLength, bytes.buffer.byteLength);
  const slices = Math.ceil(shared.length / perPiece);
  assert.equal(packed.pieces.length, 1 + result.flows.length + slices, 'the rest, each flow, the list in slices');

  const posted = structuredClone(packed, { transfer }); // as postMessage moves it
  let turns = 0;
  const back = await unpackTrace(posted, async () => {
    turns++;
  });
  assert.equal(turns, result.flows.length, 'a turn before each piece but the first; the list not read yet');
  const unread = sharedListOf(back);
  assert.equal(unread?.count, shared.length, 'how many connections, before the list is read');
  assert.equal(JSON.stringify(back), expected, 'the same result, its keys in the same order (the list read now)');
  const list = back.flows[0].connections;
  assert.ok(list && back.flows.every((flow) => flow.connections === list), 'the flows share one list again');
  assert.equal(listDigest(list), unread?.digest, 'the digest told before it was read');
  // read a slice per turn (the side view), the list is there when the flows are asked for it
  const again = await unpackTrace(packTrace(result, perPiece).packed, async () => undefined);
  let sliceTurns = 0;
  await readSharedList(again, async () => {
    sliceTurns++;
  });
  assert.equal(sliceTurns, slices, 'a turn before each slice');
  assert.ok(again.flows[0].connections);
  assert.equal(JSON.stringify(again), expected);
  assert.equal(listDigest(again.flows[0].connections), listDigest(list), 'the same list, the same digest');
  const fewer = { ...result, flows: result.flows.map((flow) => ({ ...flow, connections: shared.slice(1) })) };
  fewer.flows.forEach((flow) => (flow.connections = fewer.flows[0].connections));
  const other = await unpackTrace(packTrace(fewer, perPiece).packed, async () => undefined);
  assert.notEqual(sharedListOf(other)?.digest, unread?.digest, 'another list, another digest');
  assert.notEqual(listDigest(other.flows[0].connections ?? []), listDigest(list), 'another list, another digest');
  assert.equal(listDigest(shared), undefined, 'a list made here has none');
  // a flow given another list keeps it
  back.flows[1].connections = [];
  assert.deepEqual(back.flows[1].connections, []);
  assert.equal(back.flows[0].connections, list);

  // what the webview reads: the show message the panel posted (its payload and state), a view state added
  assert.deepEqual(shown.shown.evidence, built.evidence, 'the evidence table the webview ids point into');
  // the panel's title is set when the payload is posted, before the result is read
  assert.deepEqual(shown.shown.title, { first: result.flows[0].title, flows: result.flows.length });
  const content = showContent(result, built);
  assert.deepEqual(decodedShow(shown.shown.show), JSON.parse(JSON.stringify(content)));
  const ui = { flow: 1, phase: 0, zoom: 1 };
  assert.deepEqual(decodedShow(shown.shown.show, ui)?.state.ui, ui);
});

test('a trace of no flow packs and reads back too', async () => {
  const result = { flows: [], unresolved: ['nothing captured'] };
  const { packed } = packTrace(result);
  const back = await unpackTrace(packed, async () => undefined);
  assert.deepEqual(back, result);
  assert.equal(sharedListOf(back), undefined, 'no list to read');
  const { shown } = shownTrace(result, builtPayload(result));
  assert.equal(decodedShow(shown.show)?.payload.title, 'No flow traced');
  assert.deepEqual(shown.title, { flows: 0 });
});
