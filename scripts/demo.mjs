#!/usr/bin/env node
// `npm run demo`: builds the extension and opens a real VS Code on the bundled sample
// workspace (samples/) with Kube Packet Path loaded from this repository.
//   - desktop VS Code when `code` is on PATH:  code --extensionDevelopmentPath=<repo> samples/
//   - otherwise code-server (installed on first use into .cache/code-server/), served on a
//     free loopback port; open the printed URL in a browser; Ctrl-C stops it.
// Options:
//   --smoke         start code-server, check the workbench loads in Chromium with the samples
//                   and the extension, save a screenshot to a temp file, stop (used by tests)
//   --code-server   use code-server even when `code` is on PATH
//   --port N        port for code-server (default: a free one)
//   --skip-build    do not run `npm run build` first
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCodeServer } from './install-code-server.mjs';
import { startCodeServer } from '../test/e2e/lib/code-server.mjs';
import { ROOT, E2E_FIXTURES } from '../test/e2e/lib/workspace.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const portIdx = argv.indexOf('--port');
const smoke = flag('--smoke');
const say = (m) => console.log(`[demo] ${m}`);

function workspaceFolder() {
  const samples = join(ROOT, 'samples');
  if (existsSync(samples) && readdirSync(samples).length > 0) return samples;
  say('samples/ is missing or empty: opening the end-to-end fixtures (test/e2e/fixtures) instead');
  return E2E_FIXTURES;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

if (!flag('--skip-build')) {
  say('npm run build');
  const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const folder = workspaceFolder();

if (!smoke && !flag('--code-server') && onPath('code')) {
  say(`desktop VS Code: code --extensionDevelopmentPath=${ROOT} ${folder}`);
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, folder], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (!onPath('code') && !smoke) say('`code` is not on PATH: using code-server (VS Code in the browser)');
installCodeServer();
const server = await startCodeServer({ folder, ...(portIdx >= 0 ? { port: Number(argv[portIdx + 1]) } : {}) });
const url = new URL(server.url);
url.searchParams.set('folder', folder);
url.searchParams.set(
  'payload',
  JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${server.authority}${ROOT}`]]),
);

if (smoke) {
  let code = 1;
  const { launchChromium, openWorkbench, waitForWorkbenchReady, runCommand } =
    await import('../test/e2e/lib/browser.mjs');
  const browser = await launchChromium();
  try {
    const page = await openWorkbench(browser, server, { folder, payload: { extensionDevelopmentPath: ROOT } });
    await waitForWorkbenchReady(page);
    const rows = await page.locator('.explorer-folders-view .monaco-list-row').allInnerTexts();
    say(`workbench loaded; explorer shows: ${rows.slice(0, 8).join(', ')}`);
    // The extension is there: its command is in the Command Palette.
    await runCommand(page, 'Kube Packet Path: Show Kubernetes Names of a Service Port');
    await page
      .locator('.quick-input-widget', { hasText: 'Kubernetes names of a Service port' })
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    say('Kube Packet Path is loaded (its command opened its input box)');
    const shot = join(mkdtempSync(join(tmpdir(), 'kpp-demo-')), 'workbench.png');
    await page.screenshot({ path: shot });
    say(`screenshot: ${shot}`);
    code = 0;
  } catch (e) {
    console.error(`[demo] smoke check failed: ${e?.stack ?? e}`);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
  process.exit(code);
}

say(`code-server ${server.url} (loopback only; no password)`);
say('open this URL in a browser — it loads Kube Packet Path from this repository:');
console.log(`\n  ${url.toString()}\n`);
say('Ctrl-C stops it (the whole code-server process group).');
setInterval(() => {}, 1 << 30); // until Ctrl-C: lib/code-server.mjs stops the server on SIGINT/SIGTERM
