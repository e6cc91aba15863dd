import * as vscode from 'vscode';

/** The extension's LogOutputChannel ("Kube Packet Path" in the Output view). */
export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const log = vscode.window.createOutputChannel('Kube Packet Path', { log: true });
  context.subscriptions.push(log);
  return log;
}
