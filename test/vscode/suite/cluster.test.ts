// The cluster commands inside a real extension host. The live reads against the fake API
// server, the watch, untrusted workspaces and the Kubernetes extension (test double) are
// driven through the UI in test/e2e/suites/cluster.e2e.mjs; here: what needs no cluster.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'kube-packet-path.kube-packet-path';

suite('cluster', () => {
  test('activation (also onStartupFinished) never loads dist/cluster.js, the client-library bundle', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    assert.ok(ext.packageJSON.activationEvents.includes('onStartupFinished'));
    const loaded = Object.keys(require.cache).filter((k) => /[\\/]dist[\\/](extension|cluster)\.js$/.test(k));
    assert.ok(
      loaded.some((k) => k.endsWith('extension.js')),
      `extension.js in the module cache: ${loaded.join(', ')}`,
    );
    assert.deepEqual(
      loaded.filter((k) => k.endsWith('cluster.js')),
      [],
    );
  });

  test('"Trace this Service" from the Cluster Explorer side traces the named Service with everything known', async () => {
    const result = await vscode.commands.executeCommand<
      { flows: { title: string; actors: { id: string }[] }[] } | undefined
    >('kubePacketPath.cluster.traceService', { name: 'a-app', namespace: 'default', from: 'default/b-app' });
    assert.ok(result && result.flows.length > 0, 'a flow was traced');
    assert.match(result.flows[0].title, /^b-app → /);
    assert.ok(result.flows[0].actors.some((a) => a.id === 'pod:default/b-app'));
  });

  test('a Cluster Explorer node that is not a Service is refused (no trace)', async () => {
    const r = await vscode.commands.executeCommand('kubePacketPath.cluster.traceService', {
      nodeType: 'context',
      name: 'kind-kind',
    });
    assert.equal(r, undefined);
  });

  test('the Cluster Explorer menu entry is contributed for Service nodes only, without depending on the Kubernetes extension', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const entry = (pkg.contributes.menus['view/item/context'] ?? []).find(
      (m: { command: string }) => m.command === 'kubePacketPath.cluster.traceService',
    );
    assert.ok(entry);
    assert.match(entry.when, /view == extension\.vsKubernetesExplorer/);
    assert.equal(pkg.extensionDependencies, undefined);
    const re = /viewItem =~ \/(.+)\/i/.exec(entry.when)!;
    const viewItem = new RegExp(re[1].replace(/\\\\/g, '\\'), 'i');
    assert.ok(viewItem.test('vsKubernetes.resource.service'));
    assert.ok(!viewItem.test('vsKubernetes.resource.pod'));
  });
});
