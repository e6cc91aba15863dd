// The esbuild configuration of every bundle, shared by scripts/build.mjs and the test that
// keeps the activation bundle small (test/unit/editor/activationBundle.test.ts).
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository: npm scripts, the benchmarks and the tests all run from there. */
const ROOT = process.cwd();
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * Modules that live in the activation bundle (dist/extension.js) and are shared with the
 * features bundle (dist/features.js): the cluster state (the last cluster read and its event)
 * and the parse worker's client must be one instance each. The features bundle imports them from './extension.js', which
 * re-exports them; Node's module cache hands it the copy VS Code already loaded.
 */
const SHARED_WITH_ACTIVATION = new Set(
  [
    'src/editor/cluster',
    'src/editor/cluster/index',
    'src/editor/cluster/state',
    // one parse worker: the activation bundle starts its thread when a large log opens
    'src/editor/worker/parseInWorker',
  ].map((p) => join(ROOT, p)),
);
const shareActivationModules = {
  name: 'share-activation-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      SHARED_WITH_ACTIVATION.has(resolve(args.resolveDir, args.path).replace(/\.ts$/, ''))
        ? { path: './extension.js', external: true }
        : undefined,
    );
  },
};

/** Every bundle's esbuild options; `production` minifies and drops source maps (what `npm run package` ships). */
export function bundleTargets({ production = false } = {}) {
  const common = {
    absWorkingDir: ROOT,
    define: { KPP_VERSION: JSON.stringify(version) },
    bundle: true,
    sourcemap: production ? false : 'linked',
    minify: production,
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
  };
  const node = { ...common, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20' };
  return {
    // What VS Code loads to activate: the log, the cluster commands and status bar, and stand-ins
    // for everything else. `vscode` is provided by the host; the features and the cluster reader
    // are separate bundles loaded with require() on first use, so activation never parses them.
    extension: {
      ...node,
      entryPoints: { extension: 'src/editor/extension.ts' },
      external: ['vscode', './cluster.js', './features.js'],
    },
    // Hovers, CodeLens, diagnostics, trace/paste/diagram commands: ingest, yaml, flow and render.
    features: {
      ...node,
      entryPoints: { features: 'src/editor/commands.ts' },
      external: ['vscode', './cluster.js', './extension.js'],
      plugins: [shareActivationModules],
    },
    cluster: { ...node, entryPoints: { cluster: 'src/cluster/index.ts' }, external: ['vscode'] },
    // The parse worker (a Node worker thread started by the extension host): ingest and flow, no `vscode`.
    worker: { ...node, entryPoints: { worker: 'src/editor/worker/parseWorker.pure.ts' } },
    cli: {
      ...node,
      entryPoints: { cli: 'src/cli/main.ts' },
      banner: { js: '#!/usr/bin/env node' },
      external: ['vscode', './cluster.js'],
    },
    // ES modules with code splitting: the panel loads main.js, which imports Mermaid
    // on first draw, and Mermaid imports only the sequence-diagram chunk, not every
    // diagram type. Loaded with <script type="module" nonce> from dist/webview/.
    webview: {
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
          setup: (b) => b.onStart(() => rmSync(join(ROOT, 'dist/webview'), { recursive: true, force: true })),
        },
      ],
    },
  };
}
