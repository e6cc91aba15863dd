// Bundles every test/**/*.test.ts (except the in-VS Code suites) with esbuild and runs
// them with Node's own test runner. Extra arguments filter test files by substring:
//   node scripts/run-unit-tests.mjs ingest/tcpdump
import * as esbuild from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

mkdirSync('out', { recursive: true });

const filters = process.argv.slice(2);
const skipDirs = new Set(['node_modules', 'e2e', 'vscode', 'fixtures', 'workspace']);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!skipDirs.has(name)) out.push(...walk(p));
    } else if (name.endsWith('.test.ts')) {
      out.push(p);
    }
  }
  return out;
}

const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

// Each run bundles into its own folder, so parallel runs (several engineers, watch + CI) never
// delete each other's files.
const outdir = mkdtempSync('out/test-');
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
await esbuild.build({
  entryPoints: files,
  outdir,
  outbase: 'test',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  packages: 'external',
  logLevel: 'warning',
});

const outputs = files.map((f) => join(outdir, relative('test', f)).replace(/\.ts$/, '.js'));
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...outputs], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
