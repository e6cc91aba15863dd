// Bundles scripts/screenshots/*.ts with esbuild and runs each: they write the README's
// screenshots (media/*.png) from real traces in the real webview (needs Debian's chromium).
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

mkdirSync('out', { recursive: true });
const out = mkdtempSync('out/shots-');
const entries = readdirSync('scripts/screenshots')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('scripts/screenshots', f));
await esbuild.build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
let failed = 0;
for (const entry of entries) {
  const js = join(out, entry.replace(/^.*[\\/]/, '').replace(/\.ts$/, '.js'));
  const run = spawnSync(process.execPath, [js], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
rmSync(out, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
