import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel } from '../../../src/model';
import { clusterAccessPolicy, pullCluster } from '../../../src/cluster';
import { disposePki, sharedPki, startHarness, TOKEN, type Harness } from './harness';

let h: Harness;
before(() => {
  sharedPki();
});
afterEach(async () => {
  await h?.dispose();
});
after(() => disposePki());

/** A kubeconfig exec plugin (a Node script) that leaves a marker file when it runs. */
function plugin(dir: string, body: string): { command: string; args: string[]; marker: string } {
  const marker = join(dir, 'plugin-ran');
  const script = join(dir, 'plugin.js');
  writeFileSync(script, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${body}\n`);
  return { command: process.execPath, args: [script], marker };
}

const credential = (token: string) =>
  `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));`;

test('a workspace-provided kubeconfig with an exec plugin: refused before the plugin runs, nothing sent', async () => {
  h = await startHarness();
  const p = plugin(h.dir, credential(TOKEN));
  const kubeconfig = h.kubeconfig({ token: undefined, exec: p });
  const policy = clusterAccessPolicy({
    trusted: true,
    kubeconfigPath: kubeconfig,
    workspaceFolders: [h.dir],
    homeDir: '/nonexistent',
  });
  assert.equal(policy.allowCredentialPlugins, false);
  const r = await pullCluster({
    kubeconfigPaths: policy.kubeconfigPaths,
    allowCredentialPlugins: policy.allowCredentialPlugins,
    sink: new ClusterModel(),
  });
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].reason, 'CredentialPluginRefused');
  assert.match(
    r.problems[0].message,
    /authenticates with an exec credential plugin '.*node.*'; refused because the kubeconfig is provided by the workspace/,
  );
  assert.equal(existsSync(p.marker), false, 'the plugin never ran');
  assert.equal(h.server.requests.length, 0);
});

test('the same kubeconfig outside the workspace: the plugin runs and its token is used', async () => {
  h = await startHarness();
  const p = plugin(h.dir, credential(TOKEN));
  const kubeconfig = h.kubeconfig({ token: undefined, exec: p });
  const policy = clusterAccessPolicy({
    trusted: true,
    kubeconfigPath: kubeconfig,
    workspaceFolders: ['/some/other/project'],
    homeDir: '/nonexistent',
  });
  const r = await pullCluster({
    kubeconfigPaths: policy.kubeconfigPaths,
    allowCredentialPlugins: policy.allowCredentialPlugins,
    sink: new ClusterModel(),
  });
  assert.deepEqual(r.problems, []);
  assert.equal(existsSync(p.marker), true);
  assert.equal((r.sink as ClusterModel).pods.length, 9);
  assert.ok(h.server.requests.every((q) => q.authorized && q.method === 'GET'));
});

test('a failing plugin that prints a secret: the message is redacted', async () => {
  h = await startHarness();
  const p = plugin(
    h.dir,
    `process.stderr.write('refresh failed, token: leaked-refresh-7781 Authorization: Bearer leaked-bearer-9912'); process.exit(1);`,
  );
  const r = await pullCluster({
    kubeconfigPaths: [h.kubeconfig({ token: undefined, exec: p })],
    allowCredentialPlugins: true,
    sink: new ClusterModel(),
  });
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /credentials could not be prepared: refresh failed/);
  assert.ok(!r.problems[0].message.includes('leaked-refresh-7781'));
  assert.ok(!r.problems[0].message.includes('leaked-bearer-9912'));
  assert.equal(h.server.requests.length, 0);
});

test('a plugin that never finishes is cut off by the overall deadline', async () => {
  h = await startHarness();
  const p = plugin(h.dir, 'setTimeout(() => {}, 3000);');
  const r = await pullCluster({
    kubeconfigPaths: [h.kubeconfig({ token: undefined, exec: p })],
    allowCredentialPlugins: true,
    sink: new ClusterModel(),
    overallTimeoutMs: 400,
  });
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /credentials were not ready when the overall deadline of 0.4 s passed/);
});
