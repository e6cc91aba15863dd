import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// DESIGN.md: layers are folders under src/, and imports only point "right":
// model ← ingest ← flow ← render; cluster → model; only src/editor imports `vscode`.
const allowed: Record<string, string[]> = {
  model: ['model'],
  // protocol may name the model's status and role types (type-only: the webview bundles none of the model)
  protocol: ['protocol', 'model'],
  ingest: ['model', 'ingest'],
  cluster: ['model', 'cluster', 'ingest'],
  flow: ['model', 'ingest', 'flow'],
  render: ['model', 'flow', 'render', 'protocol'],
  samples: ['model', 'ingest', 'flow', 'samples'],
  cli: ['model', 'ingest', 'flow', 'render', 'cli', 'samples', 'cluster'],
  editor: ['model', 'ingest', 'flow', 'render', 'cli', 'editor', 'protocol', 'samples', 'cluster'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('only src/editor imports vscode, and layers import only what is to their left', () => {
  const problems: string[] = [];
  const files = tsFiles('src');
  assert.ok(files.length > 10, 'found the source files');
  for (const file of files) {
    const layer = relative('src', file).split(sep)[0];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec === 'vscode' && layer !== 'editor') problems.push(`${file} imports vscode`);
      if (!spec.startsWith('.')) continue;
      const target = relative('src', join(file, '..', spec)).split(sep)[0];
      if (target.startsWith('..')) continue;
      if (allowed[layer] && !allowed[layer].includes(target))
        problems.push(`${file} (${layer}) imports ${spec} (${target})`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the extension bundle does not pull in the cluster client at activation', () => {
  // dist/extension.js is built by `npm test` before the unit tests run.
  const bundle = readFileSync('dist/extension.js', 'utf8');
  assert.ok(!bundle.includes('@kubernetes/client-node'), 'client-node is not inlined into dist/extension.js');
  assert.ok(!/require\(["']@kubernetes\/client-node["']\)/.test(bundle));
});

test('the parse worker bundle runs without vscode', () => {
  // dist/worker.js runs in a Node worker thread, where `vscode` does not exist
  const bundle = readFileSync('dist/worker.js', 'utf8');
  assert.ok(!/require\(["']vscode["']\)/.test(bundle), 'dist/worker.js does not require vscode');
});
