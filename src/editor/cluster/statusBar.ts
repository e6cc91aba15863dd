import * as vscode from 'vscode';
import { statusBarContext } from './messages.pure';
import type { ClusterSettings } from './settings';

/** Status bar item: the context in use (click to switch), or why cluster access is off. */
export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'kubePacketPath.cluster',
    vscode.StatusBarAlignment.Left,
    50,
  );
  /** Context name learnt from the last read (the setting may be empty = kubeconfig's current context). */
  private knownContext?: string;
  /** The kubeconfig's current-context as read from the file (cheap, no client library). */
  private fileContext?: string;
  /** Kubeconfig files that could not be read (undefined until they were tried). */
  private missingKubeconfigs?: string[];
  /** The files `fileContext` and `missingKubeconfigs` come from. */
  private readKubeconfigPaths?: readonly string[];
  private lastSummary?: string;
  private lastLevel?: string;
  private watching?: string;

  constructor() {
    this.item.name = vscode.l10n.t('Kube Packet Path: Cluster');
  }

  /** The kubeconfig's current-context changed (file read, or the Kubernetes extension switched). */
  setKubeconfigContext(name: string | undefined, read: { paths: readonly string[]; missing: string[] }): void {
    this.fileContext = name;
    this.missingKubeconfigs = read.missing;
    this.readKubeconfigPaths = read.paths;
  }

  /** Watch state for the tooltip and icon; undefined when not watching. */
  setWatching(text: string | undefined): void {
    this.watching = text;
  }

  update(settings: ClusterSettings, read?: { context: string; headline: string; level: string }): void {
    if (read) {
      this.knownContext = read.context;
      this.lastSummary = read.headline;
      this.lastLevel = read.level;
    }
    const decision = settings.decision;
    if (!decision.allowed) {
      this.item.text = '$(shield) ' + vscode.l10n.t('Cluster off');
      this.item.tooltip = decision.reason;
      this.item.command = vscode.workspace.isTrusted ? 'kubePacketPath.cluster.pickContext' : 'workbench.trust.manage';
      this.item.backgroundColor = undefined;
    } else {
      const ctx = statusBarContext({
        contextSetting: settings.context,
        fileContext: this.fileContext,
        knownContext: this.knownContext,
        kubeconfigPaths: decision.kubeconfigPaths,
        missingKubeconfigs: this.missingKubeconfigs,
        readKubeconfigPaths: this.readKubeconfigPaths,
      });
      const ns = settings.namespaces.length ? ` (${settings.namespaces.join(', ')})` : '';
      this.item.text = `${this.watching ? '$(eye)' : ctx.problem ? '$(warning)' : '$(cloud)'} ${ctx.label}${ns}`;
      const md = new vscode.MarkdownString(undefined, true);
      // Without a kubeconfig, "Using ~/.kube/config" would name a file that is not there.
      md.appendText(ctx.problem ?? decision.reason);
      if (this.lastSummary) md.appendMarkdown('\n\n').appendText(this.lastSummary);
      if (this.watching) md.appendMarkdown('\n\n').appendText(this.watching);
      md.appendMarkdown('\n\n').appendText(
        vscode.l10n.t('Click to choose a context; run "Refresh from Cluster" to read it.'),
      );
      this.item.tooltip = md;
      this.item.command = 'kubePacketPath.cluster.pickContext';
      this.item.backgroundColor =
        this.lastLevel === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : this.lastLevel === 'warning'
            ? new vscode.ThemeColor('statusBarItem.warningBackground')
            : undefined;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
