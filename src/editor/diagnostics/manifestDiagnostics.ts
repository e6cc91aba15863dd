import * as vscode from 'vscode';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { checkManifest, headlessFix, type ManifestProblem, type TextFix } from './manifestChecks.pure';

/**
 * Diagnostics on open Kubernetes manifests (`kubePacketPath.diagnostics.enabled`), re-run when
 * the workspace model changes (debounced there), with quick fixes where the fix is obvious.
 */

const SOURCE = 'Kube Packet Path';

function rangeOf(p: ManifestProblem): vscode.Range {
  return new vscode.Range(p.span.line - 1, p.span.column - 1, p.span.endLine - 1, p.span.endColumn - 1);
}

function enabled(uri?: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration('kubePacketPath', uri).get<boolean>('diagnostics.enabled', true);
}

export class ManifestDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kubePacketPath');
  private readonly problems = new Map<string, { version: number; list: ManifestProblem[] }>();
  private readonly disposables: vscode.Disposable[] = [];
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly workspace: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.collection,
      workspace.onDidChange(() => void this.schedule()),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.languageId === 'yaml') void this.schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.problems.delete(d.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kubePacketPath.diagnostics.enabled')) void this.schedule();
      }),
    );
    void this.schedule();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** Re-checks every open YAML document; calls while one run is going coalesce into one more run. */
  schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.schedule();
      }
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      const docs = vscode.workspace.textDocuments.filter(
        (d) => d.languageId === 'yaml' && (d.uri.scheme === 'file' || d.uri.scheme === 'untitled'),
      );
      // No manifest open: the workspace is not scanned at all.
      if (docs.length === 0) return;
      const model = await this.workspace.getModel();
      for (const doc of docs) {
        if (!enabled(doc.uri)) {
          this.collection.delete(doc.uri);
          this.problems.delete(doc.uri.toString());
          continue;
        }
        const list = checkManifest(doc.getText(), doc.uri.toString(), model);
        this.problems.set(doc.uri.toString(), { version: doc.version, list });
        this.collection.set(
          doc.uri,
          list.map((p) => {
            const d = new vscode.Diagnostic(
              rangeOf(p),
              p.message,
              p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
            );
            d.source = SOURCE;
            d.code = p.code;
            return d;
          }),
        );
      }
    } catch (e) {
      this.log.error(`diagnostics: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  async provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    try {
      const ours = context.diagnostics.filter((d) => d.source === SOURCE);
      const list = this.problems.get(doc.uri.toString())?.list ?? [];
      const out: vscode.CodeAction[] = [];
      for (const d of ours) {
        const p = list.find((x) => x.code === d.code && rangeOf(x).isEqual(d.range));
        if (!p) continue;
        const fixes: TextFix[] = [...p.fixes];
        if (p.makeHeadless) {
          const other = await vscode.workspace.openTextDocument(vscode.Uri.parse(p.makeHeadless.uri));
          const fx = headlessFix(other.getText(), p.makeHeadless.name, p.makeHeadless.namespace, p.makeHeadless.uri);
          if (fx) fixes.push(fx);
        }
        for (const f of fixes) {
          const action = new vscode.CodeAction(f.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [d];
          action.edit = new vscode.WorkspaceEdit();
          action.edit.replace(
            f.uri ? vscode.Uri.parse(f.uri) : doc.uri,
            new vscode.Range(f.line, f.start, f.line, f.end),
            f.newText,
          );
          if (fixes.length === 1) action.isPreferred = true;
          out.push(action);
        }
      }
      return out;
    } catch (e) {
      this.log.error(`quick fixes: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
}
