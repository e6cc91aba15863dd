// One esbuild configuration for every bundle: the extension host (Node, CJS, `vscode`
// external), the command-line tool (Node) and the webview (browser, Mermaid bundled).
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  define: { KPP_VERSION: JSON.stringify(version) },
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
};

const targets = [
  {
    ...common,
    entryPoints: { extension: 'src/editor/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // `vscode` is provided by the host. The cluster reader is a separate chunk-free
    // bundle loaded with require() on first use, so activation never parses it.
    external: ['vscode', './cluster.js'],
  },
  {
    ...common,
    entryPoints: { cluster: 'src/cluster/index.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    // the parse worker (a Node worker thread started by the extension host): ingest and flow, no `vscode`
    ...common,
    entryPoints: { worker: 'src/editor/worker/parseWorker.pure.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['vscode', './cluster.js'],
  },
  {
    // ES modules with code splitting: the panel loads main.js, which imports Mermaid
    // on first draw, and Mermaid imports only the sequence-diagram chunk, not every
    // diagram type. Loaded with <script type="module" nonce> from dist/webview/.
    ...common,
    entryPoints: { main: 'webview/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'es2022',
    loader: { '.css': 'text' },
    // Chunk names carry content hashes: start from an empty folder so stale chunks never ship.
    plugins: [
      {
        name: 'clean-webview-dir',
        setup: (b) =>
          b.onStart(async () => (await import('node:fs')).rmSync('dist/webview', { recursive: true, force: true })),
      },
    ],
  },
];

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
