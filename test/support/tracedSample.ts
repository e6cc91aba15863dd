// A bundled sample traced as `kube-packet-path trace --sample NAME` does: its manifests and logs
// read with the commands the registry records, evidence named `samples/<file>`.
import { readFileSync } from 'node:fs';
import { formatForCommand, formatSpec } from '../../src/ingest/registry';
import { trace } from '../../src/flow';
import type { TraceResult } from '../../src/flow/types';
import { ClusterModel } from '../../src/model';
import { findSample } from '../../src/samples/registry';

export function tracedSample(name: string): TraceResult {
  const sample = findSample(name);
  if (!sample) throw new Error(`no sample ${name}`);
  const model = new ClusterModel();
  for (const file of sample.manifests) {
    const text = readFileSync(`samples/${file}`, 'utf8');
    model.add(formatSpec('manifest')!.parse({ text, uri: `samples/${file}` }).facts);
  }
  for (const log of sample.logs) {
    const text = readFileSync(`samples/${log.file}`, 'utf8');
    const spec = formatForCommand(log.command)!;
    model.add(spec.parse({ text, uri: `samples/${log.file}`, command: log.command, host: log.host }).facts);
  }
  return trace(model, sample.from, sample.to);
}
