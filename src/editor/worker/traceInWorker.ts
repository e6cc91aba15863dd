import * as vscode from 'vscode';
import { UnknownTargetError } from '../../flow';
import type { TraceResult } from '../../flow/types';
import { packFacts } from '../../ingest/factTransfer';
import type { Fact } from '../../model';
import { WorkerCancelled } from './workerClient.pure';
import { withPayload, type EncodedPayload } from '../diagram/panelPayload.pure';
import { withWorkerProgress } from './parseInWorker';
import type { TraceTimings, WorkerPart } from './protocol.pure';
import { unpackTrace, type ShownTrace } from './traceTransfer.pure';

/** Where the time of traces run in the worker went, for the log (see timingsOf). */
const timings = new WeakMap<
  TraceResult,
  TraceTimings & { answeredMs: number; readMs: number; receivedAt: number; shownMs?: number }
>();

/** How long the worker took on `result` and the parts of that time, as the log prints it; undefined for other results. */
export function timingsOf(result: TraceResult): string | undefined {
  const known = timings.get(result);
  if (!known) return undefined;
  const { answeredMs, modelMs, traceMs, payloadMs, packMs, postedAt, receivedAt, readMs, shownMs } = known;
  const packed = packMs !== undefined ? `, packed in ${packMs} ms` : '';
  const crossed = postedAt !== undefined ? `, ${receivedAt - postedAt} ms from its post to the host` : '';
  const first = known.firstShownMs !== undefined ? `, its first flow posted after ${known.firstShownMs} ms of it` : '';
  const shown = shownMs !== undefined ? `; the panel's first payload there after ${shownMs} ms` : '';
  return (
    `answered in ${answeredMs} ms (in the worker: model ${modelMs} ms, trace ${traceMs} ms${first}, payload ${payloadMs} ms` +
    `${packed}${crossed}; read in ${readMs} ms${shown})`
  );
}

/** What a trace's panel shows before the host has read its result: the payload made in the worker and the title's parts. */
export interface EarlyPayload {
  payload: EncodedPayload;
  title: { first?: string; flows: number };
  /** It completes the payload of the first flow given before (the user may look at that one already). */
  completes?: boolean;
}

/**
 * Traces FROM → TO in the parse worker on `facts` (copied to it) or `parts` (the workspace's
 * sources, the documents it holds by URI), plus those of the paste it read
 * as `paste`: what the worker answers, an UnknownTargetError as `trace` throws it, or
 * WorkerCancelled when the user cancelled. `onPayload` is given what the panel shows as soon as the
 * worker sends it, before the rest of the answer is packed and read (a piece per turn: 21 for a
 * 400,000-line capture, its connection list when asked for: see unpackTrace).
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
    onPayload?: (early: EarlyPayload) => void;
  },
): Promise<TraceResult> {
  const asked = performance.now();
  let payload: EncodedPayload | undefined;
  let shownMs: number | undefined;
  const onShown = (shown: ShownTrace) => {
    const completes = payload !== undefined;
    payload = { encoded: shown.show, evidence: shown.evidence };
    shownMs ??= Math.round(performance.now() - asked);
    request.onPayload?.({ payload, title: shown.title, ...(completes ? { completes } : {}) });
  };
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
        { onProgress: report, onShown },
      );
      return reply.kind === 'trace' ? reply.value : undefined;
    },
  );
  if (!answer) throw new WorkerCancelled();
  if (answer.kind === 'unknown') throw new UnknownTargetError(answer.role, answer.text, answer.suggestions);
  const receivedAt = Date.now();
  const answered = performance.now();
  const answeredMs = Math.round(answered - asked);
  // a piece per turn: the host answers others between them
  const result = await unpackTrace(answer.packed, () => new Promise((resolve) => setImmediate(resolve)));
  const readMs = Math.round(performance.now() - answered);
  if (answer.timings)
    timings.set(result, {
      ...answer.timings,
      answeredMs,
      readMs,
      receivedAt,
      ...(shownMs !== undefined ? { shownMs } : {}),
    });
  return payload ? withPayload(result, payload) : result;
}
