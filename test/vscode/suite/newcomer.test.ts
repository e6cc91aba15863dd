// The editor as a newcomer meets it (issue 16): no duplicate paste documents, no dead end
// without a client pod, workspace logs that count without being opened, captures recognised
// in .txt files, exports of the flow on screen. Files: the workspace the runners open
// (samples/ + test/e2e/fixtures under e2e/) and the lab outputs shipped in this repository.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'kube-packet-path.kube-packet-path';

async function repoFile(path: string): Promise<vscode.Uri> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension loaded');
  await ext.activate();
  return vscode.Uri.joinPath(ext.extensionUri, ...path.split('/'));
}

interface Analysis {
  uri: string;
  blocks: { format: string }[];
  flows: { from: string; to: string }[];
}

suite('newcomer', () => {
  // First: later tests paste and open other captures of the same seed connection, which the
  // model would then hold too (a trace cites the first copy of identical packets).
  test('Trace this Service on the sample a-app.yaml uses the sample captures beside it, unopened', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const [manifest] = await vscode.workspace.findFiles('manifests/a2-clusterip-deployment/a-app.yaml', null, 1);
    assert.ok(manifest, 'the sample workspace is open');
    const result = await vscode.commands.executeCommand<{
      flows: { phases: { steps: { status: string; evidence: { uri: string }[] }[] }[] }[];
    }>('kubePacketPath.trace.service', {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      uri: manifest.toString(),
      from: 'default/b-app',
    });
    const steps = result.flows.flatMap((f) => f.phases.flatMap((p) => p.steps));
    const observed = steps.filter((s) => s.status === 'observed');
    assert.ok(observed.length >= 15, `${observed.length} observed of ${steps.length}`);
    assert.ok(
      observed.some((s) => s.evidence.some((e) => e.uri.endsWith('a2-pod-to-service/capture-service.txt'))),
      [...new Set(observed.flatMap((s) => s.evidence.map((e) => e.uri.replace(/^.*\//, ''))))].join(', '),
    );
    assert.ok(
      vscode.workspace.textDocuments.every((d) => !d.uri.path.endsWith('capture-service.txt')),
      'the capture was not opened',
    );
  });

  test('Analyze Pasted Output run twice on one paste analyzes one untitled document, never a copy', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const text = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(await repoFile('test/fixtures/lab/a3-headless.txt')),
    );
    const holding = () => vscode.workspace.textDocuments.filter((d) => d.isUntitled && d.getText() === text);
    const first = await vscode.commands.executeCommand<Analysis>('kubePacketPath.paste.analyze', { text });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const again = await vscode.commands.executeCommand<Analysis>('kubePacketPath.paste.analyze', { text });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(again.uri, first.uri);
    assert.equal(holding().length, 1, 'one untitled document holds the paste');
    // No argument, no selection: the active untitled editor is what the user pasted into.
    const active = await vscode.commands.executeCommand<Analysis>('kubePacketPath.paste.analyze');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(active.uri, first.uri);
    assert.ok(active.blocks.some((b) => b.format === 'dig'));
    assert.equal(holding().length, 1);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Analyze Pasted Output is on the editor context menu without a selection too', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const menu = (ext.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } })
      .contributes.menus['editor/context'];
    const entry = menu.find((m) => m.command === 'kubePacketPath.paste.analyze');
    assert.ok(entry, 'on the editor context menu');
    assert.equal(entry.when, undefined);
  });

  test('Save Markdown writes the flow on screen, not every flow of the trace', async () => {
    const panel = await vscode.commands.executeCommand<{ trace: { flows: { title: string }[] } }>(
      'kubePacketPath.diagram.showSample',
    );
    const titles = panel.trace.flows.map((f) => f.title);
    assert.ok(titles.length >= 3, titles.join(' | '));
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const target = vscode.Uri.joinPath(folder, 'e2e', 'saved-flow.md');
    const saved = await vscode.commands.executeCommand<vscode.Uri>('kubePacketPath.diagram.saveMarkdown', target);
    assert.equal(saved?.toString(), target.toString());
    // Markdown escapes punctuation with backslashes: read it as it renders.
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(target)).replace(/\\(.)/g, '$1');
    assert.ok(text.startsWith(`# ${titles[0]}`), text.slice(0, 120));
    for (const other of titles.slice(1)) assert.ok(!text.includes(other), `${other} is not in the export`);
    await vscode.workspace.fs.delete(target);
  });

  test('a sample capture saved as .txt opens as tcpdump, coloured, not as Plain Text', async () => {
    const [uri] = await vscode.workspace.findFiles('a2-pod-to-service/capture-service.txt', null, 1);
    assert.ok(uri, 'the sample workspace is open');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const deadline = Date.now() + 10_000;
    const language = () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.languageId;
    while (language() !== 'tcpdump' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(language(), 'tcpdump');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
