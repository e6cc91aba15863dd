// How the parse worker reads a large log the editor just opened: from its saved file (ASCII or
// UTF-8, with or without a byte order mark) when the file holds the document's text, and a hover
// asked as soon as the worker holds the document is answered before the host has its facts.
// The real worker bundle (dist/worker.js, built by `npm test` before the unit tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { packFacts, unpackDocument } from '../../../src/ingest/factTransfer';
import { packetsOf } from '../../../src/model';
import { WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import type { FileCheck } from '../../../src/editor/worker/protocol.pure';
import { labA2Lines } from '../../support/labA2';
import { threadTime } from '../../../src/editor/worker/threadTime.pure';

const WORKER = resolve('dist/worker.js');
const lab = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');

/** What the host sends for a saved document of `text` at `path`. */
function fileCheck(path: string, text: string): FileCheck {
  const lines = text.split('\n');
  return { path, length: text.length, firstLine: lines[0].replace(/\r$/, ''), lastLine: lines[lines.length - 1] };
}

/** Parses `text` saved as `bytes` through the worker's file path; the facts it sends back (with its packets). */
async function parsedFromFile(client: WorkerClient, bytes: Buffer | string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-open-'));
  try {
    const path = join(dir, 'capture.tcpdump');
    writeFileSync(path, bytes);
    const uri = `file://${path}`;
    const parts: unknown[][] = [];
    const answer = await client.request(
      { kind: 'parse', uri, text: '', file: fileCheck(path, text) },
      { onPart: (part) => parts.push(part.blocks) },
    );
    assert.equal(answer.kind, 'parsed');
    if (answer.kind !== 'parsed') throw new Error('not parsed');
    return { value: answer.value, doc: unpackDocument({ uri, blocks: parts.flat() as never }, text), uri };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a saved capture is read from its file, ASCII or UTF-8, as its text is read here', async () => {
  const client = new WorkerClient(WORKER);
  try {
    // the lab session is ASCII (read as Latin-1); a copy with a UTF-8 comment line and a BOM is not
    const utf8 = `# capture on nœud-1 — 10.244.0.1 ✓\n${lab}`;
    assert.ok(isAscii(Buffer.from(lab)), 'the lab session is ASCII');
    for (const [name, bytes, text] of [
      ['ASCII', lab, lab],
      ['UTF-8', utf8, utf8],
      ['UTF-8 with a byte order mark', `\ufeff${utf8}`, utf8],
    ] as const) {
      const { value, doc, uri } = await parsedFromFile(client, Buffer.from(bytes, 'utf8'), text);
      assert.equal(value.differs, undefined, `${name}: the file holds the document's text`);
      assert.ok(value.timings && value.timings.readMs >= 0, `${name}: the worker says how long it read`);
      assert.equal(value.lines, text.split('\n').length, `${name}: the lines it read`);
      // where the kernel says (Linux): how long its thread ran and waited for a CPU until it held the document
      const untilHeld = value.timings?.untilHeld;
      if (threadTime())
        assert.ok(untilHeld && untilHeld.cpuMs > 0 && untilHeld.waitMs >= 0, `${name}: ${JSON.stringify(untilHeld)}`);
      const expected = parseDocument(text, uri);
      assert.equal(doc.blocks.length, expected.blocks.length, name);
      assert.deepEqual(packetsOf(doc.facts), packetsOf(expected.facts), name);
      assert.ok(packetsOf(doc.facts).length > 0, `${name}: packets read`);
    }
    // a file that is not the document's text (saved since: a line more) is not read
    const { value, doc } = await parsedFromFile(client, `${lab}\nextra`, lab);
    assert.equal(value.differs, true);
    assert.equal(doc.blocks.length, 0);
  } finally {
    client.dispose();
  }
});

test('a hover asked once the worker holds a document is answered before the host has read its facts', async () => {
  const client = new WorkerClient(WORKER);
  const uri = 'file:///lab/a2.txt';
  const manifests = readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8');
  const { manifestFacts } = await import('../../../src/editor/workspace/modelFacts.pure');
  const manifestPart = {
    facts: packFacts(manifestFacts(manifests, 'file:///lab/cluster.yaml').facts, { transfer: false }).packed,
  };
  const { query } = labA2Lines(lab);
  const lineText = lab.split('\n')[query.line - 1];
  try {
    const events: string[] = [];
    let hovered: Promise<string[] | undefined> | undefined;
    const answer = await client.request(
      { kind: 'parse', uri, text: lab, version: 1 },
      {
        onHolding: () => {
          events.push('holding');
          // as the host does on a hover: the workspace's sources, then the hover, without waiting for the facts
          void client.request({ kind: 'context', parts: [manifestPart, { held: uri }] });
          hovered = client
            .request({ kind: 'hover', uri, version: 1, line: query.line, character: 20, lineText })
            .then((said) => {
              events.push('hover');
              return said.kind === 'hover' ? said.value : undefined;
            });
        },
        onPart: () => {
          events.push('part');
        },
      },
    );
    events.push(answer.kind);
    const said = await hovered;
    assert.deepEqual(events.slice(0, 2), ['holding', 'part'], events.join(', '));
    assert.ok(events.indexOf('hover') < events.indexOf('parsed'), events.join(', '));
    assert.ok(said && said.some((sentence) => /after DNAT to/.test(sentence)), said?.join('\n'));
  } finally {
    client.dispose();
  }
});

test('a warmed worker answers the first request on the thread it started', async () => {
  const client = new WorkerClient(WORKER);
  try {
    client.warm();
    client.warm();
    assert.equal(client.epoch, 1, 'one thread started');
    const answer = await client.request({ kind: 'log', uri: 'file:///a2.txt', text: lab });
    assert.ok(answer.kind === 'log' && answer.value.facts, 'the lab session read as a log');
    assert.equal(client.epoch, 1, 'no second thread');
  } finally {
    client.dispose();
  }
});
