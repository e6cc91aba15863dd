import * as vscode from 'vscode';
import { trace, UnknownTargetError } from '../../flow';
import type { ConnectionSummary, TraceResult } from '../../flow/types';
import type { ClusterModel } from '../../model';
import { openDiagramFor, showDiagram, showEarly } from '../diagram';
import { DiagramPanel } from '../diagram/panel';
import { timingsOf, type EarlyPayload } from '../worker/traceInWorker';
import { listDigest } from '../worker/traceTransfer.pure';
import { onDidReadCluster } from '../cluster';
import type { WorkspaceModel } from '../workspace/workspaceModel';

/** The last trace drawn, so a cluster watch update can draw the same FROM → TO again. */
let drawn: { from: string; to: string; result: TraceResult } | undefined;

/** The connections the last trace found between FROM and TO (the side view lists them). */
export interface TracedConnections {
  from: string;
  to: string;
  connections: ConnectionSummary[];
}
let lastConnections: TracedConnections | undefined;
const traced = new vscode.EventEmitter<TracedConnections>();
/** Fires after a trace shown found other connections (possibly none) than the one before. */
export const onDidTrace = traced.event;

export function lastTracedConnections(): TracedConnections | undefined {
  return lastConnections;
}

/** Whether two lists of connections are the same (by the worker's digests when it made both: 3,000 connections as JSON took 20–60 ms). */
function sameConnections(before: readonly ConnectionSummary[], after: readonly ConnectionSummary[]): boolean {
  if (before.length !== after.length) return false;
  const [digest, last] = [listDigest(after), listDigest(before)];
  return digest !== undefined && last !== undefined
    ? digest === last
    : JSON.stringify(before) === JSON.stringify(after);
}

/** Keeps what a trace of every connection found (a trace of one connection lists the same). */
function rememberConnections(from: string, to: string, result: TraceResult): void {
  const connections = result.flows.find((flow) => flow.connections?.length)?.connections ?? [];
  const same =
    lastConnections?.from === from &&
    lastConnections.to === to &&
    sameConnections(lastConnections.connections, connections);
  lastConnections = { from, to, connections };
  // The same list again (one connection's flow of the last trace): the view has nothing to redraw.
  if (!same) traced.fire(lastConnections);
}

/**
 * Traces FROM → TO on the model and opens the diagram. Unknown names become a clear message
 * with the close matches the engine found; nothing is thrown at the caller.
 */
export async function traceAndShow(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  model: ClusterModel | ((onPayload: (early: EarlyPayload) => void) => Promise<TraceResult>),
  from: string,
  to: string,
): Promise<TraceResult | undefined> {
  // a function traces elsewhere (the parse worker): the panel loads meanwhile
  const opened = typeof model === 'function' ? openDiagramFor(context) : undefined;
  // what the panel shows, posted as soon as the worker answers (before the host reads its result)
  let shown: { panel: DiagramPanel; ms: number } | undefined;
  const onPayload = (early: EarlyPayload) => {
    const showing = performance.now();
    shown = { panel: showEarly(context, early), ms: performance.now() - showing };
  };
  try {
    // a function throws UnknownTargetError as trace does
    const result = typeof model === 'function' ? await model(onPayload) : trace(model, from, to);
    const worker = timingsOf(result);
    log.info(
      `trace ${from} → ${to}: ${result.flows.length} flow(s), ${result.unresolved.length} note(s)` +
        (worker ? `; ${worker}` : ''),
    );
    const used = filesUsed(result);
    if (used.length) log.info(`  evidence from: ${used.join(', ')}`);
    if (shown) {
      shown.panel.settle(result);
      log.info(`trace ${from} → ${to}: sent to the diagram panel in ${Math.round(shown.ms)} ms, before it was read`);
    } else {
      // The worker's answer was read a piece per turn (see unpackTrace); posting the flows to the panel
      // waits for the next, so the host answers others between.
      if (typeof model === 'function') await new Promise((resolve) => setImmediate(resolve));
      const showing = performance.now();
      showDiagram(context, result);
      log.info(`trace ${from} → ${to}: sent to the diagram panel in ${Math.round(performance.now() - showing)} ms`);
    }
    drawn = { from, to, result };
    rememberConnections(from, to, result);
    return result;
  } catch (e) {
    opened?.cancel();
    if (e instanceof Error && e.name === 'WorkerCancelled') return undefined;
    if (e instanceof UnknownTargetError) {
      void vscode.window.showErrorMessage(
        e.suggestions.length
          ? vscode.l10n.t("Unknown {0} '{1}'. Close matches: {2}", e.role, e.text, e.suggestions.join(', '))
          : vscode.l10n.t("Unknown {0} '{1}': add manifests or logs that mention it.", e.role, e.text),
      );
      log.warn(`trace ${from} → ${to}: ${e.message}`);
      return undefined;
    }
    log.error(`trace ${from} → ${to} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Tracing {0} → {1} failed: {2}', from, to, e instanceof Error ? e.message : String(e)),
    );
    return undefined;
  }
}

/**
 * While the cluster watch (kubePacketPath.cluster.watch) changes the model, the diagram that
 * still shows the last trace is traced again on the updated model and redrawn in place.
 */
export function followClusterChanges(log: vscode.LogOutputChannel, workspace: WorkspaceModel): vscode.Disposable {
  return onDidReadCluster(async (snapshot) => {
    const panel = DiagramPanel.active;
    if (!snapshot.watch || !drawn || !panel || panel.trace !== drawn.result) return;
    const { from, to } = drawn;
    try {
      const model = await workspace.getModel();
      const result = workspace.tracesInWorker(model) ? await workspace.traceInWorker(from, to) : trace(model, from, to);
      if (panel.trace !== drawn?.result) return; // something else was drawn meanwhile
      drawn = { from, to, result };
      panel.update(result);
      const flows = `${result.flows.length} flow(s)`;
      log.info(`diagram: re-traced ${from} → ${to} after a cluster change (${snapshot.watch.last}): ${flows}`);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log.warn(`diagram: could not re-trace ${from} → ${to} after a cluster change: ${reason}`);
    }
  });
}

/** The files whose lines prove a step or a finding of the trace, as workspace-relative paths. */
function filesUsed(result: TraceResult): string[] {
  const uris = new Set<string>();
  for (const flow of result.flows) {
    for (const phase of flow.phases) for (const step of phase.steps) for (const { uri } of step.evidence) uris.add(uri);
    for (const finding of flow.findings) for (const { uri } of finding.evidence) uris.add(uri);
  }
  return [...uris]
    .filter((uri) => /^(file|untitled):/.test(uri))
    .map((uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri)))
    .sort();
}
