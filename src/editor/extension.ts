import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { registerClusterCommands } from './cluster';
import { registerLazyFeatures } from './lazyFeatures';
import { createLog } from './log';

/** Shared with the features bundle (see SHARED_WITH_ACTIVATION in scripts/bundles.mjs). */
export { lastClusterRead, onDidReadCluster } from './cluster';
export {
  documentLength,
  parseWorker,
  scanWorker,
  sizeLimit,
  warmParseWorker,
  withinSizeLimit,
  withWorkerProgress,
  WORKER_PARSE_MIN,
} from './worker/parseInWorker';

/**
 * Activation stays thin (dist/extension.js): the log channel, the cluster commands and status
 * bar, and stand-ins for every other command and provider. The parsers, the flow engine and the
 * renderers (dist/features.js) load on first use, the cluster client (dist/cluster.js) when a
 * cluster command first needs it.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  configurePureL10n();
  const log = createLog(context);
  registerClusterCommands(context, log);
  registerLazyFeatures(context, log);
  log.info(`Kube Packet Path activated in ${Date.now() - started} ms`);
}

/**
 * The `*.pure.ts` modules (hovers, diagnostics, paste analysis, trace pickers) cannot import
 * `vscode`, so they translate through `@vscode/l10n`; it needs the bundle VS Code picked for
 * this extension. `vscode.l10n.uri` is set only when a translation for the display language
 * exists (never for English). VS Code has already read that bundle (`vscode.l10n.bundle`), so
 * handing over its contents is synchronous and costs no I/O; `config({ uri })` (an async read)
 * is the fallback, and until it resolves the pure modules speak English.
 */
function configurePureL10n(): void {
  const uri = vscode.l10n.uri;
  if (!uri) return;
  if (vscode.l10n.bundle) {
    l10n.config({ contents: vscode.l10n.bundle });
    return;
  }
  l10n.config({ uri: uri.toString(true) }).catch(() => undefined);
}

export function deactivate(): void {
  // Every disposable is registered on the context and disposed by VS Code.
}
