import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../../src/cli/app';
import { SAMPLES } from '../../../src/samples/registry';
import { seedLines } from '../flow/seedModel';

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readFile: (p: string) => readFileSync(p, 'utf8') };
  return io;
}

test('samples lists every sample with its SRC/DST and no missing file', async () => {
  const io = capture();
  assert.equal(await runCli(['samples', '--json'], io), 0);
  const rows = JSON.parse(io.stdout);
  assert.deepEqual(rows.map((r: { name: string }) => r.name), ['a1-pod-to-pod', 'a2-pod-to-service', 'a3-headless']);
  for (const r of rows) assert.deepEqual(r.missing, [], r.name);
  const text = capture();
  assert.equal(await runCli(['samples'], text), 0);
  assert.match(text.stdout, /trace --sample a2-pod-to-service/);
});

test('every sample log is its seed report line, verbatim', () => {
  for (const s of SAMPLES) {
    for (const l of s.logs) {
      assert.equal(readFileSync(`samples/${l.file}`, 'utf8'), seedLines[l.seedLine - 1] + '\n', l.file);
      assert.ok(readFileSync('samples/README.md', 'utf8').includes(`\`${l.file}\` | ${l.seedLine} |`), `README row for ${l.file}`);
    }
  }
});
