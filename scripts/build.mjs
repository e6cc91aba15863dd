// Builds every bundle (configured in scripts/bundles.mjs): the extension host's activation and
// features bundles and the cluster reader (Node, CJS, `vscode` external), the command-line tool
// (Node) and the webview (browser, Mermaid bundled).
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundleTargets } from './bundles.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const targets = Object.values(bundleTargets({ production }));

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const t of targets) (await esbuild.context(t)).watch();
  console.log('watching src/ and webview/ …');
} else {
  const results = await Promise.all(targets.map((t) => esbuild.build(t)));
  const sizes = {};
  for (const r of results) {
    for (const [file, info] of Object.entries(r.metafile.outputs)) {
      if (file.endsWith('.js')) sizes[file] = info.bytes;
    }
  }
  writeFileSync('dist/sizes.json', JSON.stringify(sizes, null, 2) + '\n');
  chmodSync('dist/cli.js', 0o755);
  for (const [f, b] of Object.entries(sizes)) console.log(`${f.padEnd(22)} ${(b / 1024).toFixed(1).padStart(9)} KiB`);
}
