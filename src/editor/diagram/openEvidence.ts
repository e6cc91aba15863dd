import * as vscode from 'vscode';
import type { Evidence } from '../../model';
import { describeEvidence } from '../../model/evidence';
import { openClusterEvidence } from '../cluster/objectDocuments';
import { evidenceSpan } from './evidenceRange.pure';

/**
 * Opens the proof behind a diagram arrow: the file at the evidence line, selected,
 * beside the diagram; a cluster object as its read-only YAML document. Evidence that is
 * not a document (a derived fact) is shown as a message with its excerpt instead.
 */

/**
 * Where the proof lives. `samples/…` (as the CLI names the bundled samples) resolves
 * inside the extension; other relative paths against the first workspace folder.
 */
export function evidenceUri(evidence: Evidence, extensionUri: vscode.Uri): vscode.Uri | undefined {
  const uri = evidence.uri.trim();
  if (uri === '' || evidence.source === 'derived' || /^(derived|cluster):/i.test(uri)) return undefined;
  if (/^samples\//.test(uri)) {
    const parts = uri.split('/');
    if (parts.some((part) => part === '..' || part === '')) return undefined;
    return vscode.Uri.joinPath(extensionUri, ...parts);
  }
  if (/^[a-zA-Z]:[\\/]/.test(uri) || uri.startsWith('/')) return vscode.Uri.file(uri);
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    const parsed = vscode.Uri.parse(uri, true);
    return ['file', 'untitled', 'vscode-remote', 'vscode-userdata'].includes(parsed.scheme) ? parsed : undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, uri) : undefined;
}

/**
 * An editor group other than the diagram's, so opening a proof never hides the
 * diagram (a hidden webview loses its page): an existing other group, else a new
 * one beside.
 */
export function columnBeside(panel: vscode.WebviewPanel): vscode.ViewColumn {
  const own =
    panel.viewColumn ??
    vscode.window.tabGroups.all.find((group) =>
      group.tabs.some(
        (tab) =>
          tab.input instanceof vscode.TabInputWebview &&
          tab.input.viewType.endsWith(panel.viewType) &&
          tab.label === panel.title,
      ),
    )?.viewColumn;
  const other = vscode.window.tabGroups.all.find((group) => group.viewColumn !== own);
  return other?.viewColumn ?? vscode.ViewColumn.Beside;
}

export async function openEvidence(
  evidence: Evidence,
  extensionUri: vscode.Uri,
  column: vscode.ViewColumn,
): Promise<vscode.TextEditor | undefined> {
  if (evidence.source === 'cluster' && /^cluster:\/\//.test(evidence.uri)) return openClusterEvidence(evidence, column);
  const uri = evidenceUri(evidence, extensionUri);
  if (!uri) {
    const what = describeEvidence(evidence);
    void vscode.window.showInformationMessage(evidence.excerpt ? `${what}: ${evidence.excerpt}` : what);
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const span = evidenceSpan(evidence, doc.lineCount, (line) => doc.lineAt(line).text);
  const range = new vscode.Range(span.startLine, span.startCharacter, span.endLine, span.endCharacter);
  const editor = await vscode.window.showTextDocument(doc, { selection: range, preview: true, viewColumn: column });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
