import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { currentContextOfFiles } from '../../cluster/kubeconfigText';
import { namespacedName, ClusterModel } from '../../model';
import { serviceOfExplorerNode } from './explorerNode.pure';
import { KubernetesExtension } from './kubernetesExtension';
import { loadClusterApi } from './loader';
import { pullLogLines, pullMessage } from './messages.pure';
import { followKubernetesExtension, readClusterSettings, writeClusterSetting, type ClusterSettings } from './settings';
import { PersistedClusterReads } from './persistedRead';
import { disposeClusterState, lastClusterRead, onDidReadCluster, setClusterRead } from './state';
import { ClusterStatusBar } from './statusBar';
import { ClusterWatch } from './watchController';

export { lastClusterRead, onDidReadCluster } from './state';

/**
 * The cluster commands: refresh (read the cluster with progress and cancel), choose a
 * context, choose namespaces, plus the status bar item. Nothing here contacts a cluster
 * or loads dist/cluster.js until a command runs, and nothing does in an untrusted workspace.
 */
export function registerClusterCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const status = new ClusterStatusBar();
  const k8s = new KubernetesExtension(log);
  followKubernetesExtension(() => k8s.kubeconfigPath());
  const watch = new ClusterWatch(log, (text) => {
    status.setWatching(text);
    status.update(readClusterSettings());
  });
  context.subscriptions.push(status, k8s, watch, { dispose: disposeClusterState });
  const reads = new PersistedClusterReads(context.workspaceState, log);
  // The watch's changes are kept too: a reload restores the latest state, not the first read.
  context.subscriptions.push(
    reads,
    onDidReadCluster((snapshot) => reads.saveWatchChange(snapshot)),
  );
  /** Where the last pull read from; the watch stops when any of it changes. */
  let watchedFrom: string | undefined;
  const whereFrom = (s: ClusterSettings) => JSON.stringify([s.decision.kubeconfigPaths, s.context, s.namespaces]);
  let contextRead = 0;
  const refreshStatus = () => {
    if (k8s.active) void k8s.connect(); // once; its change event calls back here
    const s = readClusterSettings();
    status.update(s);
    if (watch.active && (!s.decision.allowed || !s.watch || whereFrom(s) !== watchedFrom)) {
      watch.stop(
        !s.decision.allowed
          ? 'cluster access is off'
          : !s.watch
            ? 'kubePacketPath.cluster.watch is off'
            : 'the context, kubeconfig or namespaces changed',
      );
    }
    // The kubeconfig's current-context, read as text (no client library, no credentials used).
    if (!s.decision.allowed) return;
    const seq = ++contextRead;
    void Promise.all(s.decision.kubeconfigPaths.map((p) => readFile(p, 'utf8').catch(() => undefined))).then(
      (texts) => {
        if (seq !== contextRead) return;
        const missing = s.decision.kubeconfigPaths.filter((_path, i) => texts[i] === undefined);
        const fileContext = currentContextOfFiles(texts);
        status.setKubeconfigContext(fileContext, { paths: s.decision.kubeconfigPaths, missing });
        // After a window reload: the last read of this context, as it was (nothing is contacted).
        const inUse = s.context || fileContext;
        const restored = !lastClusterRead() && inUse ? reads.restore(inUse) : undefined;
        if (restored) setClusterRead(restored.snapshot);
        status.update(
          readClusterSettings(),
          restored && { context: inUse!, headline: restored.headline, level: restored.level },
        );
      },
    );
  };
  refreshStatus();
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(refreshStatus),
    vscode.window.onDidChangeWindowState((w) => {
      if (w.focused && k8s.active) void k8s.connect();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(refreshStatus),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kubePacketPath')) refreshStatus();
    }),
    k8s.onDidChange((what) => {
      // The Kubernetes extension switched context (it rewrites the kubeconfig's current-context) or kubeconfig.
      if (what === 'context' && watch.active && !readClusterSettings().context)
        watch.stop('the Kubernetes extension switched context');
      refreshStatus();
    }),
  );
  // Optional integration. At startup only when the Kubernetes extension is already running (we never
  // make startup activate it); otherwise the first cluster command or Cluster Explorer action connects.
  if (k8s.active) void k8s.connect();

  /** The settings when cluster access is allowed; otherwise tells the user why and returns undefined. */
  const allowed = async (): Promise<ClusterSettings | undefined> => {
    // When installed, the Kubernetes extension's kubeconfig must be known before deciding.
    if (k8s.installed) await k8s.connect();
    const s = readClusterSettings();
    if (s.decision.allowed) return s;
    log.warn(s.decision.reason);
    const manage = vscode.l10n.t('Manage Workspace Trust');
    void vscode.window
      .showWarningMessage(s.decision.reason, ...(vscode.workspace.isTrusted ? [] : [manage]))
      .then((pick) => {
        if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return undefined;
  };

  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('kubePacketPath.cluster.refresh', async () => {
    const s = await allowed();
    if (!s) return undefined;
    log.info(s.decision.reason);
    const api = loadClusterApi();
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Reading the cluster'),
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let done = 0;
        const model = new ClusterModel();
        try {
          const result = await api.pullCluster({
            kubeconfigPaths: s.decision.kubeconfigPaths,
            context: s.context || undefined,
            namespaces: s.namespaces.length ? s.namespaces : 'all',
            allowCredentialPlugins: s.decision.allowCredentialPlugins,
            workspace: api.workspaceConfinement(s.decision),
            sink: model,
            signal: abort.signal,
            onProgress: (p) => {
              progress.report({
                message: vscode.l10n.t('{0} — {1} objects', p.step, p.objects),
                increment: ((p.done - done) / Math.max(1, p.total)) * 100,
              });
              done = p.done;
            },
          });
          const summary = api.summarizePull(result);
          for (const line of pullLogLines(summary, result)) log[line.level](line.text);
          const snapshot = { result, model, at: new Date() };
          setClusterRead(snapshot);
          void reads.save(snapshot, summary.headline, summary.level);
          status.update(readClusterSettings(), {
            context: result.context,
            headline: summary.headline,
            level: summary.level,
          });
          watch.stop();
          const now = readClusterSettings();
          if (now.watch && now.decision.allowed && result.server && !result.cancelled && summary.level !== 'error') {
            watchedFrom = whereFrom(now);
            watch.start(api, now, snapshot);
          }
          const showLog = vscode.l10n.t('Show Log');
          const show =
            summary.level === 'error'
              ? vscode.window.showErrorMessage
              : summary.level === 'warning'
                ? vscode.window.showWarningMessage
                : vscode.window.showInformationMessage;
          void show(pullMessage(summary, result.problems), showLog).then((pick) => {
            if (pick === showLog) log.show(true);
          });
          return result;
        } finally {
          sub.dispose();
        }
      },
    );
  });

  register('kubePacketPath.cluster.pickContext', async () => {
    const s = await allowed();
    if (!s) return undefined;
    let listing;
    try {
      const api = loadClusterApi();
      listing = api.listKubeContexts(s.decision.kubeconfigPaths, api.workspaceConfinement(s.decision));
    } catch (e) {
      void vscode.window.showErrorMessage((e as Error).message);
      return undefined;
    }
    const current = s.context || listing.current;
    const items: (vscode.QuickPickItem & { value: string })[] = [
      { label: vscode.l10n.t("Use the kubeconfig's current context"), description: listing.current, value: '' },
      { label: '', kind: vscode.QuickPickItemKind.Separator, value: '' },
      ...listing.contexts.map((c) => ({
        label: `${c.name === current ? '$(check) ' : ''}${c.name}`,
        description: c.server,
        detail: [
          c.cluster && `cluster ${c.cluster}`,
          c.user && `user ${c.user}`,
          c.namespace && `namespace ${c.namespace}`,
        ]
          .filter(Boolean)
          .join(' · '),
        value: c.name,
      })),
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Cluster context'),
      placeHolder: s.decision.reason,
      matchOnDescription: true,
    });
    if (!pick) return undefined;
    // Our own setting: the kubeconfig file itself is never written.
    await writeClusterSetting('context', pick.value);
    refreshStatus();
    return pick.value;
  });

  /**
   * "Trace this Service" on a Service node of the Kubernetes extension's Cluster Explorer:
   * the node is resolved through that extension's API (or given as { name, namespace }),
   * then the trace command runs with everything known (workspace + last cluster read).
   */
  register('kubePacketPath.cluster.traceService', async (node?: unknown) => {
    // A plain { name, namespace?, from? } (tests, other extensions), or a Cluster Explorer node.
    const plain =
      node && typeof node === 'object' && (node as { nodeType?: unknown }).nodeType === undefined
        ? (node as { name?: unknown; namespace?: unknown; from?: unknown })
        : undefined;
    const resolved =
      plain && typeof plain.name === 'string'
        ? {
            kind: 'Service' as const,
            name: plain.name,
            ...(typeof plain.namespace === 'string' ? { namespace: plain.namespace } : {}),
            ...(typeof plain.from === 'string' ? { from: plain.from } : {}),
          }
        : serviceOfExplorerNode(
            node && typeof node === 'object' && 'nodeType' in node ? node : await k8s.resolveNode(node),
          );
    if ('problem' in resolved) {
      log.warn(`Trace this Service: ${resolved.problem}`);
      void vscode.window.showWarningMessage(vscode.l10n.t('Cannot trace from this node: {0}.', resolved.problem));
      return undefined;
    }
    log.info(`Trace this Service from the Cluster Explorer: ${namespacedName(resolved)}`);
    return vscode.commands.executeCommand('kubePacketPath.trace.service', resolved);
  });

  register('kubePacketPath.cluster.stopWatch', () => {
    watch.stop('stopped by the user');
  });

  register('kubePacketPath.cluster.pickNamespaces', async () => {
    const s = await allowed();
    if (!s) return undefined;
    const api = loadClusterApi();
    const listing = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing namespaces'), cancellable: true },
      (_p, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return api.listNamespaceNames({
          kubeconfigPaths: s.decision.kubeconfigPaths,
          context: s.context || undefined,
          allowCredentialPlugins: s.decision.allowCredentialPlugins,
          workspace: api.workspaceConfinement(s.decision),
          signal: abort.signal,
        });
      },
    );
    let chosen: string[] | undefined;
    if (listing.names.length) {
      const picks = await vscode.window.showQuickPick(
        listing.names.map((n) => ({ label: n, picked: s.namespaces.includes(n) })),
        {
          title: vscode.l10n.t('Namespaces to read (none selected: all namespaces)'),
          canPickMany: true,
        },
      );
      chosen = picks?.map((p) => p.label);
    } else {
      if (listing.problem) log.warn(listing.problem.message);
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('Namespaces to read'),
        prompt: listing.problem
          ? listing.problem.message
          : vscode.l10n.t('Comma-separated namespace names; empty for all namespaces'),
        value: s.namespaces.join(', '),
      });
      chosen =
        typed === undefined
          ? undefined
          : typed
              .split(',')
              .map((n) => n.trim())
              .filter(Boolean);
    }
    if (chosen === undefined) return undefined;
    await writeClusterSetting('namespaces', chosen);
    refreshStatus();
    return chosen;
  });
}
