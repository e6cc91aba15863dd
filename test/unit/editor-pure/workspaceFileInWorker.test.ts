// The workspace scan's files read from the disk by the scan's worker (readWorkspaceFile and its
// `workspaceFile` request): the same facts as when the extension host read the file through VS Code
// and sent its text (`manifest`, `log`), the same key as VS Code's stat gives, and nothing read when
// the key is the one the scan holds or the file is over the size it reads.
// The real worker bundle (dist/worker.js, built by `npm test` before the unit tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unpackFacts } from '../../../src/ingest/factTransfer';
import { packetsOf, type Fact } from '../../../src/model';
import { WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import { fileKey, readWorkspaceFile } from '../../../src/editor/workspace/readFiles.pure';

const WORKER = resolve('dist/worker.js');
const MANIFEST = readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8');
const LAB = readFileSync('test/fixtures/lab/a2-pod-to-service.txt', 'utf8');

/** Facts as comparable data: a capture by its packets. */
const comparable = (facts: readonly Fact[]) =>
  facts.map((fact) => (fact.kind === 'Capture' ? { ...fact, packets: packetsOf([fact]) } : fact));

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-scan-read-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('readWorkspaceFile: the key is mtime (whole ms) + size; UTF-8 without its byte order mark', () => {
  const dir = workspace({ 'bom.yaml': `\ufeffkind: Service # nœud\n`, 'plain.txt': 'x\n' });
  try {
    const path = join(dir, 'bom.yaml');
    const stat = statSync(path);
    const read = readWorkspaceFile({ path, maxBytes: 1000 });
    assert.deepEqual(read, { key: `${Math.trunc(stat.mtimeMs)}/${stat.size}`, text: 'kind: Service # nœud\n' });
    assert.equal(fileKey(stat.mtimeMs, stat.size), `${Math.trunc(stat.mtimeMs)}/${stat.size}`);
    assert.deepEqual(readWorkspaceFile({ path, known: fileKey(stat.mtimeMs, stat.size), maxBytes: 1000 }), {
      key: fileKey(stat.mtimeMs, stat.size),
      unchanged: true,
    });
    assert.deepEqual(readWorkspaceFile({ path, maxBytes: 5 }), {
      key: fileKey(stat.mtimeMs, stat.size),
      size: stat.size,
      tooLarge: true,
    });
    const missing = readWorkspaceFile({ path: join(dir, 'gone.txt'), maxBytes: 1000 });
    assert.ok('error' in missing && /ENOENT/.test(missing.error), JSON.stringify(missing));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a workspace manifest and log read from the disk in the worker: the facts of their text sent from here', async () => {
  const dir = workspace({ 'cluster.yaml': MANIFEST, 'a2.txt': LAB, 'notes.txt': 'nothing to read here\n' });
  const client = new WorkerClient(WORKER);
  try {
    const read = async (name: string, as: 'manifest' | 'log', options: { known?: string; maxBytes?: number } = {}) => {
      const path = join(dir, name);
      const uri = pathToFileURL(path).toString();
      const answer = await client.request({ kind: 'workspaceFile', uri, path, as, maxBytes: 5_000_000, ...options });
      if (answer.kind !== 'workspaceFile') throw new Error('not a workspace file answer');
      return { value: answer.value, uri };
    };

    const manifest = await read('cluster.yaml', 'manifest');
    assert.ok('manifest' in manifest.value, JSON.stringify(manifest.value).slice(0, 200));
    if (!('manifest' in manifest.value)) return;
    const sent = await client.request({ kind: 'manifest', uri: manifest.uri, text: MANIFEST });
    if (sent.kind !== 'manifest') assert.fail('not a manifest answer');
    const manifestFacts = unpackFacts(manifest.value.manifest.facts);
    assert.ok(manifestFacts.some((fact) => fact.kind === 'Service'));
    assert.deepEqual(manifestFacts, unpackFacts(sent.value.facts));

    const log = await read('a2.txt', 'log');
    assert.ok('log' in log.value && log.value.log.facts, JSON.stringify(log.value).slice(0, 200));
    if (!('log' in log.value) || !log.value.log.facts) return;
    const sentLog = await client.request({ kind: 'log', uri: log.uri, text: LAB });
    if (sentLog.kind !== 'log' || !sentLog.value.facts) assert.fail('the log request read no facts');
    // the captures carry their own text (this thread did not read the file); the same packets
    const logFacts = unpackFacts(log.value.log.facts);
    assert.ok(packetsOf(logFacts).length > 100);
    assert.deepEqual(comparable(logFacts), comparable(unpackFacts(sentLog.value.facts, LAB)));

    // a text that is no log: no facts, as the `log` request says
    const notes = await read('notes.txt', 'log');
    assert.deepEqual(notes.value, { key: fileKey(statSync(join(dir, 'notes.txt')).mtimeMs, 21), log: {} });

    // the version the scan holds is not read again; a file over the size is not read
    assert.deepEqual((await read('a2.txt', 'log', { known: log.value.key })).value, {
      key: log.value.key,
      unchanged: true,
    });
    const large = await read('a2.txt', 'log', { maxBytes: 1000 });
    assert.ok('tooLarge' in large.value && large.value.size === Buffer.byteLength(LAB), JSON.stringify(large.value));
    const gone = await read('gone.yaml', 'manifest');
    assert.ok('error' in gone.value && /ENOENT/.test(gone.value.error), JSON.stringify(gone.value));
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
