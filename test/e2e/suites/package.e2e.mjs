// What `vsce package` would ship (.vscodeignore): every file package.json points to, the
// bundled samples (`trace --sample` and the diagram's sample command read them at run time),
// the README's screenshots, and nothing else of the repository (sources, tests, maps, caches).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/workspace.mjs';

export const name = 'package contents';
export const kind = 'standalone';

let cached;
function shipped() {
  if (cached) return cached;
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  cached = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return cached;
}

/** Every file under samples/, as paths relative to the repository. */
function sampleFiles(dir = 'samples') {
  return readdirSync(join(ROOT, dir)).flatMap((n) => {
    const rel = `${dir}/${n}`;
    return statSync(join(ROOT, rel)).isDirectory() ? sampleFiles(rel) : [rel];
  });
}

export const tests = [
  [
    'the package holds every file package.json refers to',
    () => {
      const files = new Set(shipped());
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      const rel = (p) => p.replace(/^\.\//, '');
      const wanted = [
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        rel(pkg.main),
        ...(pkg.icon ? [rel(pkg.icon)] : []),
        ...(pkg.contributes?.grammars ?? []).map((g) => rel(g.path)),
        ...(pkg.contributes?.languages ?? []).filter((l) => l.configuration).map((l) => rel(l.configuration)),
        ...sampleFiles(),
        ...[...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\((media\/[^)]+)\)/g)].map(
          (m) => m[1],
        ),
      ];
      assert.deepEqual(
        wanted.filter((f) => !files.has(f)),
        [],
      );
    },
  ],
  [
    'the package ships bundles, not sources, tests, source maps or caches',
    () => {
      const bad = shipped().filter((f) =>
        /\.map$|\.ts$|^src\/|^test\/|^node_modules\/|^\.cache\/|^out\/|^bench\/|^scripts\/|\.vsix$|^dist\/sizes\.json$/.test(
          f,
        ),
      );
      assert.deepEqual(bad, []);
    },
  ],
];
