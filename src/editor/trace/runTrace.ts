import * as vscode from 'vscode';
import { trace, UnknownTargetError } from '../../flow';
import type { ConnectionSummary, TraceResult } from '../../flow/types';
import type { ClusterModel } from '../../model';
import { openDiagramFor, showDiagram, showEarly } from '../diagram';
import { DiagramPanel } from '../diagram/panel';
import { timingsOf, type EarlyPayload } from '../worker/traceInWorker';
import { listDigest, readSharedList, sharedListOf } from '../worker/traceTransfer.pure';
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
/** The last trace that found connections (possibly none), and FROM and TO. */
let lastTraced: { from: string; to: string; result: TraceResult } | undefined;
const traced = new vscode.EventEmitter<{ from: string; to: string }>();
/** Fires after a trace shown found other connections (possibly none) than the one before (see lastTracedConnections). */
export const onDidTrace = traced.event;

/** The connections of the last trace (a worker's list is read from its answer now, when it was not yet). */
export function lastTracedConnections(): TracedConnections | undefined {
  if (!lastTraced) return undefined;
  const { from, to, result } = lastTraced;
  return { from, to, connections: connectionsOf(result) };
}

/** Reads the connection list of the last trace a slice per turn, when it came from the worker and was not read yet. */
export async function readTracedConnections(): Promise<void> {
  if (lastTraced) await readSharedList(lastTraced.result, () => new Promise((resolve) => setImmediate(resolve)));
}

const connectionsOf = (result: TraceResult) => result.flows.find((flow) => flow.connections?.length)?.connections ?? [];

/**
 * Whether two traces found the same connections: by the worker's digests when it made both, without
 * reading their lists (3,000 connections as JSON took 20–60 ms), else by their JSON.
 */
function sameConnections(before: TraceResult, after: TraceResult): boolean {
  const [last, next] = [sharedListOf(before), sharedListOf(after)];
  if (last && next) return last.count === next.count && last.digest === next.digest;
  const [listBefore, listAfter] = [connectionsOf(before), connectionsOf(after)];
  if (listBefore.length !== listAfter.length) return false;
  const [digest, lastDigest] = [listDigest(listAfter), listDigest(listBefore)];
  return digest !== undefined && lastDigest !== undefined
    ? digest === lastDigest
    : JSON.stringify(listBefore) === JSON.stringify(listAfter);
}

/** Keeps what a trace of every connection found (a trace of one connection lists the same). */
function rememberConnections(from: string, to: string, result: TraceResult): void {
  const same = lastTraced?.from === from && lastTraced.to === to && sameConnections(lastTraced.result, result);
  lastTraced = { from, to, result };
  // The same list again (one connection's flow of the last trace): the view has nothing to redraw.
  if (!same) traced.fire({ from, to });
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
    if (early.completes && shown) shown.panel.showEncoded(early.payload, early.title, { completes: true });
    else shown = { panel: showEarly(context, early), ms: 0 };
    shown.ms += performance.now() - showing;
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
