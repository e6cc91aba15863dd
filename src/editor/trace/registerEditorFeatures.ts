import * as vscode from 'vscode';
import { ManifestCodeLensProvider } from '../codelens/manifestCodeLens';
import { ManifestDiagnostics } from '../diagnostics/manifestDiagnostics';
import { CaptureHoverProvider, HOVER_SELECTOR } from '../hover/hoverProvider';
import { registerPasteCommands } from '../paste/pasteCommands';
import { LogLanguages } from '../workspace/logLanguages';
import { WorkspaceModel } from '../workspace/workspaceModel';
import { registerTraceCommands } from './traceCommands';
import { registerDiagnoseCommand } from '../diagnose/diagnoseCommand';
import { registerModelView } from './modelView';
import { followClusterChanges } from './runTrace';

/**
 * The editor features — CodeLens, hovers, diagnostics + quick fixes, trace and paste
 * commands — on one workspace model. Registering is cheap: nothing is read or parsed until
 * a provider or command first asks the model.
 */
export function registerEditorFeatures(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const workspace = new WorkspaceModel(log, context);
  const lenses = new ManifestCodeLensProvider(log);
  const hovers = new CaptureHoverProvider(workspace, log);
  const diagnostics = new ManifestDiagnostics(workspace, log);
  context.subscriptions.push(
    workspace,
    new LogLanguages(log),
    lenses,
    diagnostics,
    vscode.languages.registerCodeLensProvider({ language: 'yaml' }, lenses),
    vscode.languages.registerHoverProvider(HOVER_SELECTOR, hovers),
    vscode.languages.registerCodeActionsProvider({ language: 'yaml' }, diagnostics, ManifestDiagnostics.metadata),
    vscode.workspace.onDidCloseTextDocument((d) => hovers.forget(d.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kubePacketPath.codeLens.enabled')) lenses.refresh();
    }),
    followClusterChanges(log, workspace),
    registerModelView(workspace),
  );
  registerTraceCommands(context, log, workspace);
  registerPasteCommands(context, log, workspace);
  registerDiagnoseCommand(context, log, workspace);
}
