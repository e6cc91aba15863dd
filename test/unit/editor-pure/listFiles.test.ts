// The workspace scan's listing in its worker (listFiles): the globs the scan uses (VS Code's
// findFiles syntax, relative to each folder), its exclusions, dot folders, several folders, the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listFiles } from '../../../src/editor/workspace/listFiles.pure';

function folder(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'kpp-list-'));
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), 'x');
  }
  return root;
}

test('listFiles: the scan globs, outside node_modules, .git, out and dist, dot folders included', async () => {
  const root = folder([
    'k8s/app.yaml',
    'k8s/deep/er/svc.yml',
    '.github/workflows/ci.yaml',
    'node_modules/pkg/package.json',
    'a/node_modules/b/c.json',
    '.git/config.json',
    'dist/x.json',
    'out/y.yaml',
    'captures/node1.tcpdump',
    'captures/node1.txt',
    'etc/iptables/rules.v4',
    'notes.md',
  ]);
  try {
    const list = async (glob: string) =>
      (await listFiles({ roots: [root], globs: [glob], max: 100 })).map((path) => relative(root, path));
    assert.deepEqual(await list('**/*.{yaml,yml,json}'), [
      '.github/workflows/ci.yaml',
      'k8s/app.yaml',
      'k8s/deep/er/svc.yml',
    ]);
    assert.deepEqual(await list('**/*.{txt,log,tcpdump,iptables,iptables-save,ip6tables}'), [
      'captures/node1.tcpdump',
      'captures/node1.txt',
    ]);
    assert.deepEqual(await list('**/rules.v4'), ['etc/iptables/rules.v4']);
    assert.deepEqual(await list('captures/*.txt'), ['captures/node1.txt']);
    assert.equal((await listFiles({ roots: [root], globs: ['**/*.{yaml,yml,json}'], max: 2 })).length, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('listFiles: every folder of the workspace, in order; a folder that is gone lists nothing', async () => {
  const first = folder(['b.yaml']);
  const second = folder(['a.yaml']);
  try {
    const found = await listFiles({ roots: [first, join(first, 'gone'), second], globs: ['**/*.yaml'], max: 10 });
    assert.deepEqual(found, [join(first, 'b.yaml'), join(second, 'a.yaml')]);
  } finally {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }
});
