import * as vscode from 'vscode';
import type { EditorFeatures } from './commands';
import { registerClusterObjectDocuments } from './cluster/objectDocumentProvider';
import { DIAGRAM_VIEW_TYPE } from './diagram/viewType';
import { LOG_LANGUAGES, PLAIN_LANGUAGES } from './logLanguageIds.pure';
import { warmParseWorker } from './worker/parseInWorker';

/**
 * Stand-ins, registered at activation, for what lives in the features bundle (dist/features.js:
 * ingest, yaml, flow, render — about five times the activation bundle). The first real use loads
 * it: a command, a hover, a CodeLens or quick-fix request, a diagram restored after a reload, the
 * Explorer's model view asking for its items, a `cluster://` object document, or a document the
 * extension reads on opening (a YAML manifest it checks, a plain-text file that may be a capture).
 * Loading disposes the stand-in commands and registers the real ones, then
 * hands the call on; the stand-in providers stay and forward to the real ones.
 */

const HOVER_SELECTOR: vscode.DocumentSelector = [...LOG_LANGUAGES, ...PLAIN_LANGUAGES].map((language) => ({
  language,
}));
const QUICK_FIX_METADATA: vscode.CodeActionProviderMetadata = {
  providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
};
/** The Explorer view of the workspace model (package.json `views`). */
const MODEL_VIEW_ID = 'kubePacketPath.model';
/** Registered at activation by src/editor/cluster; every other contributed command is a stand-in. */
const ACTIVATION_COMMAND_PREFIX = 'kubePacketPath.cluster.';

/**
 * Opening one of these makes the extension read it: manifests get diagnostics, plain text may be a
 * log, and a capture or rule dump is parsed (in the parse worker when large) before it is hovered.
 */
function readsOnOpen(doc: vscode.TextDocument): boolean {
  const local = doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled';
  if (doc.languageId === 'yaml' || LOG_LANGUAGES.has(doc.languageId)) return local;
  return doc.uri.scheme === 'file' && PLAIN_LANGUAGES.has(doc.languageId);
}

export function registerLazyFeatures(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  let features: EditorFeatures | undefined;
  const standIns: vscode.Disposable[] = [];
  const lensesChanged = new vscode.EventEmitter<void>();
  const treeChanged = new vscode.EventEmitter<unknown>();

  const load = (reason: string): EditorFeatures => {
    if (features) return features;
    const started = Date.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require('./features.js') as typeof import('./commands');
    // Only once the bundle is there: a failed load leaves the stand-ins (and its error with the caller).
    for (const standIn of standIns.splice(0)) standIn.dispose();
    features = bundle.registerCommands(context, log);
    const { onDidChangeCodeLenses } = features.lenses;
    if (onDidChangeCodeLenses) context.subscriptions.push(onDidChangeCodeLenses(() => lensesChanged.fire()));
    const { onDidChangeTreeData } = features.modelTree;
    if (onDidChangeTreeData) context.subscriptions.push(onDidChangeTreeData((node) => treeChanged.fire(node)));
    log.info(`features loaded in ${Date.now() - started} ms (first use: ${reason})`);
    return features;
  };
  let loadScheduled = false;
  const loadSoon = (reason: string) => {
    if (features || loadScheduled) return;
    loadScheduled = true;
    setTimeout(() => load(reason), 0);
  };

  const contributed = (context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } })
    .contributes?.commands;
  for (const { command } of contributed ?? []) {
    if (command.startsWith(ACTIVATION_COMMAND_PREFIX)) continue;
    standIns.push(
      vscode.commands.registerCommand(command, (...args: unknown[]) => {
        load(`command ${command}`);
        return vscode.commands.executeCommand<unknown>(command, ...args);
      }),
    );
  }
  context.subscriptions.push(
    {
      dispose: () => {
        for (const standIn of standIns.splice(0)) standIn.dispose();
      },
    },
    lensesChanged,
    treeChanged,
    vscode.languages.registerHoverProvider(HOVER_SELECTOR, {
      provideHover: (doc, position, token) => load('hover').hovers.provideHover(doc, position, token),
    }),
    vscode.languages.registerCodeLensProvider(
      { language: 'yaml' },
      {
        onDidChangeCodeLenses: lensesChanged.event,
        provideCodeLenses: (doc, token) => load('CodeLens').lenses.provideCodeLenses(doc, token),
      },
    ),
    vscode.languages.registerCodeActionsProvider(
      { language: 'yaml' },
      {
        provideCodeActions: (doc, range, actionContext, token) =>
          load('quick fix').quickFixes.provideCodeActions(doc, range, actionContext, token),
      },
      QUICK_FIX_METADATA,
    ),
    vscode.window.registerWebviewPanelSerializer(DIAGRAM_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) =>
        load('diagram restored').diagrams.deserializeWebviewPanel(panel, state),
    }),
    vscode.window.createTreeView(MODEL_VIEW_ID, {
      treeDataProvider: {
        onDidChangeTreeData: treeChanged.event,
        getChildren: (node?: unknown) => load('model view').modelTree.getChildren(node),
        getTreeItem: (node: unknown) => load('model view').modelTree.getTreeItem(node),
      },
      showCollapseAll: true,
    }),
    registerClusterObjectDocuments((uri) => load('cluster object document').clusterObjectText(uri)),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (!readsOnOpen(doc)) return;
      // a large log's parse needs the worker's thread: it starts while the features load
      warmParseWorker(context, doc);
      loadSoon(`opened ${doc.languageId} document`);
    }),
  );
  // Documents already open (the activation event was opening one): after activate() returns.
  const open = vscode.workspace.textDocuments.filter(readsOnOpen);
  for (const doc of open) warmParseWorker(context, doc);
  if (open.length > 0) loadSoon(`${open[0].languageId} document open at activation`);
}
