import * as vscode from 'vscode';
import { ManifestCodeLensProvider } from '../codelens/manifestCodeLens';
import { ManifestDiagnostics } from '../diagnostics/manifestDiagnostics';
import { CaptureHoverProvider } from '../hover/hoverProvider';
import { registerPasteCommands } from '../paste/pasteCommands';
import { LogLanguages } from '../workspace/logLanguages';
import { WorkspaceModel } from '../workspace/workspaceModel';
import { registerTraceCommands } from './traceCommands';
import { registerDiagnoseCommand } from '../diagnose/diagnoseCommand';
import { createModelTree } from './modelView';
import { followClusterChanges } from './runTrace';

/** The providers the activation bundle registers (src/editor/lazyFeatures.ts) and hands calls to. */
export interface EditorProviders {
  hovers: vscode.HoverProvider;
  lenses: vscode.CodeLensProvider;
  quickFixes: vscode.CodeActionProvider;
  /** The Explorer view of the workspace model's Services and pods. */
  modelTree: vscode.TreeDataProvider<unknown>;
}

/**
 * The editor features — CodeLens, hovers, diagnostics + quick fixes, trace and paste
 * commands — on one workspace model. Registering is cheap: nothing is read or parsed until
 * a provider or command first asks the model. The providers are returned, not registered: the
 * activation bundle registered stand-ins for them before this bundle was loaded.
 */
export function registerEditorFeatures(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): EditorProviders {
  const workspace = new WorkspaceModel(log, context);
  const lenses = new ManifestCodeLensProvider(log);
  const hovers = new CaptureHoverProvider(workspace, log);
  const diagnostics = new ManifestDiagnostics(workspace, log);
  const model = createModelTree(workspace);
  context.subscriptions.push(
    workspace,
    new LogLanguages(log),
    lenses,
    diagnostics,
    vscode.workspace.onDidCloseTextDocument((closed) => hovers.forget(closed.uri)),
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (change.affectsConfiguration('kubePacketPath.codeLens.enabled')) lenses.refresh();
    }),
    followClusterChanges(log, workspace),
    model.disposable,
  );
  registerTraceCommands(context, log, workspace);
  registerPasteCommands(context, log, workspace);
  registerDiagnoseCommand(context, log, workspace);
  return { hovers, lenses, quickFixes: diagnostics, modelTree: model.tree };
}
