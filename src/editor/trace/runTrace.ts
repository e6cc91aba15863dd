import * as vscode from 'vscode';
import { trace, UnknownTargetError } from '../../flow';
import type { TraceResult } from '../../flow/types';
import type { ClusterModel } from '../../model';
import { showDiagram } from '../diagram';

/**
 * Traces FROM → TO on the model and opens the diagram. Unknown names become a clear message
 * with the close matches the engine found; nothing is thrown at the caller.
 */
export async function traceAndShow(
  context: vscode.ExtensionContext, log: vscode.LogOutputChannel, model: ClusterModel, from: string, to: string,
): Promise<TraceResult | undefined> {
  try {
    const result = trace(model, from, to);
    log.info(`trace ${from} → ${to}: ${result.flows.length} flow(s), ${result.unresolved.length} note(s)`);
    showDiagram(context, result);
    return result;
  } catch (e) {
    if (e instanceof UnknownTargetError) {
      void vscode.window.showErrorMessage(e.suggestions.length
        ? vscode.l10n.t("Unknown {0} '{1}'. Close matches: {2}", e.role, e.text, e.suggestions.join(', '))
        : vscode.l10n.t("Unknown {0} '{1}': add manifests or logs that mention it.", e.role, e.text));
      log.warn(`trace ${from} → ${to}: ${e.message}`);
      return undefined;
    }
    log.error(`trace ${from} → ${to} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Tracing {0} → {1} failed: {2}', from, to, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
}
