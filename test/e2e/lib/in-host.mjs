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

/**
 * @returns {Promise<{exitCode:number|null, tests:{title:string,state:string,error?:string}[],
 *   logs:{path:string,text:string}[], console:string[], serverOutput:string}>}
 */
export async function runInHostTests(browser, { files, folder, grep, timeoutMs = 180_000, env = {} }) {
  const resultsDir = mkdtempSync(join(tmpdir(), 'kpp-results-'));
  const resultsFile = join(resultsDir, 'results.json');
  const server = await startCodeServer({
    folder,
    env: { ...env, VSCODE_TEST_OPTIONS: testOptions(files, { grep }), KPP_TEST_RESULTS: resultsFile, KPP_E2E_WORKSPACE: folder },
  });
  let page;
  try {
    let exited;
    const exitCode = new Promise((r) => { exited = r; });
    page = await openWorkbench(browser, server, {
      folder,
      waitForWorkbench: false,
      payload: { extensionDevelopmentPath: ROOT, extensionTestsPath: RUNNER, skipWelcome: 'true' },
      beforeLoad: (p) => p.exposeFunction('codeAutomationExit', (code) => { exited(code); }),
    });
    let timer;
    const code = await Promise.race([
      exitCode,
      new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    const tests = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')).tests : [];
    return { exitCode: code, tests, logs: server.logs(), console: page.kppConsole, serverOutput: server.output() };
  } finally {
    await page?.context().close().catch(() => {});
    await server.stop();
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
