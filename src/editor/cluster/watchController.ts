import * as vscode from 'vscode';
import { ClusterModel, type Fact, type FactKind } from '../../model';
import type { ClusterApi } from './loader';
import type { ClusterSettings } from './settings';
import { setClusterRead, type ClusterSnapshot } from './state';

/** Kinds the watch owns: their facts come from the watch, everything else from the pull. */
const WATCHED_KINDS = new Set<FactKind>(['Pod', 'EndpointSlice']);

/**
 * The optional watch (kubePacketPath.cluster.watch): after a pull, Pods and EndpointSlices
 * are kept current with the API's watch protocol (dist/cluster.js, GET only). Each change
 * rebuilds the snapshot's model (pull facts of other kinds + the watched objects) and fires
 * onDidReadCluster, so the workspace model and open diagrams can refresh.
 */
export class ClusterWatch implements vscode.Disposable {
  private abort?: AbortController;
  private changes = 0;
  /** Publishes the changes still waiting for their 300 ms (set while watching). */
  private publishPending?: () => void;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly onState: (text: string | undefined) => void,
  ) {}

  get active(): boolean {
    return !!this.abort;
  }

  start(api: ClusterApi, settings: ClusterSettings, base: ClusterSnapshot): void {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    void vscode.commands.executeCommand('setContext', 'kubePacketPath.cluster.watching', true);
    this.changes = 0;
    const context = base.result.context;
    const baseFacts: Fact[] = [];
    for (const kind of Object.keys(base.model.summary()) as FactKind[]) {
      if (!WATCHED_KINDS.has(kind)) for (const fact of base.model.all(kind)) baseFacts.push(fact);
    }
    this.onState(vscode.l10n.t('Watching Pods and EndpointSlices of {0}', context));
    this.log.info(`watch: starting for context '${context}' (Pods, EndpointSlices)`);
    let timer: NodeJS.Timeout | undefined;
    let pending: { facts: () => Fact[]; last: string } | undefined;
    const publish = () => {
      timer = undefined;
      if (!pending || abort.signal.aborted) return;
      const model = new ClusterModel().add(baseFacts).add(pending.facts());
      setClusterRead({
        result: base.result,
        model,
        at: new Date(),
        watch: { changes: this.changes, last: pending.last },
      });
      pending = undefined;
    };
    void api
      .watchCluster({
        kubeconfigPaths: settings.decision.kubeconfigPaths,
        context: settings.context || undefined,
        namespaces: settings.namespaces.length ? settings.namespaces : 'all',
        allowCredentialPlugins: settings.decision.allowCredentialPlugins,
        workspace: api.workspaceConfinement(settings.decision),
        signal: abort.signal,
        onChange: (change) => {
          if (change.type === 'RELIST') {
            // Published too: the watch's list is newer than the pull (objects changed in between).
            this.log.info(`watch: listed ${change.key}`);
          } else {
            this.changes++;
            this.log.info(
              `watch: ${change.type} ${change.resource === 'pods' ? 'Pod' : 'EndpointSlice'} ${change.key}`,
            );
          }
          pending = { facts: change.facts, last: `${change.type} ${change.key}` };
          this.onState(
            vscode.l10n.t(
              'Watching Pods and EndpointSlices of {0}: {1} changes, last {2}',
              context,
              this.changes,
              pending.last,
            ),
          );
          // Changes come in bursts (a rollout): publish at most every 300 ms.
          timer ??= setTimeout(publish, 300);
        },
        onStatus: (st) => {
          if (st.state === 'retrying')
            this.log.warn(`watch: ${st.problem.message}; retrying in ${st.delayMs} ms (attempt ${st.attempt})`);
          else if (st.state === 'stopped' && st.problem)
            this.log.warn(`watch of ${st.resource} stopped: ${st.problem.message}`);
        },
      })
      .then(
        (end) => {
          if (end.problem) {
            this.log.error(`watch: ${end.problem.message}`);
            void vscode.window.showWarningMessage(vscode.l10n.t('The cluster watch stopped: {0}', end.problem.message));
          }
          this.log.info(`watch: stopped (${end.requests} GET requests)`);
          if (this.abort === abort) {
            this.abort = undefined;
            this.onState(undefined);
            void vscode.commands.executeCommand('setContext', 'kubePacketPath.cluster.watching', false);
          }
        },
        (error: unknown) => {
          this.log.error(`watch: ${(error as Error).message}`);
          if (this.abort === abort) {
            this.abort = undefined;
            this.onState(undefined);
          }
        },
      );
    this.publishPending = () => {
      if (timer) clearTimeout(timer);
      publish();
    };
    abort.signal.addEventListener(
      'abort',
      () => {
        if (timer) clearTimeout(timer);
      },
      { once: true },
    );
  }

  stop(why?: string): void {
    if (!this.abort) return;
    if (why) this.log.info(`watch: stopping (${why})`);
    // Changes still waiting for their 300 ms are part of the state the user keeps.
    this.publishPending?.();
    this.publishPending = undefined;
    this.abort.abort();
    this.abort = undefined;
    this.onState(undefined);
    void vscode.commands.executeCommand('setContext', 'kubePacketPath.cluster.watching', false);
  }

  dispose(): void {
    this.stop('deactivated');
  }
}
