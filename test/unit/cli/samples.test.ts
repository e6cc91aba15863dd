import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { runCli } from '../../../src/cli/app';
import { captureIO } from './io';
import { SAMPLES } from '../../../src/samples/registry';
import { seedLines } from '../flow/seedModel';

const capture = () => captureIO();

test('samples lists every sample with its SRC/DST and no missing file', async () => {
  const io = capture();
  assert.equal(await runCli(['samples', '--json'], io), 0);
  const rows = JSON.parse(io.stdout);
  assert.deepEqual(
    rows.map((r: { name: string }) => r.name),
    ['a1-pod-to-pod', 'a2-pod-to-service', 'a3-headless'],
  );
  for (const r of rows) assert.deepEqual(r.missing, [], r.name);
  const text = capture();
  assert.equal(await runCli(['samples'], text), 0);
  assert.match(text.stdout, /trace --sample a2-pod-to-service/);
});

test('every sample log is its seed report line, verbatim', () => {
  for (const s of SAMPLES) {
    for (const l of s.logs) {
      assert.equal(readFileSync(`samples/${l.file}`, 'utf8'), seedLines[l.seedLine - 1] + '\n', l.file);
      assert.ok(
        readFileSync('samples/README.md', 'utf8').includes(`\`${l.file}\` | ${l.seedLine} |`),
        `README row for ${l.file}`,
      );
    }
  }
});

test(
  'the built dist/cli.js finds the samples beside itself, from any working directory',
  { skip: existsSync('dist/cli.js') ? false : 'dist/cli.js not built (npm run build)' },
  () => {
    const cli = resolve('dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'trace', '--sample', 'a1-pod-to-pod', '--format', 'json'], {
      encoding: 'utf8',
      cwd: tmpdir(),
    });
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(r.stdout).flows[0];
    assert.equal(f.phases[0].steps[0].from.name, 'b-pod');
    const list = spawnSync(process.execPath, [cli, 'samples', '--json'], { encoding: 'utf8', cwd: tmpdir() });
    assert.ok(JSON.parse(list.stdout).every((s: { missing: string[] }) => s.missing.length === 0));
  },
);
