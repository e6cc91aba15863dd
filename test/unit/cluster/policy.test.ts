import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterAccessPolicy } from '../../../src/cluster/policy';

const base = { workspaceFolders: ['/home/u/project'], homeDir: '/home/u', platform: 'linux' as const };

test('untrusted workspace: no cluster access at all, whatever the settings say', () => {
  for (const kubeconfigPath of [undefined, '', '/home/u/.kube/config', './kubeconfig']) {
    const d = clusterAccessPolicy({ ...base, trusted: false, kubeconfigPath, envKubeconfig: '/etc/kube/config' });
    assert.equal(d.allowed, false);
    assert.equal(d.allowCredentialPlugins, false);
    assert.deepEqual(d.kubeconfigPaths, []);
    assert.match(d.reason, /not trusted/);
  }
});

test('trusted, nothing set: ~/.kube/config with credential plugins allowed', () => {
  const d = clusterAccessPolicy({ ...base, trusted: true });
  assert.equal(d.allowed, true);
  assert.equal(d.origin, 'default');
  assert.deepEqual(d.kubeconfigPaths, ['/home/u/.kube/config']);
  assert.equal(d.allowCredentialPlugins, true);
});

test('the setting wins over KUBECONFIG; KUBECONFIG lists several files in order, without duplicates', () => {
  assert.deepEqual(
    clusterAccessPolicy({ ...base, trusted: true, kubeconfigPath: '~/k/dev.yaml', envKubeconfig: '/a:/b' })
      .kubeconfigPaths,
    ['/home/u/k/dev.yaml'],
  );
  const d = clusterAccessPolicy({ ...base, trusted: true, envKubeconfig: '/etc/a.yaml::/etc/b.yaml:/etc/a.yaml' });
  assert.equal(d.origin, 'KUBECONFIG');
  assert.deepEqual(d.kubeconfigPaths, ['/etc/a.yaml', '/etc/b.yaml']);
  assert.equal(d.allowCredentialPlugins, true);
});

test('a kubeconfig inside the workspace may be used but may not run exec/auth-provider plugins', () => {
  const rel = clusterAccessPolicy({ ...base, trusted: true, kubeconfigPath: 'deploy/kubeconfig' });
  assert.equal(rel.allowed, true);
  assert.deepEqual(rel.kubeconfigPaths, ['/home/u/project/deploy/kubeconfig']);
  assert.equal(rel.allowCredentialPlugins, false);
  assert.deepEqual(rel.workspaceProvided, ['/home/u/project/deploy/kubeconfig']);
  assert.match(rel.reason, /provided by the workspace.*refused/);
  const viaEnv = clusterAccessPolicy({
    ...base,
    trusted: true,
    envKubeconfig: '/home/u/.kube/config:/home/u/project/../project/kc',
  });
  assert.equal(viaEnv.allowCredentialPlugins, false, 'one workspace file among several is enough to refuse plugins');
  assert.deepEqual(viaEnv.workspaceProvided, ['/home/u/project/kc']);
});

test('a sibling folder whose name starts like the workspace is not inside it', () => {
  const d = clusterAccessPolicy({ ...base, trusted: true, kubeconfigPath: '/home/u/project-other/kubeconfig' });
  assert.equal(d.allowCredentialPlugins, true);
});

test('Windows paths compare without case and use ; in KUBECONFIG', () => {
  const d = clusterAccessPolicy({
    trusted: true,
    workspaceFolders: ['C:\\Work\\Repo'],
    homeDir: 'C:\\Users\\u',
    platform: 'win32',
    envKubeconfig: 'c:\\work\\repo\\kc.yaml;C:\\Users\\u\\.kube\\config',
  });
  assert.deepEqual(d.kubeconfigPaths, ['c:\\work\\repo\\kc.yaml', 'C:\\Users\\u\\.kube\\config']);
  assert.equal(d.allowCredentialPlugins, false);
});

test('a relative path with no workspace folder, or no home and nothing set, is refused with a reason', () => {
  const rel = clusterAccessPolicy({
    trusted: true,
    workspaceFolders: [],
    kubeconfigPath: 'kc.yaml',
    platform: 'linux',
  });
  assert.equal(rel.allowed, false);
  assert.match(rel.reason, /relative/);
  const none = clusterAccessPolicy({ trusted: true, workspaceFolders: [], platform: 'linux' });
  assert.equal(none.allowed, false);
  assert.match(none.reason, /No kubeconfig/);
});
