// `npm run demo`: the demo starts code-server on the sample workspace and prints the address it
// serves; `--smoke` opens that very address in Chromium, checks the workbench loads with the
// extension and draws the sample diagram, writes a screenshot, and stops. Both print one line
// per step (the build's and the install's output go to .cache/demo/).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../lib/workspace.mjs';

export const name = 'demo';
export const kind = 'standalone';

/** Every line the demo prints is its own progress line (or the URL), never a tool's output. */
function assertQuiet(stdout) {
  const noise = stdout
    .split('\n')
    .filter(
      (l) => l.trim() && !/^\[(demo|install-code-server)\] /.test(l) && !/^ {2}http:\/\/127\.0\.0\.1:\d+\//.test(l),
    );
  assert.deepEqual(noise, []);
}

export const tests = [
  [
    'npm run demo -- --smoke opens the printed 127.0.0.1 address with the extension, draws the sample, saves a screenshot',
    () => {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--smoke', '--skip-build'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 150_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assertQuiet(r.stdout);
      assert.match(r.stdout, /opened http:\/\/127\.0\.0\.1:\d+\//);
      assert.match(r.stdout, /workbench loaded; explorer shows: .+/);
      assert.match(r.stdout, /Kube Packet Path is loaded/);
      assert.match(r.stdout, /the sample diagram is drawn/);
      const shot = /screenshot: (\S+\.png)/.exec(r.stdout)?.[1];
      assert.ok(shot && existsSync(shot), 'screenshot file');
      const png = readFileSync(shot);
      rmSync(dirname(shot), { recursive: true, force: true });
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok(png.length > 10_000, `screenshot is ${png.length} bytes`);
    },
  ],
  [
    'npm run demo (code-server) prints the address it serves: http://127.0.0.1:PORT/ answers with the workbench',
    async () => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--skip-build', '--code-server'], {
        cwd: ROOT,
        detached: true, // its own process group, with the code-server it starts
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: process.env.PATH },
      });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stdout += d;
      });
      try {
        const deadline = Date.now() + 90_000;
        while (!/Ctrl-C stops it/.test(stdout)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no address printed:\n${stdout}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        assertQuiet(stdout);
        const url = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(stdout)?.[1];
        assert.ok(url, stdout);
        assert.match(stdout, new RegExp(`serves ${new URL(url).origin.replace(/\./g, '\\.')}/`));
        const page = await fetch(url);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /workbench/);
        assert.equal(new URL(url).searchParams.get('folder'), join(ROOT, 'samples'));
      } finally {
        try {
          process.kill(-child.pid, 'SIGINT'); // as Ctrl-C: the demo stops its code-server
        } catch {
          /* gone */
        }
        await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      }
    },
  ],
];
