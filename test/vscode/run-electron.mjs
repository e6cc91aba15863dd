#!/usr/bin/env node
// `npm run test:vscode`: the in-VS Code suite (test/vscode/suite/*.test.ts) run by
// @vscode/test-electron in a downloaded desktop VS Code 1.100.3 — the same test files the
// code-server harness (test/e2e) runs in its extension host, through the same
// @vscode/test-cli mocha runner and VSCODE_TEST_OPTIONS.
//
// Needs network access to download VS Code into .vscode-test/ (cached afterwards) and, on
// Linux without a display, `xvfb-run -a npm run test:vscode`. Where VS Code cannot be
// downloaded (such as the sandbox this project is built in) it says so and exits 1; with
// --if-available it prints SKIPPED and exits 0 instead. A local VS Code can be used with
// VSCODE_EXECUTABLE=/path/to/code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildInHostTests, ROOT, RUNNER, testOptions } from './build.mjs';
import { prepareWorkspace } from '../e2e/lib/workspace.mjs';

const VERSION = process.env.VSCODE_TEST_VERSION ?? '1.100.3';
const ifAvailable = process.argv.includes('--if-available');
const grepIdx = process.argv.indexOf('--grep');

async function resolveVSCode() {
  if (process.env.VSCODE_EXECUTABLE) return process.env.VSCODE_EXECUTABLE;
  try {
    return await downloadAndUnzipVSCode({ version: VERSION, cachePath: join(ROOT, '.vscode-test'), timeout: 20_000 });
  } catch (e) {
    const why = String(e?.message ?? e).split('\n')[0];
    const msg =
      `@vscode/test-electron could not download VS Code ${VERSION}: ${why}\n` +
      'This machine cannot reach the VS Code download service. Run the same suite in code-server instead:\n' +
      '  npm run test:e2e            (or: node test/e2e/run.mjs --only host)\n' +
      'or point VSCODE_EXECUTABLE at an installed VS Code.';
    if (ifAvailable) {
      console.log(`SKIPPED: ${msg}`);
      process.exit(0);
    }
    console.error(`ERROR: ${msg}`);
    process.exit(1);
  }
}

const executable = await resolveVSCode();
const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
if (b.status !== 0) process.exit(1);
const files = await buildInHostTests();
const ws = prepareWorkspace();
const scratch = mkdtempSync(join(tmpdir(), 'kpp-vscode-test-'));
const resultsFile = join(scratch, 'results.json');
let failed = 1;
try {
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: RUNNER,
    extensionTestsEnv: {
      VSCODE_TEST_OPTIONS: testOptions(files, { grep: grepIdx >= 0 ? process.argv[grepIdx + 1] : undefined }),
      KPP_TEST_RESULTS: resultsFile,
      KPP_E2E_WORKSPACE: ws.dir,
    },
    launchArgs: [
      ws.dir,
      '--disable-extensions', // other installed extensions; the one under development still loads
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      join(scratch, 'user-data'),
      '--extensions-dir',
      join(scratch, 'extensions'),
    ],
  });
  failed = 0;
} catch (e) {
  console.error(`VS Code test run failed: ${e?.message ?? e}`);
} finally {
  if (existsSync(resultsFile)) {
    const tests = JSON.parse(readFileSync(resultsFile, 'utf8')).tests;
    const p = tests.filter((t) => t.state === 'passed').length;
    const f = tests.filter((t) => t.state === 'failed').length;
    console.log(`\n${p} passed, ${f} failed`);
    if (f) failed = 1;
  }
  rmSync(scratch, { recursive: true, force: true });
  ws.dispose();
}
process.exit(failed);
