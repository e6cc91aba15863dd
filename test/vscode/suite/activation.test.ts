// Runs inside a real VS Code extension host (code-server here, desktop VS Code through
// @vscode/test-electron elsewhere): the extension activates and its commands answer.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'kube-packet-path.kube-packet-path';

suite('activation', () => {
  test('the extension is installed from this repository and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    assert.equal(ext.packageJSON.name, 'kube-packet-path');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  test('every contributed command is registered', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed: string[] = (ext.packageJSON.contributes?.commands ?? []).map(
      (c: { command: string }) => c.command,
    );
    assert.ok(contributed.includes('kubePacketPath.showServiceNames'));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('showServiceNames returns the kube-proxy chain names of the seed (kube-dns:dns UDP)', async () => {
    const lines = await vscode.commands.executeCommand<string[]>(
      'kubePacketPath.showServiceNames',
      'kube-system/kube-dns:dns UDP 10.244.0.105:53 10.244.0.107:53',
    );
    assert.ok(Array.isArray(lines), 'the command returns its lines');
    const text = lines.join('\n');
    assert.match(lines[0], /kube-system\/kube-dns:dns \(UDP\)/);
    assert.match(lines[0], /kube-dns\.kube-system\.svc\.cluster\.local/);
    assert.ok(
      lines.some((l) => l.trim() === 'KUBE-SVC-TCOU7JCQXEZGVUNU'),
      text,
    );
    // Each endpoint chain is on the line of its own endpoint (values from the seed report).
    const ep105 = lines.find((l) => l.includes('10.244.0.105:53'));
    const ep107 = lines.find((l) => l.includes('10.244.0.107:53'));
    assert.ok(ep105?.includes('KUBE-SEP-SMSEVC7UC3TMMLEX'), text);
    assert.ok(ep107?.includes('KUBE-SEP-D2LNDAFJVFQ3SYLN'), text);
    // kube-proxy gives the first of two endpoints probability 1/2 and the last none.
    assert.match(ep105!, /probability 0\.5/);
    assert.doesNotMatch(ep107!, /probability/);
  });

  test('showServiceNames rejects a malformed service without throwing', async () => {
    const result = await vscode.commands.executeCommand('kubePacketPath.showServiceNames', 'not-a-service');
    assert.equal(result, undefined);
  });
});
