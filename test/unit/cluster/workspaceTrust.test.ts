/**
 * The rule README states for a live cluster, on real files and symlinks in a temp dir: a
 * kubeconfig that comes from the workspace (by the path as written or by its real path)
 * never runs a credential plugin and never makes the reader open a file outside the workspace.
 * Every row is a bypass that was measured before the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel } from '../../../src/model';
import { clusterAccessPolicy, pullCluster, workspaceConfinement, type ClusterAccessInput } from '../../../src/cluster';
import { listKubeContexts } from '../../../src/cluster';
import { realPathOf } from '../../../src/cluster/realPath';
import { kubeconfigObject } from '../../support/fake-apiserver';
import { harnessPerTest, TOKEN, type Harness } from './harness';

let h: Harness;
const harness = harnessPerTest();

interface Layout {
  ws: string;
  outside: string;
  marker: string;
  /** An exec-plugin kubeconfig for the fake server, written at `path`. */
  writeExecKubeconfig(path: string): string;
}

function layout(): Layout {
  const ws = join(h.dir, 'ws');
  const outside = join(h.dir, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  const marker = join(h.dir, 'plugin-ran');
  const script = join(outside, 'plugin.js');
  writeFileSync(
    script,
    `require('fs').appendFileSync(${JSON.stringify(marker)}, 'ran\\n');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(TOKEN)} } }));`,
  );
  return {
    ws,
    outside,
    marker,
    writeExecKubeconfig: (path) => {
      mkdirSync(join(path, '..'), { recursive: true });
      const spec = { server: h.server.url, caPem: h.pki.caCert, exec: { command: process.execPath, args: [script] } };
      writeFileSync(path, JSON.stringify(kubeconfigObject(spec)));
      return path;
    },
  };
}

async function pullWith(input: Omit<ClusterAccessInput, 'trusted' | 'realPath'>) {
  const decision = clusterAccessPolicy({ trusted: true, homeDir: '/nonexistent', realPath: realPathOf, ...input });
  const result = await pullCluster({
    kubeconfigPaths: decision.kubeconfigPaths,
    allowCredentialPlugins: decision.allowCredentialPlugins,
    workspace: workspaceConfinement(decision),
    sink: new ClusterModel(),
    overallTimeoutMs: 10_000,
  });
  return { decision, result };
}

/** Each bypass: how the kubeconfig reaches the policy, given the temp layout. */
const PLUGIN_BYPASSES: { name: string; input(l: Layout): Omit<ClusterAccessInput, 'trusted' | 'realPath'> }[] = [
  {
    name: 'the setting names ws/..kube/config (a folder whose name starts with ..)',
    input: (l) => ({ workspaceFolders: [l.ws], kubeconfigPath: l.writeExecKubeconfig(join(l.ws, '..kube', 'config')) }),
  },
  {
    name: 'KUBECONFIG lists ws/..kube/config after a missing file',
    input: (l) => ({
      workspaceFolders: [l.ws],
      envKubeconfig: `${join(l.outside, 'missing')}:${l.writeExecKubeconfig(join(l.ws, '..kube', 'config'))}`,
    }),
  },
  {
    name: "the Kubernetes extension's kubeconfig is ws/..kube/config",
    input: (l) => ({
      workspaceFolders: [l.ws],
      kubernetesExtensionKubeconfig: l.writeExecKubeconfig(join(l.ws, '..kube', 'config')),
    }),
  },
  {
    name: 'a relative setting ../kube.yaml (the repository above the opened folder)',
    input: (l) => {
      l.writeExecKubeconfig(join(l.ws, '..', 'kube.yaml'));
      return { workspaceFolders: [l.ws], kubeconfigPath: '../kube.yaml' };
    },
  },
  {
    name: 'an absolute path set in the workspace settings',
    input: (l) => ({
      workspaceFolders: [l.ws],
      kubeconfigPath: l.writeExecKubeconfig(join(l.outside, 'kc.yaml')),
      kubeconfigSettingFromWorkspace: true,
    }),
  },
  {
    name: 'a symlink outside the workspace that points to a kubeconfig inside it',
    input: (l) => {
      const real = l.writeExecKubeconfig(join(l.ws, 'deploy', 'kc.yaml'));
      symlinkSync(real, join(l.outside, 'link.yaml'));
      return { workspaceFolders: [l.ws], envKubeconfig: join(l.outside, 'link.yaml') };
    },
  },
  {
    name: 'the workspace opened through a symlinked folder, the kubeconfig named by its real path',
    input: (l) => {
      symlinkSync(l.ws, join(l.outside, 'ws-link'));
      return { workspaceFolders: [join(l.outside, 'ws-link')], envKubeconfig: l.writeExecKubeconfig(join(l.ws, 'kc')) };
    },
  },
  {
    name: 'a symlinked folder inside the workspace that points outside it',
    input: (l) => {
      l.writeExecKubeconfig(join(l.outside, 'conf', 'config'));
      symlinkSync(join(l.outside, 'conf'), join(l.ws, 'conf'));
      return { workspaceFolders: [l.ws], envKubeconfig: join(l.ws, 'conf', 'config') };
    },
  },
];

for (const bypass of PLUGIN_BYPASSES) {
  test(`no credential plugin runs when ${bypass.name}`, async () => {
    h = await harness.start();
    const l = layout();
    const { decision, result } = await pullWith(bypass.input(l));
    assert.equal(decision.allowed, true);
    assert.equal(decision.allowCredentialPlugins, false, decision.reason);
    assert.equal(decision.workspaceProvided.length, 1);
    assert.equal(result.problems[0]?.reason, 'CredentialPluginRefused', result.problems[0]?.message);
    assert.equal(existsSync(l.marker), false, 'the plugin ran');
    assert.equal(h.server.requests.length, 0);
  });
}

test('control: the same exec kubeconfig outside the workspace runs its plugin and reads the cluster', async () => {
  h = await harness.start();
  const l = layout();
  const { decision, result } = await pullWith({
    workspaceFolders: [l.ws],
    kubeconfigPath: l.writeExecKubeconfig(join(l.outside, '.kube', 'config')),
  });
  assert.equal(decision.allowCredentialPlugins, true);
  assert.deepEqual(result.problems, []);
  assert.equal(existsSync(l.marker), true);
  assert.equal((result.sink as ClusterModel).pods.length, 9);
});

/** A workspace kubeconfig whose user or cluster names a file; returns the pull. */
async function pullNaming(field: 'token-file' | 'client-key' | 'client-certificate' | 'certificate-authority') {
  const l = layout();
  const secretFile = join(l.outside, 'secret');
  writeFileSync(secretFile, field === 'token-file' ? TOKEN : h.pki.caCert);
  const config = kubeconfigObject({ server: h.server.url, caPem: h.pki.caCert }) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  if (field === 'certificate-authority') {
    delete config.clusters[0].cluster['certificate-authority-data'];
    config.clusters[0].cluster['certificate-authority'] = secretFile;
    config.users[0].user.token = TOKEN;
  } else config.users[0].user[field] = secretFile;
  const kubeconfig = join(l.ws, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify(config));
  return { l, secretFile, ...(await pullWith({ workspaceFolders: [l.ws], kubeconfigPath: kubeconfig })) };
}

for (const field of ['token-file', 'client-key', 'client-certificate', 'certificate-authority'] as const) {
  test(`a workspace kubeconfig whose ${field} is outside the workspace is refused before the file is read`, async () => {
    h = await harness.start();
    const { result, secretFile } = await pullNaming(field);
    assert.equal(result.problems.length, 1);
    assert.match(
      result.problems[0].message,
      new RegExp(`provided by the workspace and its ${field} names ${secretFile.replace(/[/.]/g, '\\$&')}`),
    );
    assert.equal(h.server.requests.length, 0, 'nothing was sent');
  });
}

test('a token-file reached through a symlink inside the workspace is refused by its real path', async () => {
  h = await harness.start();
  const l = layout();
  writeFileSync(join(l.outside, 'token'), TOKEN);
  symlinkSync(join(l.outside, 'token'), join(l.ws, 'token'));
  const config = kubeconfigObject({ server: h.server.url, caPem: h.pki.caCert }) as { users: { user: object }[] };
  config.users[0].user = { 'token-file': join(l.ws, 'token') };
  writeFileSync(join(l.ws, 'kc'), JSON.stringify(config));
  const { result } = await pullWith({ workspaceFolders: [l.ws], kubeconfigPath: join(l.ws, 'kc') });
  assert.match(result.problems[0]?.message ?? '', /token-file names .*\/ws\/token \(really .*\/outside\/token\)/);
  assert.equal(h.server.requests.length, 0);
  // The context picker loads the same file: it is refused there too.
  assert.throws(
    () => listKubeContexts([join(l.ws, 'kc')], { files: [join(l.ws, 'kc')], folders: [l.ws] }),
    /outside the workspace/,
  );
});

test('a token-file inside the workspace is read and used', async () => {
  h = await harness.start();
  const l = layout();
  writeFileSync(join(l.ws, 'token'), TOKEN);
  const config = kubeconfigObject({ server: h.server.url, caPem: h.pki.caCert }) as { users: { user: object }[] };
  config.users[0].user = { 'token-file': join(l.ws, 'token') };
  writeFileSync(join(l.ws, 'kc'), JSON.stringify(config));
  const { result } = await pullWith({ workspaceFolders: [l.ws], kubeconfigPath: join(l.ws, 'kc') });
  assert.deepEqual(result.problems, []);
  assert.equal((result.sink as ClusterModel).pods.length, 9);
});

test("KUBECONFIG lists a workspace file first: its cluster never receives the user's own token", async () => {
  h = await harness.start();
  const l = layout();
  // The user's own kubeconfig (outside) and a workspace file redefining the cluster of its context.
  const own = kubeconfigObject({ server: 'https://127.0.0.1:1', caPem: h.pki.caCert, token: TOKEN });
  writeFileSync(join(l.outside, 'config'), JSON.stringify(own));
  const hostile = kubeconfigObject({ server: h.server.url, caPem: h.pki.caCert }) as Record<string, unknown>;
  writeFileSync(join(l.ws, 'kc'), JSON.stringify({ ...hostile, users: [], contexts: [] }));
  const { result } = await pullWith({
    workspaceFolders: [l.ws],
    envKubeconfig: `${join(l.ws, 'kc')}:${join(l.outside, 'config')}`,
  });
  assert.match(result.problems[0]?.message ?? '', /credentials from outside the workspace are never sent/);
  assert.equal(h.server.requests.length, 0);
});

test('a kubeconfig nested deeper than any real one is refused before the YAML libraries read it', async () => {
  h = await harness.start();
  const l = layout();
  writeFileSync(join(l.ws, 'kc'), `apiVersion: v1\nclusters: ${'['.repeat(500_000)}${']'.repeat(500_000)}\n`);
  const { result } = await pullWith({ workspaceFolders: [l.ws], kubeconfigPath: join(l.ws, 'kc') });
  assert.match(result.problems[0]?.message ?? '', /nested 101 levels deep at line 2, over the limit of 100/);
  assert.equal(h.server.requests.length, 0);
});
