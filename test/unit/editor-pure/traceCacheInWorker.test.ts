// The parse worker keeps the model of its last trace and what traces share (TraceCache) while the
// sources are the same: a trace there, again, per connection, after an edit of the held log and on
// other sources comes out exactly as the trace here of the same text (the whole result as JSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { packFacts } from '../../../src/ingest/factTransfer';
import { trace, UnknownTargetError } from '../../../src/flow';
import type { Fact } from '../../../src/model';
import { cappedProofs } from '../../../src/editor/diagram/cappedProofs.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import type { WorkerPart } from '../../../src/editor/worker/protocol.pure';
import { WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import { unpackTrace } from '../../../src/editor/worker/traceTransfer.pure';
import { labA2Lines } from '../../support/labA2';

// The real worker bundle (dist/worker.js, built by `npm test` before the unit tests).
const WORKER = resolve('dist/worker.js');
const lab = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');
const MANIFESTS = 'file:///lab/cluster.yaml';
const manifests = manifestFacts(readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8'), MANIFESTS).facts;
const [FROM, TO] = ['b-app', 'a-app.default.svc.cluster.local'];
const unknown = (error: { role: string; text: string; suggestions: string[] }) =>
  `unknown ${error.role} ${error.text}: ${error.suggestions.join(', ')}`;

test('traces in the worker, cached between them, answer as traces here until an edit or other sources', async () => {
  const client = new WorkerClient(WORKER);
  const uri = 'file:///lab/a2.txt';
  const traceThere = async (parts: WorkerPart[], connection?: number) => {
    const answer = await client.request({
      kind: 'trace',
      from: FROM,
      to: TO,
      facts: { facts: [] },
      parts,
      ...(connection !== undefined ? { connection } : {}),
    });
    if (answer.kind !== 'trace') assert.fail('traced');
    const { value } = answer;
    return value.kind === 'traced'
      ? JSON.stringify(await unpackTrace(value.packed, async () => undefined))
      : unknown(value);
  };
  const traceHere = (sources: Fact[][], connection?: number) => {
    try {
      const options = connection !== undefined ? { connection } : {};
      return JSON.stringify(cappedProofs(trace(buildModel(sources), FROM, TO, options)));
    } catch (e) {
      if (e instanceof UnknownTargetError) return unknown(e);
      throw e;
    }
  };
  try {
    await client.request({ kind: 'parse', uri, text: lab, version: 1 }, { onPart: () => undefined });
    const manifestPart = { facts: packFacts(manifests, { transfer: false }).packed, cacheAs: 1 };
    const expected = traceHere([manifests, parseDocument(lab, uri).facts]);
    assert.equal(await traceThere([manifestPart, { held: uri }]), expected, 'first trace');
    assert.equal(await traceThere([{ cached: 1 }, { held: uri }]), expected, 'again, on the cached lists');
    assert.equal(
      await traceThere([{ cached: 1 }, { held: uri }], 1),
      traceHere([manifests, parseDocument(lab, uri).facts], 1),
      'one connection',
    );

    // an edit of the held log: the query line deleted (every later line moves up one)
    const { query } = labA2Lines(lab);
    const lines = lab.split('\n');
    const text = [...lines.slice(0, query.line - 1), ...lines.slice(query.line)].join('\n');
    const deleted = { startLine: query.line - 1, startCharacter: 0, endLine: query.line, endCharacter: 0, text: '' };
    const edited = await client.request(
      { kind: 'edit', uri, from: 1, version: 2, events: [[deleted]], length: text.length },
      { onPart: () => undefined },
    );
    assert.ok(edited.kind === 'edited' && edited.value !== 'out-of-sync', 'edited');
    const afterEdit = traceHere([manifests, parseDocument(text, uri).facts]);
    assert.ok(afterEdit !== expected, 'the edit changes the trace');
    assert.equal(await traceThere([{ cached: 1 }, { held: uri }]), afterEdit, 'after the edit');
    assert.equal(await traceThere([{ cached: 1 }, { held: uri }]), afterEdit, 'after the edit, again');

    // other sources: a new list under a number used before (a cluster read), then the manifests alone
    const fewer = manifests.filter((fact) => fact.kind !== 'Service' || fact.name !== 'a-app');
    const replaced = { facts: packFacts(fewer, { transfer: false }).packed, cacheAs: 1 };
    const withFewer = traceHere([fewer, parseDocument(text, uri).facts]);
    assert.ok(withFewer !== afterEdit);
    assert.equal(await traceThere([replaced, { held: uri }]), withFewer, 'facts sent again under number 1');
    assert.equal(await traceThere([{ cached: 1 }, { held: uri }]), withFewer, 'and traced again');
    // the manifests alone (no log)
    const alone = traceHere([fewer]);
    assert.ok(alone !== withFewer);
    assert.equal(await traceThere([{ cached: 1 }]), alone, 'the manifests alone');
  } finally {
    client.dispose();
  }
});
