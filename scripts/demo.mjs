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
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { installCodeServer } from './install-code-server.mjs';
import { workbenchUrl } from '../test/e2e/lib/browser.mjs';
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

// One line per step here; the tools' own output goes to log files under .cache/demo/.
const LOGS = join(ROOT, '.cache', 'demo');
mkdirSync(LOGS, { recursive: true });

if (!flag('--skip-build')) {
  const buildLog = join(LOGS, 'build.log');
  say(`building the extension (npm run build; log: ${relative(process.cwd(), buildLog)})`);
  const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(buildLog, `${b.stdout ?? ''}${b.stderr ?? ''}`);
  if (b.status !== 0) {
    console.error(`${b.stdout ?? ''}${b.stderr ?? ''}`.split('\n').slice(-40).join('\n'));
    say(`the build failed (whole log: ${buildLog})`);
    process.exit(1);
  }
}
const folder = workspaceFolder();

if (!smoke && !flag('--code-server') && onPath('code')) {
  say(`desktop VS Code: code --extensionDevelopmentPath=${ROOT} ${folder}`);
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, folder], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (!onPath('code') && !smoke) say('`code` is not on PATH: using code-server (VS Code in the browser)');
installCodeServer({ logFile: join(LOGS, 'install-code-server.log') });
say('starting code-server');
const server = await startCodeServer({ folder, ...(portIdx >= 0 ? { port: Number(argv[portIdx + 1]) } : {}) });
// The address code-server listens on (127.0.0.1, a secure context for the browser like localhost).
const served = { ...server, authority: `127.0.0.1:${server.port}`, url: `http://127.0.0.1:${server.port}/` };
const url = workbenchUrl(served, { folder, payload: { extensionDevelopmentPath: ROOT } });

if (smoke) {
  let code = 1;
  const { launchChromium, openWorkbench, waitForWorkbenchReady, runCommand, webviewFrame } =
    await import('../test/e2e/lib/browser.mjs');
  const browser = await launchChromium();
  try {
    // The very address printed to users.
    const page = await openWorkbench(browser, served, { folder, payload: { extensionDevelopmentPath: ROOT } });
    say(`opened ${page.url().split('?')[0]}`);
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
    // Webviews need a secure context: the diagram draws at this address too.
    await runCommand(page, 'Kube Packet Path: Show Packet Path of the Bundled Sample');
    await webviewFrame(page).locator('#app[data-state="rendered"]').waitFor({ timeout: 90_000 });
    say('the sample diagram is drawn');
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

say(`code-server serves ${served.url} (loopback only; no password)`);
say('open this URL in a browser — it loads Kube Packet Path from this repository:');
console.log(`\n  ${url}\n`);
say('Ctrl-C stops it (the whole code-server process group).');
setInterval(() => {}, 1 << 30); // until Ctrl-C: lib/code-server.mjs stops the server on SIGINT/SIGTERM
