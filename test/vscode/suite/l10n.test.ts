// Localization in a real extension host: VS Code resolves package.json's %key% placeholders
// from package.nls.json, and in English it loads no bundle (the pure modules then speak the
// English source strings, as the editor-feature tests check).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './activation.test';

suite('localization', () => {
  test('package.json placeholders are resolved from package.nls.json', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.packageJSON.displayName, 'Kube Packet Path');
    const commands: { command: string; title: string; category?: string }[] = ext.packageJSON.contributes.commands;
    assert.equal(commands.find((c) => c.command === 'kubePacketPath.trace.service')?.title, 'Trace this Service');
    const unresolved = commands.filter((c) => /%/.test(c.title) || /%/.test(c.category ?? '')).map((c) => c.command);
    assert.deepEqual(unresolved, []);
  });

  test('in English no translation bundle is loaded', () => {
    if (vscode.env.language !== 'en') return;
    assert.equal(vscode.l10n.uri, undefined);
    assert.equal(vscode.l10n.t('Trace this Service'), 'Trace this Service');
  });
});
