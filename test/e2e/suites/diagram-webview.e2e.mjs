// The diagram webview alone in headless Chromium (no workbench): escaping of hostile
// names in the real rendered SVG under the real CSP, arrow clicks, phase tabs, exports,
// theme switches, the "nothing traced" view and persisted state. The checks are
// TypeScript (diagram-webview-checks.ts), bundled here with esbuild.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../lib/workspace.mjs';

export const name = 'diagram webview (Chromium)';
export const kind = 'standalone';

async function loadChecks() {
  // Inside the repository so the bundle resolves node_modules (out/ is git-ignored).
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'out', 'e2e-diagram-'));
  const out = join(dir, 'checks.cjs');
  await esbuild.build({
    entryPoints: [join(ROOT, 'test/e2e/suites/diagram-webview-checks.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const mod = await import(pathToFileURL(out).href);
  return { run: mod.run ?? mod.default.run, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Each check is reported as its own test; they share one page, in order. */
const results = [];
let ran;
async function runAll() {
  ran ??= (async () => {
    const { run, dispose } = await loadChecks();
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      await run(async (title, fn) => {
        try {
          await fn();
          results.push([title, undefined]);
        } catch (e) {
          results.push([title, e]);
        }
      });
    } finally {
      process.chdir(cwd);
      dispose();
    }
  })();
  return ran;
}

const TITLES = [
  'hostile names are drawn as text: no markup, no script, no CSP violation',
  'clicking an arrow selects its step and posts openEvidence with that step’s evidence id',
  'phase tabs draw one phase; the step list follows',
  'several flows: the flow picker switches the diagram and the step list',
  'a diagram Mermaid cannot draw shows its error and keeps the step list',
  'export buttons post Mermaid/Markdown requests and a standalone SVG',
  'a VS Code theme switch (dark, high contrast light) redraws the diagram in the new colours',
  'no flow: the panel explains why and lists the commands that help (never blank)',
  'a first flow drawn while the others are built: the rest comes without drawing it again',
  'the panel state is persisted for the serializer (result and view)',
];

export const tests = TITLES.map((title) => [
  title,
  async () => {
    await runAll();
    const r = results.find(([t]) => t === title);
    if (!r) throw new Error('check did not run (an earlier check broke the page)');
    if (r[1]) throw r[1];
  },
]);
