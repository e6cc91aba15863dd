import * as vscode from 'vscode';
import type { TraceResult } from '../../flow/types';
import { renderMarkdown } from '../../render/markdown';
import { renderMermaid } from '../../render/mermaid';

/** Copy Mermaid source, save Markdown, save SVG: what the toolbar and the commands export. */

function baseName(result: TraceResult, flow: number): string {
  const title = result.flows[flow]?.title ?? 'packet-path';
  return (
    title
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'packet-path'
  );
}

function defaultUri(name: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, name) : undefined;
}

async function saveText(
  text: string,
  name: string,
  filters: Record<string, string[]>,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      defaultUri: defaultUri(name),
      filters,
      saveLabel: vscode.l10n.t('Save'),
    }));
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  // Say where it went, with a way to look at it (a save gave no sign before).
  const open = vscode.l10n.t('Open');
  void vscode.window
    .showInformationMessage(vscode.l10n.t('Saved {0}', vscode.workspace.asRelativePath(uri)), open)
    .then((pick) => {
      if (pick === open) void vscode.commands.executeCommand('vscode.open', uri);
    });
  return uri;
}

export async function copyMermaid(result: TraceResult, flow: number, phase?: number): Promise<string | undefined> {
  const chosen = result.flows[flow];
  if (!chosen) return undefined;
  const source = renderMermaid(chosen, { phase });
  await vscode.env.clipboard.writeText(source);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Mermaid source of "{0}" copied to the clipboard.', chosen.title),
  );
  return source;
}

/** The flow on screen as Markdown (its own report, not every flow of the trace), with the trace's notes. */
export async function saveMarkdown(
  result: TraceResult,
  flow: number,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const chosen = result.flows[flow];
  const one: TraceResult = chosen ? { flows: [chosen], unresolved: result.unresolved } : result;
  return saveText(renderMarkdown(one), `${baseName(result, flow)}.md`, { Markdown: ['md'] }, target);
}

export async function saveSvg(
  result: TraceResult,
  flow: number,
  svg: string,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  return saveText(svg, `${baseName(result, flow)}.svg`, { SVG: ['svg'] }, target);
}
