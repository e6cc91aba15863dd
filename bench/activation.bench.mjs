#!/usr/bin/env node
// Activation of the real extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
// driven by Chromium), over several fresh starts, plus the bundle sizes. Prints figures;
// asserts nothing about time.
//   node bench/activation.bench.mjs [--runs 5] [--production] [--skip-build] [--ui]
// --production measures the minified bundle `npm run package` ships (rebuilds dist/ that
// way; run `npm run build` afterwards for source maps again).
// Figures per run:
//   activate()      ext.activate() timed inside the extension host: require(dist/extension.js) + activate()
//   host load→call  extension host trace log: _doActivateExtension → _callActivateOptional (loading the code)
//   activate body   the extension's own "activated in N ms" log line (activate() itself)
//   first command   executeCommand('kubePacketPath.showServiceNames', …) right after activation
//   workbench       with --ui: "Developer: Show Running Extensions" after a user runs the command
//                   from the Command Palette (VS Code's own activation time for the extension)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCodeServer } from '../scripts/install-code-server.mjs';
import {
  answerInputBox,
  launchChromium,
  openWorkbench,
  runCommand,
  waitForWorkbenchReady,
} from '../test/e2e/lib/browser.mjs';
import { startCodeServer } from '../test/e2e/lib/code-server.mjs';
import { runExtensionTests } from '../test/e2e/lib/in-host.mjs';
import { prepareWorkspace, ROOT } from '../test/e2e/lib/workspace.mjs';

const argv = process.argv.slice(2);
const runsIdx = argv.indexOf('--runs');
const RUNS = runsIdx >= 0 ? Number(argv[runsIdx + 1]) : 5;
const production = argv.includes('--production');
const ID = 'kube-packet-path.kube-packet-path';

if (!argv.includes('--skip-build')) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) process.exit(1);
}
installCodeServer();

const stamp = (line) => {
  const match = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return match ? Date.parse(match[1].replace(' ', 'T') + 'Z') : NaN;
};
function fromLogs(logs) {
  const host = logs
    .filter((log) => /remoteexthost\.log$/.test(log.path))
    .flatMap((hostLog) => hostLog.text.split('\n'));
  const start = host.find((line) => line.includes(`_doActivateExtension ${ID},`));
  const call = host.find((line) => line.includes(`_callActivateOptional ${ID}`));
  const own = logs.find((log) => log.path.endsWith(`${ID}/Kube Packet Path.log`));
  const match = own && /activated in (\d+) ms/.exec(own.text);
  return {
    hostLoadMs: start && call ? stamp(call) - stamp(start) : NaN,
    activateBodyMs: match ? Number(match[1]) : NaN,
  };
}

const stats = (xs) => {
  const values = xs.filter(Number.isFinite).sort((first, second) => first - second);
  if (!values.length) return 'n/a';
  const med =
    values.length % 2
      ? values[(values.length - 1) / 2]
      : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
  return `median ${med.toFixed(1)} ms  min ${values[0].toFixed(1)}  max ${values[values.length - 1].toFixed(1)}  (n=${values.length})`;
};

const ws = prepareWorkspace();
const browser = await launchChromium();
const rows = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'kpp-bench-'));
    const outFile = join(dir, 'out.json');
    const t0 = Date.now();
    const run = await runExtensionTests(browser, {
      testsPath: join(ROOT, 'bench', 'activation-host.cjs'),
      folder: ws.dir,
      timeoutMs: 120_000,
      env: { KPP_BENCH_OUT: outFile },
    });
    const wall = Date.now() - t0;
    const inHost = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
    rmSync(dir, { recursive: true, force: true });
    const row = { ...inHost, ...fromLogs(run.logs), wallMs: wall, exitCode: run.exitCode };
    rows.push(row);
    console.log(
      `run ${i + 1}: activate() ${row.activateMs?.toFixed(1)} ms, host load→call ${row.hostLoadMs} ms, ` +
        `activate body ${row.activateBodyMs} ms, first command ${row.firstCommandMs?.toFixed(1)} ms, ` +
        `command ok ${row.commandOk}, was active before ${row.wasActive}, code-server start→tests done ${wall} ms`,
    );
  }
  if (argv.includes('--ui')) {
    for (let i = 0; i < RUNS; i++) {
      const server = await startCodeServer({ folder: ws.dir });
      try {
        const page = await openWorkbench(browser, server, {
          folder: ws.dir,
          payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
        });
        await waitForWorkbenchReady(page);
        await runCommand(page, 'Kube Packet Path: Show Kubernetes Names of a Service Port');
        await answerInputBox(
          page,
          'Kubernetes names of a Service port',
          'kube-system/kube-dns:dns UDP 10.244.0.105:53',
        );
        await runCommand(page, 'Developer: Show Running Extensions');
        const editor = page.locator('.runtime-extensions-editor');
        await editor.waitFor({ timeout: 15_000 });
        let ms = NaN;
        for (let t = 0; t < 30 && !Number.isFinite(ms); t++) {
          const text = await editor.innerText();
          const match = new RegExp(
            `(?:${ID.replace(/\./g, '\\.')}|Kube Packet Path)\\n[^\\n]*\\n[^\\n]*\\n(?:Startup )?Activation: (\\d+)ms`,
          ).exec(text);
          if (match) ms = Number(match[1]);
          else await page.waitForTimeout(300);
        }
        rows[i] = { ...rows[i], workbenchMs: ms };
        console.log(`ui run ${i + 1}: Show Running Extensions says Activation: ${ms} ms`);
        await page.context().close();
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await browser.close();
  ws.dispose();
}

console.log(
  `\nKube Packet Path activation in code-server 4.100.3 (VS Code 1.100.3), ${production ? 'production' : 'development'} bundle, ${RUNS} fresh starts:`,
);
console.log(`  activate() (load + activate) ${stats(rows.map((row) => row.activateMs))}`);
console.log(`  host log load→call          ${stats(rows.map((row) => row.hostLoadMs))}`);
console.log(`  activate() body (own log)   ${stats(rows.map((row) => row.activateBodyMs))}`);
console.log(`  first command               ${stats(rows.map((row) => row.firstCommandMs))}`);
if (argv.includes('--ui')) console.log(`  Show Running Extensions     ${stats(rows.map((row) => row.workbenchMs))}`);
console.log(`  whole run (start → exit)    ${stats(rows.map((row) => row.wallMs))}`);

const sizesFile = join(ROOT, 'dist', 'sizes.json');
if (existsSync(sizesFile)) {
  console.log('\nBundle sizes (dist/sizes.json; chunks summed per folder):');
  const groups = new Map();
  for (const [file, bytes] of Object.entries(JSON.parse(readFileSync(sizesFile, 'utf8')))) {
    const key = /\/chunks\//.test(file) ? file.replace(/\/chunks\/.*/, '/chunks/*') : file;
    const group = groups.get(key) ?? { bytes: 0, files: 0 };
    groups.set(key, { bytes: group.bytes + bytes, files: group.files + 1 });
  }
  for (const [file, group] of [...groups].sort()) {
    console.log(
      `  ${(file + (group.files > 1 ? ` (${group.files} files)` : '')).padEnd(36)} ${(group.bytes / 1024).toFixed(1).padStart(9)} KiB`,
    );
  }
}
const vsix = join(ROOT, 'kube-packet-path.vsix');
if (existsSync(vsix))
  console.log(`  ${'kube-packet-path.vsix'.padEnd(36)} ${(statSync(vsix).size / 1024).toFixed(1).padStart(9)} KiB`);
if (rows.some((row) => row.exitCode !== 0 || !row.commandOk)) {
  console.error('some runs did not activate or answer the command');
  process.exit(1);
}
