import * as vscode from 'vscode';
import { UnknownTargetError } from '../../flow';
import type { TraceResult } from '../../flow/types';
import { packFacts } from '../../ingest/factTransfer';
import type { Fact } from '../../model';
import { WorkerCancelled } from './workerClient.pure';
import { withPayload } from '../diagram/panelPayload.pure';
import { withWorkerProgress } from './parseInWorker';
import type { TraceTimings, WorkerPart } from './protocol.pure';
import { unpackTrace } from './traceTransfer.pure';

/** Where the time of traces run in the worker went, for the log (see timingsOf). */
const timings = new WeakMap<TraceResult, TraceTimings & { answeredMs: number }>();

/** How long the worker took on `result` and the parts of that time, as the log prints it; undefined for other results. */
export function timingsOf(result: TraceResult): string | undefined {
  const known = timings.get(result);
  if (!known) return undefined;
  const { answeredMs, modelMs, traceMs, payloadMs } = known;
  return `answered in ${answeredMs} ms (in the worker: model ${modelMs} ms, trace ${traceMs} ms, payload ${payloadMs} ms)`;
}

/**
 * Traces FROM → TO in the parse worker on `facts` (copied to it) or `parts` (the workspace's
 * sources, the documents it holds by URI), plus those of the paste it read
 * as `paste`: what the worker answers, an UnknownTargetError as `trace` throws it, or
 * WorkerCancelled when the user cancelled.
 */
export async function traceInWorker(
  context: vscode.ExtensionContext,
  request: {
    facts?: readonly Fact[];
    parts?: () => WorkerPart[];
    paste?: string;
    from: string;
    to: string;
    connection?: number;
  },
): Promise<TraceResult> {
  const asked = performance.now();
  const answer = await withWorkerProgress(
    context,
    vscode.l10n.t('Kube Packet Path: tracing {0} → {1}', request.from, request.to),
    async (client, report) => {
      const reply = await client.request(
        {
          kind: 'trace',
          from: request.from,
          to: request.to,
          facts: packFacts(request.facts ?? [], { transfer: false }).packed,
          // made as the request is posted: no other message (a hover's context) comes between
          ...(request.parts ? { parts: request.parts() } : {}),
          ...(request.paste !== undefined ? { paste: request.paste } : {}),
          ...(request.connection !== undefined ? { connection: request.connection } : {}),
        },
        { onProgress: report },
      );
      return reply.kind === 'trace' ? reply.value : undefined;
    },
  );
  if (!answer) throw new WorkerCancelled();
  if (answer.kind === 'unknown') throw new UnknownTargetError(answer.role, answer.text, answer.suggestions);
  const answeredMs = Math.round(performance.now() - asked);
  // a piece per turn: the host answers others between them
  const result = await unpackTrace(answer.packed, () => new Promise((resolve) => setImmediate(resolve)));
  if (answer.timings) timings.set(result, { ...answer.timings, answeredMs });
  return withPayload(result, { encoded: answer.packed.show, evidence: answer.packed.evidence });
}
