import * as vscode from 'vscode';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { checkManifest, headlessFix, type ManifestProblem, type TextFix } from './manifestChecks.pure';

/**
 * Diagnostics on open Kubernetes manifests (`kubePacketPath.diagnostics.enabled`), re-run when
 * the workspace model changes (debounced there), with quick fixes where the fix is obvious.
 */

const SOURCE = 'Kube Packet Path';

function rangeOf(problem: ManifestProblem): vscode.Range {
  const { span } = problem;
  return new vscode.Range(span.line - 1, span.column - 1, span.endLine - 1, span.endColumn - 1);
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
      vscode.workspace.onDidOpenTextDocument((opened) => {
        if (opened.languageId === 'yaml') void this.schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((closed) => {
        this.collection.delete(closed.uri);
        this.problems.delete(closed.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (change.affectsConfiguration('kubePacketPath.diagnostics.enabled')) void this.schedule();
      }),
    );
    void this.schedule();
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
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
        (doc) => doc.languageId === 'yaml' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled'),
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
          list.map((problem) => {
            const diagnostic = new vscode.Diagnostic(
              rangeOf(problem),
              problem.message,
              problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
            );
            diagnostic.source = SOURCE;
            diagnostic.code = problem.code;
            return diagnostic;
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
      const ours = context.diagnostics.filter((diagnostic) => diagnostic.source === SOURCE);
      const list = this.problems.get(doc.uri.toString())?.list ?? [];
      const out: vscode.CodeAction[] = [];
      for (const diagnostic of ours) {
        const problem = list.find(
          (candidate) => candidate.code === diagnostic.code && rangeOf(candidate).isEqual(diagnostic.range),
        );
        if (!problem) continue;
        const fixes: TextFix[] = [...problem.fixes];
        const { makeHeadless } = problem;
        if (makeHeadless) {
          const other = await vscode.workspace.openTextDocument(vscode.Uri.parse(makeHeadless.uri));
          const fix = headlessFix(other.getText(), makeHeadless.name, makeHeadless.namespace, makeHeadless.uri);
          if (fix) fixes.push(fix);
        }
        for (const fix of fixes) {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [diagnostic];
          action.edit = new vscode.WorkspaceEdit();
          action.edit.replace(
            fix.uri ? vscode.Uri.parse(fix.uri) : doc.uri,
            new vscode.Range(fix.line, fix.start, fix.line, fix.end),
            fix.newText,
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
