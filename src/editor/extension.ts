import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { createLog } from './log';

/**
 * Activation stays thin: create the log channel and register commands. Everything
 * heavy (parsers on large logs, the cluster client, the webview) is loaded when a
 * command first needs it.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  const log = createLog(context);
  registerCommands(context, log);
  log.info(`Kube Packet Path activated in ${Date.now() - started} ms`);
}

export function deactivate(): void {
  // Every disposable is registered on the context and disposed by VS Code.
}
