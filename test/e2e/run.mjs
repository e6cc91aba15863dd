#!/usr/bin/env node
// End-to-end tests in a REAL VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by
// Debian's Chromium through playwright-core. `npm run test:e2e` runs, in order:
//   1. `npm run build` (the extension's dist/), then code-server's install into .cache/ if needed;
//   2. the in-VS Code mocha suite (test/vscode/suite/*.test.ts) inside the extension host;
//   3. checks on that run's logs (suites with kind 'after-host');
//   4. the Playwright UI suites (test/e2e/suites/*.e2e.mjs, kind 'ui') on one code-server;
//   5. suites that start their own processes (kind 'standalone', e.g. `npm run demo -- --smoke`).
// Prints one line per test and, last, "N passed, N failed"; exits 1 when anything failed.
//
// Options: --skip-build  --only host|ui|standalone  --suite <substring>  --grep <mocha grep>  --keep
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installCodeServer } from '../../scripts/install-code-server.mjs';
import { buildInHostTests } from '../vscode/build.mjs';
import { launchChromium, openWorkbench, waitForWorkbenchReady } from './lib/browser.mjs';
import { startCodeServer } from './lib/code-server.mjs';
import { runInHostTests } from './lib/in-host.mjs';
import { prepareWorkspace, ROOT } from './lib/workspace.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => {
  const i = argv.indexOf(f);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = opt('--only');
const suiteFilter = opt('--suite');
const WATCHDOG_MS = Number(process.env.KPP_E2E_TIMEOUT_MS ?? 8 * 60_000);

const results = [];
function report(suite, name, ok, ms, err) {
  results.push({ suite, name, ok });
  console.log(`${ok ? '  ✔' : '  ✘'} ${suite} › ${name}${ms !== undefined ? ` (${ms} ms)` : ''}`);
  if (!ok && err)
    console.log(
      String(err?.stack ?? err)
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n'),
    );
}
/** Tests marked with a known, open bug that failed: printed and listed, not counted as failures. */
const knownBugs = [];
function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const known = knownBugs.length ? `; ${knownBugs.length} failed on a known open bug: ${knownBugs.join('; ')}` : '';
  console.log(`\n${passed} passed, ${failed} failed${known}`);
  return failed;
}

// A run that hangs is a failure, and every process it started is stopped (the exit hook
// in lib/code-server.mjs kills each code-server process group).
const watchdog = setTimeout(() => {
  report('harness', `finished within ${WATCHDOG_MS / 1000} s`, false, undefined, 'watchdog expired');
  summary();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

async function loadSuites() {
  const dir = join(ROOT, 'test', 'e2e', 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.e2e.mjs'))
    .sort();
  const suites = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(dir, f)).href);
    const s = { file: f, name: mod.name ?? f, kind: mod.kind ?? 'ui', tests: mod.tests ?? [] };
    if (!suiteFilter || f.includes(suiteFilter) || s.name.includes(suiteFilter)) suites.push(s);
  }
  return suites;
}

// A test may carry `{ knownBug: 'what is wrong' }` as its third element: a failure then prints
// its error under "known bug" and is listed in the summary, but does not fail the run.
async function runTests(suite, ctx) {
  for (const [name, fn, { knownBug } = {}] of suite.tests) {
    const t0 = Date.now();
    try {
      await fn(ctx);
      report(suite.name, name, true, Date.now() - t0);
    } catch (e) {
      if (!knownBug) {
        report(suite.name, name, false, Date.now() - t0, e);
        continue;
      }
      knownBugs.push(`${suite.name} › ${name} (${knownBug})`);
      console.log(`  ⚠ ${suite.name} › ${name} (${Date.now() - t0} ms): known bug: ${knownBug}`);
      console.log(`      ${String(e?.message ?? e).split('\n')[0]}`);
    }
  }
}

async function main() {
  if (!flag('--skip-build')) {
    console.log('› npm run build');
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  installCodeServer();
  const suites = await loadSuites();
  const ws = prepareWorkspace({ keep: flag('--keep') });
  console.log(`› workspace ${ws.dir}${ws.hasSamples ? ' (samples/ + e2e fixtures)' : ' (e2e fixtures)'}`);
  const browser = await launchChromium();
  try {
    if (!only || only === 'host') {
      const files = await buildInHostTests();
      console.log(`› in-VS Code suite: ${files.length} file(s) in the extension host of code-server`);
      const t0 = Date.now();
      const host = await runInHostTests(browser, { files, folder: ws.dir, grep: opt('--grep') });
      for (const t of host.tests) {
        if (t.state === 'pending') continue;
        report('in-host', t.title, t.state === 'passed', t.durationMs, t.error);
      }
      const hostFailures = host.tests.filter((t) => t.state === 'failed').length;
      const exitOk = host.exitCode === 0 ? hostFailures === 0 : hostFailures > 0;
      report(
        'in-host',
        'extension host tests ran to completion (codeAutomationExit)',
        host.exitCode !== null && host.tests.length > 0 && exitOk,
        Date.now() - t0,
        host.exitCode === null
          ? `no exit within the timeout\n${host.console.slice(-30).join('\n')}`
          : `exit code ${host.exitCode}, ${host.tests.length} results`,
      );
      // The log checks expect what the whole in-host suite writes; a --grep run writes only part of it.
      if (opt('--grep')) console.log('  (after-host log checks skipped: --grep runs part of the in-host suite)');
      else
        for (const s of suites.filter((x) => x.kind === 'after-host')) await runTests(s, { host, workspace: ws.dir });
    }
    const ui = suites.filter((s) => s.kind === 'ui');
    if ((!only || only === 'ui') && ui.length) {
      const server = await startCodeServer({ folder: ws.dir, keep: flag('--keep') });
      try {
        for (const s of ui) {
          console.log(`› ${s.name}`);
          let page;
          try {
            page = await openWorkbench(browser, server, {
              folder: ws.dir,
              payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
            });
            await waitForWorkbenchReady(page);
            await runTests(s, { page, server, workspace: ws.dir });
          } catch (e) {
            report(s.name, 'workbench opens', false, undefined, e);
          } finally {
            await page
              ?.context()
              .close()
              .catch(() => {});
          }
        }
      } finally {
        await server.stop();
      }
    }
    if (!only || only === 'standalone') {
      for (const s of suites.filter((x) => x.kind === 'standalone')) {
        console.log(`› ${s.name}`);
        await runTests(s, { workspace: ws.dir });
      }
    }
  } finally {
    await browser.close().catch(() => {});
    if (!flag('--keep')) ws.dispose();
  }
}

try {
  await main();
} catch (e) {
  report('harness', 'setup', false, undefined, e);
}
process.exitCode = summary() ? 1 : 0;
