import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { unpackDocument, unpackFacts } from '../../../src/ingest/factTransfer';
import { packetsOf } from '../../../src/model';
import { WorkerCancelled, WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import { repeatedCapture, repeatedLab } from '../../support/largeLab';

// The real worker bundle (dist/worker.js, built by `npm test` before the unit tests) in a real
// worker thread, driven by the client the extension uses.
const WORKER = resolve('dist/worker.js');
const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const lab = readFileSync(LAB, 'utf8');

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
    const traced = await client.request({
      kind: 'trace',
      from: flow.from,
      to: flow.to,
      facts: { facts: [] },
      paste: uri,
    });
    assert.equal(traced.kind, 'trace');
    if (traced.kind !== 'trace' || traced.value.kind !== 'traced') assert.fail('traced');
    assert.ok(traced.value.result.flows.length > 0);
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
