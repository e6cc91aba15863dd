// Runs the extension's own mocha test files (test/vscode/suite) INSIDE the extension host
// of a real VS Code served by code-server: the workbench gets extensionDevelopmentPath and
// extensionTestsPath (@vscode/test-cli's runner) through its `payload` URL parameter, the
// runner reads VSCODE_TEST_OPTIONS from the server's environment, and the workbench calls
// window.codeAutomationExit(code) when mocha is done.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer } from './code-server.mjs';
import { openWorkbench } from './browser.mjs';
import { RUNNER, testOptions } from '../../vscode/build.mjs';
import { ROOT } from './workspace.mjs';

/** Log files are flushed asynchronously: read them once their total size stops changing. */
async function settledLogs(server, maxMs = 3000) {
  const size = (logs) => logs.reduce((n, l) => n + l.text.length, 0);
  let logs = server.logs();
  for (const end = Date.now() + maxMs; Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 300));
    const next = server.logs();
    if (size(next) === size(logs) && next.length === logs.length) return next;
    logs = next;
  }
  return logs;
}

/**
 * Runs any extensionTestsPath module (exports `run(): Promise<void>`) in the extension host
 * of a fresh code-server, with this repository as the extension under development.
 * `whileRunning(page)`, when given, runs beside the tests (a benchmark watching the page) and is
 * awaited after they exit; `settings` go into the user settings.
 * @returns {Promise<{exitCode:number|null, logs:{path:string,text:string}[], console:string[], serverOutput:string}>}
 */
export async function runExtensionTests(
  browser,
  { testsPath, folder, timeoutMs = 180_000, env = {}, settings = {}, whileRunning },
) {
  const server = await startCodeServer({ folder, env, settings });
  let page;
  try {
    let exited;
    const exitCode = new Promise((r) => {
      exited = r;
    });
    page = await openWorkbench(browser, server, {
      folder,
      waitForWorkbench: false,
      payload: { extensionDevelopmentPath: ROOT, extensionTestsPath: testsPath, skipWelcome: 'true' },
      beforeLoad: (p) =>
        p.exposeFunction('codeAutomationExit', (code) => {
          exited(code);
        }),
    });
    const beside = whileRunning?.(page);
    let timer;
    const code = await Promise.race([
      exitCode,
      new Promise((r) => {
        timer = setTimeout(() => r(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    await beside;
    return { exitCode: code, logs: await settledLogs(server), console: page.kppConsole, serverOutput: server.output() };
  } finally {
    await page
      ?.context()
      .close()
      .catch(() => {});
    await server.stop();
  }
}

/**
 * The mocha files (bundled by test/vscode/build.mjs) through @vscode/test-cli's runner.
 * @returns {Promise<{exitCode:number|null, tests:{title:string,state:string,durationMs:number,error?:string}[],
 *   logs:{path:string,text:string}[], console:string[], serverOutput:string}>}
 */
export async function runInHostTests(browser, { files, folder, grep, timeoutMs = 180_000, env = {} }) {
  const resultsDir = mkdtempSync(join(tmpdir(), 'kpp-results-'));
  const resultsFile = join(resultsDir, 'results.json');
  const cleanup = () => rmSync(resultsDir, { recursive: true, force: true });
  process.once('exit', cleanup);
  try {
    const run = await runExtensionTests(browser, {
      testsPath: RUNNER,
      folder,
      timeoutMs,
      env: {
        ...env,
        VSCODE_TEST_OPTIONS: testOptions(files, { grep }),
        KPP_TEST_RESULTS: resultsFile,
        KPP_E2E_WORKSPACE: folder,
      },
    });
    const tests = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')).tests : [];
    return { ...run, tests };
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}
