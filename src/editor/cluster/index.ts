import * as vscode from 'vscode';
import type { ClusterProblem } from '../../cluster/problems';
import type { PullResult } from '../../cluster/reader';
import type { PullSummary } from '../../cluster/summary';
import { namespacedName, ClusterModel } from '../../model';
import { serviceOfExplorerNode, type ExplorerNode } from './explorerNode.pure';
import { loadClusterApi, type ClusterApi } from './loader';
import { pullLogLines, pullMessage } from './messages.pure';
import { ClusterSession, readPlace } from './session';
import { readClusterSettings, writeClusterSetting, type ClusterSettings } from './settings';
import { setClusterRead, type ClusterSnapshot } from './state';

export { lastClusterRead, onDidReadCluster } from './state';

/**
 * The cluster commands: refresh (read the cluster with progress and cancel), choose a
 * context, choose namespaces, trace a Cluster Explorer Service, stop the watch, plus the status
 * bar item. Nothing here contacts a cluster or loads dist/cluster.js until a command runs, and
 * nothing does in an untrusted workspace.
 */
export function registerClusterCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const session = new ClusterSession(context, log);
  session.refreshStatus();
  session.listen(context);
  // Optional integration. At startup only when the Kubernetes extension is already running (we never
  // make startup activate it); otherwise the first cluster command or Cluster Explorer action connects.
  if (session.kubernetes.active) void session.kubernetes.connect();
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'kubePacketPath.cluster.refresh': () => refreshFromCluster(session),
    'kubePacketPath.cluster.pickContext': () => pickContext(session),
    'kubePacketPath.cluster.traceService': (node?: unknown) => traceExplorerService(session, node),
    'kubePacketPath.cluster.stopWatch': () => session.watch.stop('stopped by the user'),
    'kubePacketPath.cluster.pickNamespaces': () => pickNamespaces(session),
  };
  for (const [id, run] of Object.entries(commands))
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
}

/** "Refresh from Cluster": a pull with progress and Cancel, kept for a reload, then the watch. */
async function refreshFromCluster(session: ClusterSession): Promise<PullResult | undefined> {
  const settings = await session.allowedSettings();
  if (!settings) return undefined;
  session.log.info(settings.decision.reason);
  // Before the pull, so the watch's last changes cannot land after (and over) the new read.
  session.watch.stop();
  const api = loadClusterApi();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the cluster'), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancelled = token.onCancellationRequested(() => abort.abort());
      try {
        const { result, model } = await pullWithProgress(api, settings, progress, abort.signal);
        const summary = api.summarizePull(result);
        for (const line of pullLogLines(summary, result)) session.log[line.level](line.text);
        const snapshot: ClusterSnapshot = { result, model, at: new Date() };
        setClusterRead(snapshot);
        void session.reads.save(snapshot, summary.headline, summary.level);
        session.status.update(readClusterSettings(), {
          context: result.context,
          headline: summary.headline,
          level: summary.level,
        });
        startWatchAfterPull(session, api, snapshot, summary);
        showPullMessage(session.log, summary, result.problems);
        return result;
      } finally {
        cancelled.dispose();
      }
    },
  );
}

/** One pull into a fresh model, its progress reported as steps and objects. */
async function pullWithProgress(
  api: ClusterApi,
  settings: ClusterSettings,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  signal: AbortSignal,
): Promise<{ result: PullResult; model: ClusterModel }> {
  let done = 0;
  const model = new ClusterModel();
  const result = await api.pullCluster({
    kubeconfigPaths: settings.decision.kubeconfigPaths,
    context: settings.context || undefined,
    namespaces: settings.namespaces.length ? settings.namespaces : 'all',
    allowCredentialPlugins: settings.decision.allowCredentialPlugins,
    workspace: api.workspaceConfinement(settings.decision),
    sink: model,
    signal,
    onProgress: (step) => {
      progress.report({
        message: vscode.l10n.t('{0} — {1} objects', step.step, step.objects),
        increment: ((step.done - done) / Math.max(1, step.total)) * 100,
      });
      done = step.done;
    },
  });
  return { result, model };
}

/** With kubePacketPath.cluster.watch, a complete pull is kept current by the watch. */
function startWatchAfterPull(
  session: ClusterSession,
  api: ClusterApi,
  snapshot: ClusterSnapshot,
  summary: PullSummary,
): void {
  const now = readClusterSettings();
  const { result } = snapshot;
  if (now.watch && now.decision.allowed && result.server && !result.cancelled && summary.level !== 'error') {
    session.watchedFrom = readPlace(now);
    session.watch.start(api, now, snapshot);
  }
}

/** The pull's notification at its level, with Show Log. */
function showPullMessage(
  log: vscode.LogOutputChannel,
  summary: PullSummary,
  problems: readonly Pick<ClusterProblem, 'severity' | 'message'>[],
): void {
  const showLog = vscode.l10n.t('Show Log');
  const show =
    summary.level === 'error'
      ? vscode.window.showErrorMessage
      : summary.level === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  void show(pullMessage(summary, problems), showLog).then((pick) => {
    if (pick === showLog) log.show(true);
  });
}

/** "Choose Cluster Context": our own setting (the kubeconfig file itself is never written). */
async function pickContext(session: ClusterSession): Promise<string | undefined> {
  const settings = await session.allowedSettings();
  if (!settings) return undefined;
  let listing;
  try {
    const api = loadClusterApi();
    listing = api.listKubeContexts(settings.decision.kubeconfigPaths, api.workspaceConfinement(settings.decision));
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  const current = settings.context || listing.current;
  const items: (vscode.QuickPickItem & { value: string })[] = [
    { label: vscode.l10n.t("Use the kubeconfig's current context"), description: listing.current, value: '' },
    { label: '', kind: vscode.QuickPickItemKind.Separator, value: '' },
    ...listing.contexts.map((kubeContext) => ({
      label: `${kubeContext.name === current ? '$(check) ' : ''}${kubeContext.name}`,
      description: kubeContext.server,
      detail: [
        kubeContext.cluster && `cluster ${kubeContext.cluster}`,
        kubeContext.user && `user ${kubeContext.user}`,
        kubeContext.namespace && `namespace ${kubeContext.namespace}`,
      ]
        .filter(Boolean)
        .join(' · '),
      value: kubeContext.name,
    })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Cluster context'),
    placeHolder: settings.decision.reason,
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  await writeClusterSetting('context', pick.value);
  session.refreshStatus();
  return pick.value;
}

/** A plain `{ name, namespace?, from? }` (tests, other extensions) as the Service to trace, else undefined. */
function plainServiceTarget(node: unknown) {
  if (!node || typeof node !== 'object' || (node as { nodeType?: unknown }).nodeType !== undefined) return undefined;
  const plain = node as { name?: unknown; namespace?: unknown; from?: unknown };
  if (typeof plain.name !== 'string') return undefined;
  return {
    kind: 'Service' as const,
    name: plain.name,
    ...(typeof plain.namespace === 'string' ? { namespace: plain.namespace } : {}),
    ...(typeof plain.from === 'string' ? { from: plain.from } : {}),
  };
}

/** A Cluster Explorer node as given, or resolved through the Kubernetes extension. */
async function explorerNodeOf(session: ClusterSession, node: unknown): Promise<ExplorerNode | undefined> {
  if (node && typeof node === 'object' && 'nodeType' in node) return node as ExplorerNode;
  return session.kubernetes.resolveNode(node);
}

/**
 * "Trace this Service" on a Service node of the Kubernetes extension's Cluster Explorer:
 * the node is resolved through that extension's API (or given as { name, namespace }),
 * then the trace command runs with everything known (workspace + last cluster read).
 */
async function traceExplorerService(session: ClusterSession, node?: unknown): Promise<unknown> {
  const resolved = plainServiceTarget(node) ?? serviceOfExplorerNode(await explorerNodeOf(session, node));
  if ('problem' in resolved) {
    session.log.warn(`Trace this Service: ${resolved.problem}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('Cannot trace from this node: {0}.', resolved.problem));
    return undefined;
  }
  session.log.info(`Trace this Service from the Cluster Explorer: ${namespacedName(resolved)}`);
  return vscode.commands.executeCommand('kubePacketPath.trace.service', resolved);
}

/** The namespaces the cluster lists, picked; or typed when it lists none (RBAC). */
async function askNamespaces(settings: ClusterSettings, listing: { names: string[]; problem?: { message: string } }) {
  if (listing.names.length) {
    const picks = await vscode.window.showQuickPick(
      listing.names.map((name) => ({ label: name, picked: settings.namespaces.includes(name) })),
      { title: vscode.l10n.t('Namespaces to read (none selected: all namespaces)'), canPickMany: true },
    );
    return picks?.map((pick) => pick.label);
  }
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Namespaces to read'),
    prompt: listing.problem
      ? listing.problem.message
      : vscode.l10n.t('Comma-separated namespace names; empty for all namespaces'),
    value: settings.namespaces.join(', '),
  });
  return typed
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** "Choose Namespaces": which namespaces a pull reads (our own setting). */
async function pickNamespaces(session: ClusterSession): Promise<string[] | undefined> {
  const settings = await session.allowedSettings();
  if (!settings) return undefined;
  const api = loadClusterApi();
  const listing = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing namespaces'), cancellable: true },
    (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return api.listNamespaceNames({
        kubeconfigPaths: settings.decision.kubeconfigPaths,
        context: settings.context || undefined,
        allowCredentialPlugins: settings.decision.allowCredentialPlugins,
        workspace: api.workspaceConfinement(settings.decision),
        signal: abort.signal,
      });
    },
  );
  if (!listing.names.length && listing.problem) session.log.warn(listing.problem.message);
  const chosen = await askNamespaces(settings, listing);
  if (chosen === undefined) return undefined;
  await writeClusterSetting('namespaces', chosen);
  session.refreshStatus();
  return chosen;
}
