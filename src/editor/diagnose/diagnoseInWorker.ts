import * as vscode from 'vscode';
import type { Diagnosis } from '../../flow';
import { withWorkerProgress } from '../worker/parseInWorker';
import type { WorkerPart } from '../worker/protocol.pure';
import { WorkerCancelled } from '../worker/workerClient.pure';

/**
 * Diagnoses the workspace's sources `parts` (made as the request is posted; held documents by URI)
 * in the parse worker, with a cancellable progress notification: the diagnosis it answers (see
 * diagnoseFacts), or WorkerCancelled when the user cancelled.
 */
export async function diagnoseInWorker(
  context: vscode.ExtensionContext,
  parts: () => WorkerPart[],
): Promise<Diagnosis> {
  const answer = await withWorkerProgress(
    context,
    vscode.l10n.t('Kube Packet Path: looking for what fails'),
    async (client, report) => {
      // the parts are made as the request is posted: no other message (a hover's context) comes between
      const reply = await client.request({ kind: 'diagnose', parts: parts() }, { onProgress: report });
      return reply.kind === 'diagnosed' ? reply.value : undefined;
    },
  );
  if (!answer) throw new WorkerCancelled();
  return answer;
}
