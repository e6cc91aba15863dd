import * as vscode from 'vscode';
import { LOG_LANGUAGES } from '../logLanguageIds.pure';
import { WorkerCancelled, WorkerClient } from './workerClient.pure';

/**
 * The parse worker as the editor uses it: one shared worker thread (dist/worker.js), work shown in
 * a cancellable progress notification (Cancel stops the thread), and the size limit users are
 * asked about before a large text is read. This module lives in the activation bundle (shared with
 * the features bundle, see scripts/bundles.mjs): opening a large log starts the thread at once.
 */

/** Open logs at least this large (characters) are held by the worker (see LargeDocuments). */
export const WORKER_PARSE_MIN = 1_000_000;

/** Characters of a document, without joining its lines into one string. */
export const documentLength = (doc: vscode.TextDocument): number =>
  doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);

let shared: WorkerClient | undefined;
let scanning: WorkerClient | undefined;

function newWorker(context: vscode.ExtensionContext): WorkerClient {
  // the worker's sentences (hovers, a paste's flows) in the language the editor shows
  const client = new WorkerClient(context.asAbsolutePath('dist/worker.js'), {
    workerData: { l10n: vscode.l10n.bundle },
  });
  context.subscriptions.push({ dispose: () => client.dispose() });
  return client;
}

export function parseWorker(context: vscode.ExtensionContext): WorkerClient {
  return (shared ??= newWorker(context));
}

/**
 * A second worker thread for the workspace scan's files (manifests, logs read without opening): they
 * hold no state there, and in the parse worker they waited behind a large log's parse and came
 * before its first hover (the lab's 8 manifests and 25 logs: 0.3-1 s of that thread). Stopped
 * after a minute without a request, as the other.
 */
export function scanWorker(context: vscode.ExtensionContext): WorkerClient {
  return (scanning ??= newWorker(context));
}

/**
 * Starts the worker's thread when `doc`, just opened, is a log it will read (its bundle takes 70-150 ms
 * to load, as long as the features bundle does on this thread meanwhile): the parse that follows
 * finds it ready. Plain text (a log only if its head says so) waits for the parse to start it.
 */
export function warmParseWorker(context: vscode.ExtensionContext, doc: vscode.TextDocument): void {
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return;
  if (!LOG_LANGUAGES.has(doc.languageId)) return;
  const length = documentLength(doc);
  if (length >= WORKER_PARSE_MIN && length <= sizeLimit()) parseWorker(context).warm();
}

/** Runs `work` on the worker with a progress notification; undefined when the user cancelled it. */
export async function withWorkerProgress<T>(
  context: vscode.ExtensionContext,
  title: string,
  work: (client: WorkerClient, report: (message: string, increment?: number) => void) => Promise<T>,
): Promise<T | undefined> {
  const client = parseWorker(context);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const cancelled = token.onCancellationRequested(() => client.cancel());
      try {
        return await work(client, (message, increment) => progress.report({ message, increment }));
      } catch (e) {
        if (e instanceof WorkerCancelled) return undefined;
        throw e;
      } finally {
        cancelled.dispose();
      }
    },
  );
}

/** The size limit (`kubePacketPath.analysis.maxSizeMB`, 0 = none), in characters. */
export function sizeLimit(): number {
  const mb = vscode.workspace.getConfiguration('kubePacketPath').get<number>('analysis.maxSizeMB', 50);
  return typeof mb === 'number' && mb > 0 ? mb * 1e6 : Infinity;
}

/**
 * True when a text of `size` characters may be read: under the limit, or the user chose
 * *Analyze anyway* (the limit can be changed from the same message).
 */
export async function withinSizeLimit(size: number, what: string): Promise<boolean> {
  const limit = sizeLimit();
  if (size <= limit) return true;
  const mb = (characters: number) => (characters / 1e6).toFixed(0);
  const anyway = vscode.l10n.t('Analyze anyway');
  const settings = vscode.l10n.t('Change the Limit');
  // measured in code-server here: a 200 MB capture took 22 s (8 s of it the parse) and the process
  // grew to 1.9 GB, with the text itself held twice (by the editor and the worker)
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t(
      '{0} is {1} MB, over the limit of {2} MB (kubePacketPath.analysis.maxSizeMB). Reading it takes about {3} s in the background and {4} GB of memory.',
      what,
      mb(size),
      mb(limit),
      Math.ceil((size / 1e6) * 0.1),
      ((size * 9) / 1e9).toFixed(1),
    ),
    { modal: true },
    anyway,
    settings,
  );
  if (picked === settings)
    void vscode.commands.executeCommand('workbench.action.openSettings', 'kubePacketPath.analysis.maxSizeMB');
  return picked === anyway;
}
