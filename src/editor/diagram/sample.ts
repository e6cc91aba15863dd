import * as vscode from 'vscode';
import type { TraceResult } from '../../flow/types';

/**
 * The bundled sample: media/sample/seed-trace.json is the flow engine's real output
 * for the three labs of the seed field report (pod to pod, ClusterIP with DNS,
 * headless), written by bench/webview/write-seed-sample.mjs. Its evidence points
 * at `sample:` URIs, i.e. the copy of the report in media/sample/.
 */
export async function loadSeedSample(extensionUri: vscode.Uri): Promise<TraceResult> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'media', 'sample', 'seed-trace.json'));
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as TraceResult;
  if (!Array.isArray(parsed.flows) || !Array.isArray(parsed.unresolved)) throw new Error('media/sample/seed-trace.json is not a TraceResult');
  return parsed;
}
