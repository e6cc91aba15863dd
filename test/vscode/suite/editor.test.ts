// The editor features inside a real VS Code: CodeLens on the sample manifests and the trace it
// starts, hovers on real captures and rule dumps, paste-to-analyze on the network lab's
// transcript, and manifest diagnostics with quick fixes. Files: the workspace the runners open
// (samples/ + test/e2e/fixtures under e2e/) and, by absolute path, the lab outputs shipped in
// this repository (test/fixtures/lab/).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { labA2Lines } from '../../support/labA2';

const EXTENSION_ID = 'kube-packet-path.kube-packet-path';

async function workspaceFile(glob: string): Promise<vscode.Uri> {
  const [uri] = await vscode.workspace.findFiles(glob, '**/node_modules/**', 1);
  assert.ok(uri, `${glob} not found in the workspace`);
  return uri;
}

async function repoFile(path: string): Promise<vscode.Uri> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension loaded');
  await ext.activate();
  return vscode.Uri.joinPath(ext.extensionUri, ...path.split('/'));
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  await vscode.workspace.openTextDocument(uri); // the workbench computes lenses on loaded models only
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

function ours(ls: vscode.CodeLens[]): vscode.CodeLens[] {
  return ls.filter((l) => l.command?.command.startsWith('kubePacketPath.'));
}

async function hoverText(uri: vscode.Uri, line: number, character = 20): Promise<string> {
  const hovers =
    (await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(line, character),
    )) ?? [];
  // appendText escapes Markdown punctuation with backslashes: read the text as the user sees it.
  return hovers
    .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
    .join('\n')
    .replace(/&nbsp;/g, ' ')
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1');
}

/** Resolves when `uri` has diagnostics from Kube Packet Path that satisfy `ok`. */
function diagnosticsOf(
  uri: vscode.Uri,
  ok: (d: readonly vscode.Diagnostic[]) => boolean,
): Promise<vscode.Diagnostic[]> {
  const mine = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Kube Packet Path');
  return new Promise((resolve) => {
    if (ok(mine())) {
      resolve(mine());
      return;
    }
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString()) || !ok(mine())) return;
      sub.dispose();
      resolve(mine());
    });
  });
}

function diagramTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('kubePacketPath.diagram'));
}

/** Resolves when a diagram tab is open (the tab model is updated after the panel is created). */
function diagramTab(label: RegExp): Promise<vscode.Tab> {
  const find = () => diagramTabs().find((t) => label.test(t.label));
  return new Promise((resolve) => {
    const now = find();
    if (now) {
      resolve(now);
      return;
    }
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      const tab = find();
      if (!tab) return;
      sub.dispose();
      resolve(tab);
    });
  });
}

suite('editor features', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  test('CodeLens on a StatefulSet + headless Service: trace lenses with the object and file as arguments', async () => {
    const uri = await workspaceFile('**/a3-headless-statefulset/statefulset.yaml');
    const found = ours(await lenses(uri));
    assert.deepEqual(
      found.map((l) => l.command!.title),
      ['Trace headless flow', 'Trace this Service', 'Show per-pod DNS names'],
    );
    assert.deepEqual(
      found.map((l) => l.command!.command),
      ['kubePacketPath.trace.statefulSet', 'kubePacketPath.trace.service', 'kubePacketPath.trace.podDnsNames'],
    );
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.lineAt(found[1].range.start.line).text, 'kind: Service');
    assert.deepEqual(found[1].command!.arguments, [{ kind: 'Service', name: 'a-app', uri: uri.toString() }]);
  });

  test('"Trace this Service" on the A.2 manifest traces from the client pod beside it and opens the diagram', async () => {
    const uri = await workspaceFile('**/a2-clusterip-deployment/a-app.yaml');
    const lens = ours(await lenses(uri)).find((l) => l.command!.command === 'kubePacketPath.trace.service');
    assert.ok(lens, 'a Trace this Service lens');
    const result = await vscode.commands.executeCommand<{
      flows: { title: string; family: string; actors: { id: string }[] }[];
    }>(lens.command!.command, ...lens.command!.arguments!);
    assert.ok(result && result.flows.length > 0, 'a flow was traced');
    assert.match(result.flows[0].title, /^b-app → /);
    // The samples declare default/a-app twice (A.2 ClusterIP, A.3 headless): the file traced from wins.
    assert.equal(result.flows[0].family, 'pod-to-service');
    assert.ok(
      result.flows[0].actors.some((a) => a.id === 'pod:default/b-app'),
      JSON.stringify(result.flows[0].actors.map((a) => a.id)),
    );
    assert.ok(await diagramTab(/^Packet path: b-app → /), 'the diagram panel shows the trace');
  });

  test('"Trace headless flow" on the StatefulSet traces through its serviceName to the headless Service', async () => {
    const uri = await workspaceFile('**/a3-headless-statefulset/statefulset.yaml');
    const lens = ours(await lenses(uri)).find((l) => l.command!.command === 'kubePacketPath.trace.statefulSet')!;
    const result = await vscode.commands.executeCommand<{ flows: { title: string; family: string }[] }>(
      lens.command!.command,
      ...lens.command!.arguments!,
    );
    assert.ok(result && result.flows.length > 0, 'a flow was traced');
    assert.equal(result.flows[0].family, 'pod-to-headless');
    assert.match(result.flows[0].title, /^b-app → Service a-app/);
  });

  test('the explorer / editor menu entry gets the file: the Service in it is traced', async () => {
    const uri = await workspaceFile('**/a2-clusterip-deployment/a-app.yaml');
    const result = await vscode.commands.executeCommand<{ flows: { title: string; family: string }[] }>(
      'kubePacketPath.trace.service',
      uri,
    );
    assert.ok(result && result.flows.length > 0, 'a flow was traced');
    assert.match(result.flows[0].title, /^b-app → Service a-app/);
    assert.equal(result.flows[0].family, 'pod-to-service');
  });

  test('"Trace from this pod" on a Pod manifest traces to the destination given', async () => {
    const uri = await workspaceFile('**/a1-pod-to-pod/pods.yaml');
    const lens = ours(await lenses(uri)).find(
      (l) => l.command!.command === 'kubePacketPath.trace.fromPod' && l.command!.arguments![0].name === 'b-pod',
    );
    assert.ok(lens, 'a lens on b-pod');
    const result = await vscode.commands.executeCommand<{
      flows: {
        title: string;
        connections?: { protocol: string; evidence: { uri?: string }[] }[];
      }[];
    }>(lens.command!.command, {
      ...lens.command!.arguments![0],
      to: 'a-pod',
    });
    assert.ok(result && result.flows.length > 0);
    assert.match(result.flows[0].title, /^b-pod → a-pod · connection 1 of \d+$/);
    // The a1 sample's capture beside the manifest counts without being opened: its ping is one of the
    // connections (the e2e fixtures' -ttt capture holds a TCP connection between the same addresses).
    const connections = result.flows[0].connections ?? [];
    assert.ok(
      connections.some(
        (connection) =>
          connection.protocol === 'icmp' &&
          connection.evidence.some((evidence) => evidence.uri?.endsWith('/a1-pod-to-pod/capture.txt')),
      ),
      JSON.stringify(connections.map((connection) => [connection.protocol, connection.evidence.map((e) => e.uri)])),
    );
  });

  test('"Trace from this pod" on a Deployment starts at one of its replicas (predicted when none was seen)', async () => {
    const uri = await workspaceFile('**/a2-clusterip-deployment/a-app.yaml');
    const lens = ours(await lenses(uri)).find((l) => l.command!.command === 'kubePacketPath.trace.fromPod');
    assert.ok(lens, 'a lens on the Deployment');
    assert.equal(lens.command!.arguments![0].kind, 'Deployment');
    const result = await vscode.commands.executeCommand<{ flows: { title: string }[] }>(lens.command!.command, {
      ...lens.command!.arguments![0],
      to: 'b-app',
    });
    assert.ok(result && result.flows.length > 0);
    assert.match(result.flows[0].title, /^a-app-\S+ → b-app$/);
  });

  test('"Show per-pod DNS names" lists the StatefulSet pods\' names under the headless Service', async () => {
    const uri = await workspaceFile('**/a3-headless-statefulset/statefulset.yaml');
    const lens = ours(await lenses(uri)).find((l) => l.command!.command === 'kubePacketPath.trace.podDnsNames')!;
    const names = await vscode.commands.executeCommand<{ name: string }[]>(
      lens.command!.command,
      ...lens.command!.arguments!,
    );
    assert.deepEqual(
      names.map((n) => n.name),
      [
        'a-app-0.a-app.default.svc.cluster.local',
        'a-app-1.a-app.default.svc.cluster.local',
        'a-app-2.a-app.default.svc.cluster.local',
      ],
    );
  });

  test('kubePacketPath.codeLens.enabled = false removes the lenses', async () => {
    const uri = await workspaceFile('**/a3-headless-statefulset/statefulset.yaml');
    const config = vscode.workspace.getConfiguration('kubePacketPath');
    await config.update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      assert.deepEqual(ours(await lenses(uri)), []);
    } finally {
      await config.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.equal(ours(await lenses(uri)).length, 3);
  });

  test("hover on a tcpdump line: the veth's pod, the direction letter, the TCP flags in words", async () => {
    const uri = await workspaceFile('{e2e,test/e2e/fixtures}/pod-to-service.tcpdump');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'tcpdump');
    assert.match(doc.lineAt(4).text, /vethedfea565 P IP 10\.244\.0\.144\.80 > 10\.244\.0\.147\.55042: Flags \[S\.\]/);
    const text = await hoverText(uri, 4);
    // The pod's name comes from the a2 sample's `kubectl get pods` output, read without being opened.
    assert.match(
      text,
      /vethedfea565: host side of the veth pair of pod default\/a-app-57974fdb4-mv7qn \(10\.244\.0\.144\)/,
    );
    assert.match(text, /P \(PACKET_OTHERHOST\)/);
    assert.match(text, /SYN \+ ACK \(the server accepts\)/);
    assert.match(text, /From 10\.244\.0\.144:80: pod default\/a-app-57974fdb4-mv7qn/);
  });

  test('hover on the lab capture (plain text, sniffed): pod names, CoreDNS, and the same packet after DNAT', async () => {
    await vscode.workspace.openTextDocument(await repoFile('test/fixtures/lab/manifests/cluster.yaml'));
    const uri = await repoFile('test/fixtures/lab/a2-pod-to-service.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    // b-app's query to the kube-dns ClusterIP on its veth, and its first copy after DNAT (found by content)
    const { query, queryAfterDnat } = labA2Lines(doc.getText());
    const { iface, ip } = queryAfterDnat.groups;
    const text = await hoverText(uri, query.line - 1);
    assert.match(text, /veth79f873bc: host side of the veth pair of pod default\/b-app/);
    assert.match(text, /Service kube-system\/kube-dns .*CoreDNS/);
    assert.ok(text.includes(`Same packet as line ${queryAfterDnat.line} on ${iface} (after DNAT to ${ip}:53)`), text);
  });

  test('hover on an iptables-save endpoint jump: Service port, 1/(n−i) and the overall share', async () => {
    const uri = await workspaceFile('{e2e,test/e2e/fixtures}/kube-proxy-nat.iptables-save');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = [...Array(doc.lineCount).keys()].find((i) => doc.lineAt(i).text.includes('--probability'));
    assert.ok(line !== undefined, 'the dump has a probability rule');
    const text = await hoverText(uri, line, 5);
    assert.match(text, /kube-system\/kube-dns:dns/);
    assert.match(text, /1\/\(n−i\) = 1\/2/);
    assert.match(text, /overall 1\/2 = 50\.0%/);
  });

  test('paste to analyze: the selected lab transcript is split into blocks and b-app → a-app is offered', async () => {
    const doc = await vscode.workspace.openTextDocument(await repoFile('test/fixtures/lab/a2-pod-to-service.txt'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, doc.lineCount, 0);
    const r = await vscode.commands.executeCommand<{
      blocks: { format: string; host?: string; startLine: number; records: number }[];
      flows: { from: string; to: string }[];
    }>('kubePacketPath.paste.analyze');
    assert.ok(r, 'the command answers');
    const formats = r.blocks.map((b) => b.format);
    for (const f of ['hosts', 'resolv-conf', 'nslookup', 'iptables-list', 'tcpdump'])
      assert.ok(formats.includes(f), `${f} in ${formats.join(', ')}`);
    const nslookup = r.blocks.find((b) => b.format === 'nslookup')!;
    assert.equal(nslookup.host, 'b-app');
    assert.equal(
      doc.lineAt(nslookup.startLine - 2).text,
      'root@b-app:/# busybox nslookup a-app.default.svc.cluster.local',
    );
    assert.deepEqual(r.flows[0], {
      from: 'default/b-app',
      to: 'a-app.default.svc.cluster.local',
      why: 'nslookup a-app.default.svc.cluster.local at line 14',
    });
  });

  test('paste to analyze with text and no selection: an untitled editor holds it and is what the evidence points at', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.openTextDocument(await repoFile('test/fixtures/lab/manifests/cluster.yaml'));
    const text = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(await repoFile('test/fixtures/lab/a3-headless.txt')),
    );
    const r = await vscode.commands.executeCommand<{
      uri: string;
      blocks: { format: string; host?: string }[];
      flows: { from: string; to: string }[];
    }>('kubePacketPath.paste.analyze', { text });
    assert.ok(r, 'the command answers');
    assert.match(r.uri, /^untitled:/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), r.uri);
    assert.equal(vscode.window.activeTextEditor?.document.getText(), text);
    assert.deepEqual([...new Set(r.blocks.map((b) => b.format))].slice(0, 3), ['dig', 'nslookup', 'tcpdump']);
    assert.ok(
      r.flows.some((f) => f.from === 'default/b-app' && f.to === 'web.default.svc.cluster.local'),
      JSON.stringify(r.flows),
    );
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('"Show Flow" on a capture (editor title) analyzes the whole document: one tcpdump block', async () => {
    const uri = await workspaceFile('{e2e,test/e2e/fixtures}/pod-to-service.tcpdump');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const r = await vscode.commands.executeCommand<{
      uri: string;
      blocks: { format: string; startLine: number; endLine: number; records: number }[];
    }>('kubePacketPath.trace.showFlow');
    assert.ok(r, 'the command answers');
    assert.equal(r.uri, uri.toString());
    assert.deepEqual(
      r.blocks.map((b) => [b.format, b.startLine, b.endLine]),
      [['tcpdump', 1, 14]],
    );
    assert.ok(r.blocks[0].records >= 10, `records: ${r.blocks[0].records}`);
  });

  test('diagnostics on a broken StatefulSet manifest, and the targetPort quick fix repairs it', async () => {
    // The A.3 sample with its Service made non-headless and its targetPort misspelt (own namespace: no clash with the samples).
    const original = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(await workspaceFile('**/a3-headless-statefulset/statefulset.yaml')),
    );
    const broken = original
      .replace(/metadata:\n {2}name: a-app\n/g, 'metadata:\n  name: a-app\n  namespace: diag-test\n')
      .replace('clusterIP: None', 'clusterIP: 10.96.0.50')
      .replace('targetPort: web', 'targetPort: webb');
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: broken });
    await vscode.window.showTextDocument(doc);
    const diags = await diagnosticsOf(doc.uri, (d) => d.length >= 2);
    const byCode = new Map(diags.map((d) => [String(typeof d.code === 'object' ? d.code.value : d.code), d]));
    assert.deepEqual([...byCode.keys()].sort(), ['statefulset-service-not-headless', 'targetport-name-missing']);
    const tp = byCode.get('targetport-name-missing')!;
    assert.equal(doc.getText(tp.range), 'targetPort: webb');
    assert.equal(tp.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(doc.getText(byCode.get('statefulset-service-not-headless')!.range), 'serviceName: "a-app"');

    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        tp.range,
      )) ?? [];
    const fix = actions.find((a) => a.title === "Change targetPort to 'web'");
    assert.ok(fix?.edit, `quick fixes: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.getText(), /targetPort: web\n/);
    const after = await diagnosticsOf(doc.uri, (d) => !d.some((x) => x.code === 'targetport-name-missing'));
    assert.deepEqual(
      after.map((d) => d.code),
      ['statefulset-service-not-headless'],
    );

    const headless = (
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        after[0].range,
      )) ?? []
    ).find((a) => a.title === 'Make Service a-app headless (clusterIP: None)');
    assert.ok(headless?.edit, 'the headless quick fix');
    assert.ok(await vscode.workspace.applyEdit(headless.edit));
    assert.match(doc.getText(), /clusterIP: None/);
    assert.deepEqual(await diagnosticsOf(doc.uri, (d) => d.length === 0), []);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('kubePacketPath.trace.flow with FROM and TO traces into the diagram; an unknown name is a message, not a throw', async () => {
    const r = await vscode.commands.executeCommand<{ flows: unknown[] }>(
      'kubePacketPath.trace.flow',
      'default/b-pod',
      'a-pod',
    );
    assert.ok(r && r.flows.length > 0);
    assert.equal(
      await vscode.commands.executeCommand('kubePacketPath.trace.flow', 'default/b-pod', 'no-such-thing-here'),
      undefined,
    );
  });
});
