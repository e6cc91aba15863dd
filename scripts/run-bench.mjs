// Bundles bench/**/*.bench.ts with esbuild and runs each in its own Node process
// (so peak memory is per benchmark). Benchmarks print their figures; nothing here
// asserts on time. Extra arguments filter by substring: node scripts/run-bench.mjs tcpdump
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const filters = process.argv.slice(2);
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? (n === 'out' ? [] : walk(p)) : n.endsWith('.bench.ts') ? [p] : [];
  });
const files = walk('bench')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no benchmarks match');
  process.exit(1);
}
// Linked (not inline) source maps: the product ships none, and an inline map measurably slowed
// the iptables-save benchmark's index phase (0.39-0.47 s against 0.36-0.39 s without it).
await esbuild.build({
  entryPoints: files,
  outdir: 'bench/out',
  outbase: 'bench',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
});
let failed = 0;
for (const f of files) {
  const out = join('bench/out', relative('bench', f)).replace(/\.ts$/, '.js');
  console.log(`\n== ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', out], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
