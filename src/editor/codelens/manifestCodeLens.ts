import * as vscode from 'vscode';
import { manifestLenses, type LensAction } from './manifestLenses.pure';

/**
 * CodeLens on Kubernetes YAML: "Trace this Service" (and the per-pod DNS names of a headless
 * one), "Trace headless flow" on a StatefulSet, "Trace from this pod" on a Deployment or Pod.
 * Positions come from the manifest reader; `kubePacketPath.codeLens.enabled` turns them off.
 */

const COMMANDS: Record<LensAction, { command: string; title: () => string }> = {
  traceService: { command: 'kubePacketPath.trace.service', title: () => vscode.l10n.t('Trace this Service') },
  podDnsNames: { command: 'kubePacketPath.trace.podDnsNames', title: () => vscode.l10n.t('Show per-pod DNS names') },
  traceStatefulSet: { command: 'kubePacketPath.trace.statefulSet', title: () => vscode.l10n.t('Trace headless flow') },
  traceFromPod: { command: 'kubePacketPath.trace.fromPod', title: () => vscode.l10n.t('Trace from this pod') },
};

export class ManifestCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Settings changed: VS Code asks again. */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    try {
      if (!vscode.workspace.getConfiguration('kubePacketPath', doc.uri).get<boolean>('codeLens.enabled', true))
        return [];
      const text = doc.getText();
      if (!/^\s*(- )?kind:\s*(Service|StatefulSet|Deployment|Pod|List)\b/m.test(text)) return [];
      return manifestLenses(text).map((lens) => {
        const line = Math.min(lens.line - 1, doc.lineCount - 1);
        const spec = COMMANDS[lens.action];
        return new vscode.CodeLens(doc.lineAt(line).range, {
          title: spec.title(),
          command: spec.command,
          arguments: [{ ...lens.target, uri: doc.uri.toString() }],
        });
      });
    } catch (e) {
      this.log.error(`codelens: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
}
