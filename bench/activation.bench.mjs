#!/usr/bin/env node
// Activation of the real extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
// driven by Chromium), over several fresh starts, plus the bundle sizes. Prints figures;
// asserts nothing about time.
//   node bench/activation.bench.mjs [--runs 5] [--production] [--skip-build]
// --production measures the minified bundle `npm run package` ships (rebuilds dist/ that
// way; run `npm run build` afterwards for source maps again).
// Figures per run:
//   activate()      ext.activate() timed inside the extension host: require(dist/extension.js) + activate()
//   host load→call  extension host trace log: _doActivateExtension → _callActivateOptional (loading the code)
//   activate body   the extension's own "activated in N ms" log line (activate() itself)
//   first command   executeCommand('kubePacketPath.showServiceNames', …) right after activation
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCodeServer } from '../scripts/install-code-server.mjs';
import { launchChromium } from '../test/e2e/lib/browser.mjs';
import { runExtensionTests } from '../test/e2e/lib/in-host.mjs';
import { prepareWorkspace, ROOT } from '../test/e2e/lib/workspace.mjs';

const argv = process.argv.slice(2);
const runsIdx = argv.indexOf('--runs');
const RUNS = runsIdx >= 0 ? Number(argv[runsIdx + 1]) : 5;
const production = argv.includes('--production');
const ID = 'kube-packet-path.kube-packet-path';

if (!argv.includes('--skip-build')) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) process.exit(1);
}
installCodeServer();

const stamp = (line) => {
  const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return m ? Date.parse(m[1].replace(' ', 'T') + 'Z') : NaN;
};
function fromLogs(logs) {
  const host = logs.filter((l) => /remoteexthost\.log$/.test(l.path)).flatMap((l) => l.text.split('\n'));
  const start = host.find((l) => l.includes(`_doActivateExtension ${ID},`));
  const call = host.find((l) => l.includes(`_callActivateOptional ${ID}`));
  const own = logs.find((l) => l.path.endsWith(`${ID}/Kube Packet Path.log`));
  const m = own && /activated in (\d+) ms/.exec(own.text);
  return { hostLoadMs: start && call ? stamp(call) - stamp(start) : NaN, activateBodyMs: m ? Number(m[1]) : NaN };
}

const stats = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return 'n/a';
  const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return `median ${med.toFixed(1)} ms  min ${v[0].toFixed(1)}  max ${v[v.length - 1].toFixed(1)}  (n=${v.length})`;
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
    console.log(`run ${i + 1}: activate() ${row.activateMs?.toFixed(1)} ms, host load→call ${row.hostLoadMs} ms, ` +
      `activate body ${row.activateBodyMs} ms, first command ${row.firstCommandMs?.toFixed(1)} ms, ` +
      `command ok ${row.commandOk}, was active before ${row.wasActive}, code-server start→tests done ${wall} ms`);
  }
} finally {
  await browser.close();
  ws.dispose();
}

console.log(`\nKube Packet Path activation in code-server 4.100.3 (VS Code 1.100.3), ${production ? 'production' : 'development'} bundle, ${RUNS} fresh starts:`);
console.log(`  activate() (load + activate) ${stats(rows.map((r) => r.activateMs))}`);
console.log(`  host log load→call          ${stats(rows.map((r) => r.hostLoadMs))}`);
console.log(`  activate() body (own log)   ${stats(rows.map((r) => r.activateBodyMs))}`);
console.log(`  first command               ${stats(rows.map((r) => r.firstCommandMs))}`);
console.log(`  whole run (start → exit)    ${stats(rows.map((r) => r.wallMs))}`);

const sizesFile = join(ROOT, 'dist', 'sizes.json');
if (existsSync(sizesFile)) {
  console.log('\nBundle sizes (dist/sizes.json):');
  for (const [f, b] of Object.entries(JSON.parse(readFileSync(sizesFile, 'utf8')))) {
    console.log(`  ${f.padEnd(24)} ${(b / 1024).toFixed(1).padStart(9)} KiB`);
  }
}
const vsix = join(ROOT, 'kube-packet-path.vsix');
if (existsSync(vsix)) console.log(`  kube-packet-path.vsix    ${(statSync(vsix).size / 1024).toFixed(1).padStart(9)} KiB`);
if (rows.some((r) => r.exitCode !== 0 || !r.commandOk)) {
  console.error('some runs did not activate or answer the command');
  process.exit(1);
}
