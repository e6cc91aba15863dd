import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { currentContextOfFiles } from '../../cluster/kubeconfigText';
import { KubernetesExtension } from './kubernetesExtension';
import { PersistedClusterReads } from './persistedRead';
import { followKubernetesExtension, readClusterSettings, type ClusterSettings } from './settings';
import { disposeClusterState, lastClusterRead, onDidReadCluster, setClusterRead } from './state';
import { ClusterStatusBar } from './statusBar';
import { ClusterWatch } from './watchController';

/** Where a pull read from; the watch stops when any of it changes. */
export function readPlace(settings: ClusterSettings): string {
  return JSON.stringify([settings.decision.kubeconfigPaths, settings.context, settings.namespaces]);
}

/** Why a running watch must stop under these settings, or undefined when it may go on. */
function watchStopReason(settings: ClusterSettings, watchedFrom: string | undefined): string | undefined {
  if (!settings.decision.allowed) return 'cluster access is off';
  if (!settings.watch) return 'kubePacketPath.cluster.watch is off';
  return readPlace(settings) !== watchedFrom ? 'the context, kubeconfig or namespaces changed' : undefined;
}

/**
 * What the cluster commands share for the window's life: the status bar, the Kubernetes
 * extension link, the watch and the reads kept for a reload. Nothing here contacts a cluster.
 */
export class ClusterSession {
  readonly status = new ClusterStatusBar();
  readonly kubernetes: KubernetesExtension;
  readonly watch: ClusterWatch;
  readonly reads: PersistedClusterReads;
  /** Where the running watch's pull read from (see readPlace). */
  watchedFrom?: string;
  /** Numbers the kubeconfig reads, so an older read that ends late is dropped. */
  private kubeconfigReads = 0;

  constructor(
    context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.kubernetes = new KubernetesExtension(log);
    followKubernetesExtension(() => this.kubernetes.kubeconfigPath());
    this.watch = new ClusterWatch(log, (text) => {
      this.status.setWatching(text);
      this.status.update(readClusterSettings());
      // Stopped: its last changes are kept for a reload now, not after the save delay.
      if (text === undefined) void this.reads.flush();
    });
    this.reads = new PersistedClusterReads(context.workspaceState, log);
    context.subscriptions.push(
      this.status,
      this.kubernetes,
      this.watch,
      { dispose: disposeClusterState },
      this.reads,
      // The watch's changes are kept too: a reload restores the latest state, not the first read.
      onDidReadCluster((snapshot) => this.reads.saveWatchChange(snapshot)),
    );
  }

  /** The settings changed (or may have): status bar, watch, and the kubeconfig's current context. */
  refreshStatus(): void {
    if (this.kubernetes.active) void this.kubernetes.connect(); // once; its change event calls back here
    const settings = readClusterSettings();
    this.status.update(settings);
    const stopReason = this.watch.active ? watchStopReason(settings, this.watchedFrom) : undefined;
    if (stopReason) this.watch.stop(stopReason);
    if (settings.decision.allowed) void this.readKubeconfigContext(settings);
  }

  /**
   * The kubeconfig's current-context, read as text (no client library, no credentials used);
   * after a window reload, the last read of that context as it was kept (nothing is contacted).
   */
  private async readKubeconfigContext(settings: ClusterSettings): Promise<void> {
    const readNumber = ++this.kubeconfigReads;
    const paths = settings.decision.kubeconfigPaths;
    const texts = await Promise.all(paths.map((path) => readFile(path, 'utf8').catch(() => undefined)));
    if (readNumber !== this.kubeconfigReads) return;
    const missing = paths.filter((_path, index) => texts[index] === undefined);
    const fileContext = currentContextOfFiles(texts);
    this.status.setKubeconfigContext(fileContext, { paths, missing });
    const inUse = settings.context || fileContext;
    const restored = !lastClusterRead() && inUse ? this.reads.restore(inUse) : undefined;
    if (restored) setClusterRead(restored.snapshot);
    this.status.update(
      readClusterSettings(),
      restored && inUse ? { context: inUse, headline: restored.headline, level: restored.level } : undefined,
    );
  }

  /** The settings when cluster access is allowed; otherwise tells the user why and returns undefined. */
  async allowedSettings(): Promise<ClusterSettings | undefined> {
    // When installed, the Kubernetes extension's kubeconfig must be known before deciding.
    if (this.kubernetes.installed) await this.kubernetes.connect();
    const settings = readClusterSettings();
    if (settings.decision.allowed) return settings;
    this.log.warn(settings.decision.reason);
    const manage = vscode.l10n.t('Manage Workspace Trust');
    void vscode.window
      .showWarningMessage(settings.decision.reason, ...(vscode.workspace.isTrusted ? [] : [manage]))
      .then((pick) => {
        if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return undefined;
  }

  /** Follows trust, folders, settings and the Kubernetes extension's switches. */
  listen(context: vscode.ExtensionContext): void {
    const refresh = () => this.refreshStatus();
    context.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(refresh),
      vscode.window.onDidChangeWindowState((windowState) => {
        if (windowState.focused && this.kubernetes.active) void this.kubernetes.connect();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(refresh),
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (change.affectsConfiguration('kubePacketPath')) refresh();
      }),
      this.kubernetes.onDidChange((what) => {
        // The Kubernetes extension switched context (it rewrites the kubeconfig's current-context) or kubeconfig.
        if (what === 'context' && this.watch.active && !readClusterSettings().context)
          this.watch.stop('the Kubernetes extension switched context');
        refresh();
      }),
    );
  }
}
