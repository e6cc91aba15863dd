// `npm run demo -- --smoke`: the demo starts code-server on the sample workspace, the
// workbench loads in Chromium with the extension, a screenshot is written, and it stops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../lib/workspace.mjs';

export const name = 'demo';
export const kind = 'standalone';

export const tests = [
  [
    'npm run demo -- --smoke opens the samples with the extension and saves a screenshot',
    () => {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--smoke', '--skip-build'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /workbench loaded; explorer shows: .+/);
      assert.match(r.stdout, /Kube Packet Path is loaded/);
      const shot = /screenshot: (\S+\.png)/.exec(r.stdout)?.[1];
      assert.ok(shot && existsSync(shot), 'screenshot file');
      const png = readFileSync(shot);
      rmSync(dirname(shot), { recursive: true, force: true });
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok(png.length > 10_000, `screenshot is ${png.length} bytes`);
    },
  ],
];
