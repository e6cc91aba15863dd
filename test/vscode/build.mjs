// Bundles the in-VS Code test files (test/vscode/suite/**/*.test.ts) with esbuild into
// out/vscode-tests/ — CommonJS for the extension host, `vscode` and `mocha` external, mocha's
// tdd globals (suite/test) supplied at run time — and describes how to run them with
// @vscode/test-cli's mocha runner (VSCODE_TEST_OPTIONS).
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUITE_DIR = join(ROOT, 'test', 'vscode', 'suite');
export const OUT_DIR = join(ROOT, 'out', 'vscode-tests');
/** @vscode/test-cli's mocha runner, used as extensionTestsPath everywhere. */
export const RUNNER = join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'runner.cjs');
export const REPORTER = join(ROOT, 'test', 'vscode', 'reporter.cjs');
export const FLUSH_LOGS = join(ROOT, 'test', 'vscode', 'flush-logs.cjs');

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.test.ts') ? [p] : [];
  });
}

/** Bundles the suite; `filters` keep files whose path contains one of them. Returns the .js files. */
export async function buildInHostTests(filters = []) {
  // The host-stall suite runs last: VS Code keeps a closed document (its 235k-line log) open for
  // the extension for minutes, and the suites after it would trace its connections too.
  const last = (f) => Number(f.endsWith('hostStall.test.ts'));
  const files = walk(SUITE_DIR)
    .filter((f) => !filters.length || filters.some((s) => f.includes(s)))
    .sort((a, b) => last(a) - last(b) || a.localeCompare(b));
  if (!files.length) throw new Error(`no in-VS Code test files match ${filters.join(' ')}`);
  rmSync(OUT_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: files,
    outdir: OUT_DIR,
    outbase: SUITE_DIR,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return files.map((f) => join(OUT_DIR, relative(SUITE_DIR, f)).replace(/\.ts$/, '.js'));
}

/** The VSCODE_TEST_OPTIONS value @vscode/test-cli's runner reads in the extension host. */
export function testOptions(files, { grep, timeout = 30_000 } = {}) {
  return JSON.stringify({
    mochaOpts: { ui: 'tdd', timeout, reporter: REPORTER, ...(grep ? { grep } : {}) },
    files,
    preload: [FLUSH_LOGS],
    colorDefault: false,
  });
}
