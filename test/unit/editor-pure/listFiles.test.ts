// The workspace scan's listing in its worker (listFiles): it must list what VS Code 1.100's
// `workspace.findFiles(glob, SCAN_EXCLUDES)` lists (globs relative to each folder, files.exclude but
// not search.exclude, no .gitignore, links followed), in a fixed order. Judged against ripgrep run
// with the arguments VS Code's file search gives it, where `rg` is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { excludeRules, listFiles, SCAN_EXCLUDES, type ExcludeRule } from '../../../src/editor/workspace/listFiles.pure';

const SCAN_GLOBS = ['**/*.{yaml,yml,json}', '**/*.{txt,log,tcpdump,iptables,iptables-save,ip6tables}', '**/rules.v4'];

function folder(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'kpp-list-'));
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), 'x');
  }
  return root;
}

/** Each glob's files under `root`, relative to it. */
async function listed(
  root: string,
  globs: string[],
  options: { excludes?: ExcludeRule[]; followSymlinks?: boolean; max?: number } = {},
): Promise<string[][]> {
  const lists = await listFiles({
    folders: [{ path: root, excludes: options.excludes ?? [], followSymlinks: options.followSymlinks ?? true }],
    searches: globs.map((glob) => ({ globs: [glob], max: options.max ?? 100 })),
  });
  return lists.map((list) => list.map((path) => relative(root, path)));
}

const WORKSPACE = [
  'k8s/app.yaml',
  'k8s/deep/er/svc.yml',
  'k8s/App.YAML',
  '.github/workflows/ci.yaml',
  '.hidden.json',
  'node_modules/pkg/package.json',
  'a/node_modules/b/c.json',
  '.git/config.json',
  'dist/x.json',
  'out/y.yaml',
  'sub/out/z.yaml',
  'outer/kept.yaml',
  '.vscode-test/user/settings.json',
  'captures/node1.tcpdump',
  'captures/node1.txt',
  'captures/ignored-by-git.txt',
  'etc/iptables/rules.v4',
  'notes.md',
  '.gitignore',
];

test('listFiles: the scan globs, outside SCAN_EXCLUDES, dot files and folders included, .gitignore not read', async () => {
  const root = folder(WORKSPACE);
  writeFileSync(join(root, '.gitignore'), 'captures/ignored-by-git.txt\nk8s/\n');
  try {
    assert.deepEqual(await listed(root, SCAN_GLOBS), [
      ['.github/workflows/ci.yaml', '.hidden.json', 'k8s/app.yaml', 'k8s/deep/er/svc.yml', 'outer/kept.yaml'],
      ['captures/ignored-by-git.txt', 'captures/node1.tcpdump', 'captures/node1.txt'],
      ['etc/iptables/rules.v4'],
    ]);
    // relative to the folder, not anywhere below it
    assert.deepEqual(await listed(root, ['captures/*.txt', '*.yaml']), [
      ['captures/ignored-by-git.txt', 'captures/node1.txt'],
      [],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('listFiles: files.exclude entries apply, a `when` clause only beside its sibling; excluded folders are not entered', async () => {
  const root = folder([
    'build/gen.yaml',
    'deploy/build/kept.yaml',
    'deploy/tmp/scratch.yaml',
    'deploy/tmp/notes.txt',
    'rules/x.yaml',
    'rules/x.json',
    'rules/y.json',
  ]);
  try {
    const excludes = excludeRules({
      build: true, // the folder at the root only
      '**/tmp': true,
      '**/*.json': { when: '$(basename).yaml' },
      '**/*.yml': false,
      '': true,
      '**/*.md': 'yes',
    });
    assert.deepEqual(excludes, [
      { glob: 'build' },
      { glob: '**/tmp' },
      { glob: '**/*.json', when: '$(basename).yaml' },
    ]);
    assert.deepEqual(await listed(root, ['**/*.{yaml,json,txt}'], { excludes }), [
      ['deploy/build/kept.yaml', 'rules/x.yaml', 'rules/y.json'],
    ]);
    // a glob picomatch refuses (over 65,536 characters) matches nothing instead of failing the listing
    const refused = 'a'.repeat(70_000);
    assert.deepEqual(await listed(root, [refused, '**/x.yaml'], { excludes: [{ glob: refused }] }), [
      [],
      ['rules/x.yaml'],
    ]);
    assert.deepEqual(excludeRules(undefined), []);
    assert.deepEqual(excludeRules(['**/a']), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('listFiles: symbolic links followed unless search.followSymlinks is false, each real folder once', async () => {
  const root = folder(['k8s/app.yaml']);
  const outside = folder(['shared/svc.yaml']);
  try {
    symlinkSync(join(outside, 'shared'), join(root, 'linked'));
    symlinkSync(join(root, 'k8s', 'app.yaml'), join(root, 'alias.yaml'));
    symlinkSync(root, join(root, 'k8s', 'loop'));
    symlinkSync(join(root, 'gone'), join(root, 'dangling.yaml'));
    assert.deepEqual(await listed(root, ['**/*.yaml']), [['alias.yaml', 'k8s/app.yaml', 'linked/svc.yaml']]);
    assert.deepEqual(await listed(root, ['**/*.yaml'], { followSymlinks: false }), [['k8s/app.yaml']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('listFiles: folders in order, each search up to its own limit, the same files whatever the disk order', async () => {
  const first = folder(['b.yaml', 'a/z.yaml', 'c.txt']);
  const second = folder(['a.yaml', 'd.txt']);
  try {
    const folders = [first, join(first, 'gone'), second].map((path) => ({ path, excludes: [], followSymlinks: true }));
    const all = await listFiles({ folders, searches: [{ globs: ['**/*.yaml'], max: 10 }] });
    assert.deepEqual(all, [[join(first, 'a/z.yaml'), join(first, 'b.yaml'), join(second, 'a.yaml')]]);
    const limited = await listFiles({
      folders,
      searches: [
        { globs: ['**/*.yaml'], max: 1 },
        { globs: ['**/*.txt'], max: 5 },
      ],
    });
    assert.deepEqual(limited, [[join(first, 'a/z.yaml')], [join(first, 'c.txt'), join(second, 'd.txt')]]);
  } finally {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }
});

/** ripgrep as VS Code 1.100's file search runs it for findFiles(glob, exclude): ripgrepFileSearch's arguments. */
function ripgrep(root: string, glob: string, excludes: readonly string[]): string[] {
  const anchored = (pattern: string) => (pattern.startsWith('**') || pattern.startsWith('/') ? pattern : `/${pattern}`);
  const args = ['--files', '--hidden', '--case-sensitive', '--no-require-git', '-g', anchored(glob)];
  for (const exclude of excludes) args.push('-g', `!${anchored(exclude)}`);
  args.push('--no-ignore', '--follow', '--no-config', '.');
  const out = execFileSync('rg', args, { cwd: root, encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^\.\//, ''))
    .sort();
}

const hasRipgrep = (() => {
  try {
    execFileSync('rg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(
  'listFiles lists what ripgrep lists for findFiles (VS Code file search arguments)',
  { skip: !hasRipgrep && 'rg not installed' },
  async () => {
    const root = folder([...WORKSPACE, 'build/gen.yaml', 'deploy/build/kept.yaml', 'x/tmp/t.txt']);
    writeFileSync(join(root, '.gitignore'), 'captures/ignored-by-git.txt\nk8s/\n');
    try {
      const filesExclude = ['**/.git', '**/.svn', '**/.DS_Store', 'build', '**/tmp'];
      const excludes = filesExclude.map((glob) => ({ glob }));
      for (const glob of [...SCAN_GLOBS, 'captures/*.txt', '**/*']) {
        const [ours] = await listed(root, [glob], { excludes });
        assert.deepEqual([...ours].sort(), ripgrep(root, glob, [...SCAN_EXCLUDES, ...filesExclude]), glob);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
