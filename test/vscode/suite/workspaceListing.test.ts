// The workspace scan lists a local workspace in its worker (src/editor/workspace/listFiles.pure.ts)
// instead of calling vscode.workspace.findFiles: judged here against findFiles itself, in the VS Code
// the tests run in, on a folder with dot folders, a .gitignore, a symbolic link and files.exclude
// entries (a user setting, restored afterwards), with the scan's globs and excludes.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { excludeRules, listFiles, SCAN_EXCLUDES } from '../../../src/editor/workspace/listFiles.pure';

const SCAN_GLOBS = [
  '**/*.{yaml,yml,json}',
  '**/*.{txt,log,tcpdump,iptables,iptables-save,ip6tables}',
  '**/rules.v4',
  '**/rules.v6',
];

const FILES = [
  '.dot/x.yaml',
  '.hidden.json',
  'kept/a.txt',
  'kept/b.log',
  'kept/App.YAML',
  'build/gen.yaml',
  'deploy/build/kept.yaml',
  'deep/tmp/t.yaml',
  'rules/x.json',
  'rules/x.yaml',
  'rules/y.json',
  'node_modules/d.yaml',
  'sub/out/e.yaml',
  'gitignored.txt',
  'etc/rules.v4',
  'notes.md',
];

suite('workspace listing', () => {
  test("the scan's worker lists what findFiles lists (files.exclude, dot folders, .gitignore, links)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'kpp-listing-'));
    const outside = mkdtempSync(join(tmpdir(), 'kpp-listing-linked-'));
    const files = vscode.workspace.getConfiguration('files');
    const before = files.inspect('exclude')?.globalValue;
    try {
      for (const file of FILES) {
        mkdirSync(join(root, file, '..'), { recursive: true });
        writeFileSync(join(root, file), 'x\n');
      }
      writeFileSync(join(root, '.gitignore'), 'gitignored.txt\nkept/\n');
      mkdirSync(join(outside, 'shared'));
      writeFileSync(join(outside, 'shared', 'svc.yaml'), 'x\n');
      symlinkSync(join(outside, 'shared'), join(root, 'linked'));
      await files.update(
        'exclude',
        { build: true, '**/tmp': true, '**/*.json': { when: '$(basename).yaml' }, '**/.git': true },
        vscode.ConfigurationTarget.Global,
      );
      const setting = vscode.workspace.getConfiguration('files').get('exclude');
      const followSymlinks = vscode.workspace.getConfiguration('search').get('followSymlinks') !== false;
      const ours = await listFiles({
        folders: [{ path: root, excludes: excludeRules(setting), followSymlinks }],
        searches: SCAN_GLOBS.map((glob) => ({ globs: [glob], max: 100 })),
      });
      for (const [index, glob] of SCAN_GLOBS.entries()) {
        const found = await vscode.workspace.findFiles(
          new vscode.RelativePattern(vscode.Uri.file(root), glob),
          `{${SCAN_EXCLUDES.join(',')}}`,
          100,
        );
        const theirs = found.map((uri) => relative(root, uri.fsPath)).sort();
        assert.deepEqual(
          ours[index].map((path) => relative(root, path)),
          theirs,
          glob,
        );
      }
      // not vacuous: the dot folder, the git-ignored file and the link are listed; the excluded are not
      const all = ours.flat().map((path) => relative(root, path));
      for (const path of ['.dot/x.yaml', 'gitignored.txt', 'kept/a.txt', 'linked/svc.yaml', 'rules/y.json'])
        assert.ok(all.includes(path), `${path} listed: ${all.join(', ')}`);
      for (const path of ['build/gen.yaml', 'deep/tmp/t.yaml', 'rules/x.json', 'node_modules/d.yaml', 'sub/out/e.yaml'])
        assert.ok(!all.includes(path), `${path} not listed`);
    } finally {
      await files.update('exclude', before, vscode.ConfigurationTarget.Global);
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
