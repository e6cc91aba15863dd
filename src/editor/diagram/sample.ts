import * as vscode from 'vscode';
import '../../ingest/all';
import { formatForCommand, formatSpec, sniffFormat } from '../../ingest/registry';
import { ClusterModel } from '../../model';
import { trace, UnknownTargetError } from '../../flow';
import type { TraceResult } from '../../flow/types';
import { SAMPLES, type Sample } from '../../samples/registry';

/**
 * Traces the samples shipped in the extension's samples/ folder (the seed field
 * report's outputs, one file per command) with the real parsers and flow engine,
 * as `kube-packet-path trace --sample NAME` does. Evidence points at those files,
 * so clicking an arrow opens the sample output it came from.
 */

async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

async function traceSample(root: vscode.Uri, sample: Sample, notes: string[]): Promise<TraceResult> {
  const model = new ClusterModel();
  for (const file of sample.manifests) {
    const uri = vscode.Uri.joinPath(root, ...file.split('/'));
    const spec = formatSpec('manifest');
    if (spec) model.add(spec.parse({ text: await readText(uri), uri: uri.toString() }).facts);
    else notes.push(vscode.l10n.t('{0}: the manifest reader is not in this build', `samples/${file}`));
  }
  for (const log of sample.logs) {
    const uri = vscode.Uri.joinPath(root, ...log.file.split('/'));
    const text = await readText(uri);
    const spec = formatForCommand(log.command) ?? sniffFormat(text.split('\n'));
    if (!spec) {
      notes.push(
        vscode.l10n.t(
          '{0}: no parser reads `{1}` output yet, so its facts are missing',
          `samples/${log.file}`,
          log.command,
        ),
      );
      continue;
    }
    model.add(spec.parse({ text, uri: uri.toString(), command: log.command, host: log.host }).facts);
  }
  try {
    return trace(model, sample.from, sample.to);
  } catch (e) {
    if (e instanceof UnknownTargetError) return { flows: [], unresolved: [`${sample.name}: ${e.message}`] };
    throw e;
  }
}

/** Every bundled sample traced, as one TraceResult (one flow per sample). */
export async function traceBundledSamples(extensionUri: vscode.Uri): Promise<TraceResult> {
  const root = vscode.Uri.joinPath(extensionUri, 'samples');
  const notes: string[] = [];
  const runs: TraceResult[] = [];
  for (const sample of SAMPLES) runs.push(await traceSample(root, sample, notes));
  return {
    flows: runs.flatMap((result) => result.flows),
    unresolved: [...runs.flatMap((run) => run.unresolved), ...notes],
  };
}
