import * as vscode from 'vscode';
import type { TraceResult } from '../../flow/types';
import { isPersistedState } from '../../protocol/messages';
import { restoredResult, type StoredResult } from './persistedResult.pure';
import { copyMermaid, saveMarkdown, saveSvg } from './exports';
import { DiagramPanel } from './panel';
import { traceBundledSamples } from './sample';
import type { EarlyPayload } from '../worker/traceInWorker';

/**
 * The diagram panel's public face: `showDiagram` for other parts of the extension
 * (CodeLens, trace commands), the `kubePacketPath.diagram.*` commands, and the
 * serializer that redraws open diagrams after a window reload.
 */

let log: vscode.LogOutputChannel | undefined;

/** Shows `result` in the diagram panel (reusing the last one, or opening one beside the editor). */
export function showDiagram(context: vscode.ExtensionContext, result: TraceResult): DiagramPanel {
  const current = DiagramPanel.active;
  if (current) {
    current.show(result);
    return current;
  }
  return DiagramPanel.create(context.extensionUri, result, log);
}

/**
 * Shows the payload of a trace run elsewhere before its result is read (see DiagramPanel.showEncoded),
 * in the panel `showDiagram` would use; `settle` the panel with the result.
 */
export function showEarly(context: vscode.ExtensionContext, early: EarlyPayload): DiagramPanel {
  const panel = DiagramPanel.active ?? DiagramPanel.create(context.extensionUri, { flows: [], unresolved: [] }, log);
  panel.showEncoded(early.payload, early.title);
  return panel;
}

/**
 * Opens the panel a trace run elsewhere will show (its webview loads while the trace runs); call
 * `cancel` when the trace brought nothing to show: a panel opened for it closes.
 */
export function openDiagramFor(context: vscode.ExtensionContext): { cancel(): void } {
  const { panel, created } = DiagramPanel.openPending(context.extensionUri, log);
  return {
    cancel: () => {
      if (created) panel.panel.dispose();
    },
  };
}

function activePanel(): DiagramPanel | undefined {
  const panel = DiagramPanel.active;
  if (!panel) void vscode.window.showInformationMessage(vscode.l10n.t('Open a packet path diagram first.'));
  return panel;
}

/**
 * Registers the diagram commands and returns the serializer that redraws a diagram restored
 * after a reload (the activation bundle registers it, so a restored panel activates the extension).
 */
export function registerDiagramCommands(
  context: vscode.ExtensionContext,
  channel: vscode.LogOutputChannel,
): vscode.WebviewPanelSerializer {
  log = channel;
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('kubePacketPath.diagram.showSample', async () => {
    const sample = await traceBundledSamples(context.extensionUri);
    channel.info(
      `diagram: traced the bundled samples: ${sample.flows.length} flows, ${sample.unresolved.length} notes`,
    );
    return showDiagram(context, sample);
  });
  register('kubePacketPath.diagram.copyMermaid', async () => {
    const panel = activePanel();
    return panel ? copyMermaid(panel.trace, panel.view.flow, panel.view.phase) : undefined;
  });
  // A Uri argument (scripts, tests) is where to save, without the dialog.
  register('kubePacketPath.diagram.saveMarkdown', async (target?: unknown) => {
    const panel = activePanel();
    return panel
      ? saveMarkdown(panel.trace, panel.view.flow, target instanceof vscode.Uri ? target : undefined)
      : undefined;
  });
  register('kubePacketPath.diagram.saveSvg', async (target?: unknown) => {
    const panel = activePanel();
    if (!panel) return undefined;
    const svg = await panel.requestSvg();
    if (!svg) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('The diagram has not been drawn, so there is no SVG to save.'),
      );
      return undefined;
    }
    return saveSvg(panel.trace, panel.view.flow, svg, target instanceof vscode.Uri ? target : undefined);
  });

  return {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      if (isPersistedState(state)) {
        new DiagramPanel(panel, context.extensionUri, restoredResult(state.result as StoredResult), state.ui, channel);
        return;
      }
      channel.warn('diagram: a panel from the last session had no usable state; showing an empty trace');
      new DiagramPanel(
        panel,
        context.extensionUri,
        {
          flows: [],
          unresolved: [vscode.l10n.t('This diagram could not be restored after the reload; trace again.')],
        },
        undefined,
        channel,
      );
    },
  };
}

export { DiagramPanel } from './panel';
