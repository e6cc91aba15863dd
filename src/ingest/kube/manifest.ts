import type { FormatSpec } from '../types';
import { parseManifest, sniffKubeObjects } from './manifestParser';
import { readManifestObjects, type ManifestObjectInfo } from './yamlDocuments';
import { unflattenYaml } from './flatYaml';

export { parseManifest } from './manifestParser';
export type { ManifestObjectInfo, TextSpan } from './yamlDocuments';

/**
 * Every object in a manifest with its range and the position of its fields
 * (`kind`, `metadata.name`, `spec.clusterIP`, `spec.ports[0].targetPort`, …), for CodeLens
 * and diagnostics. Broken documents are listed in `problems` with their line.
 */
export function manifestObjectRanges(text: string, firstLine = 1): ReturnType<typeof readManifestObjects> {
  return readManifestObjects(text, firstLine);
}

/** Line of a field (1-based), e.g. `fieldLine(obj, 'spec.serviceName')`. */
export function fieldLine(obj: ManifestObjectInfo, path: string): number | undefined {
  return obj.fields.get(path)?.key.line;
}

export const manifestFormat: FormatSpec = {
  id: 'manifest',
  tools: ['cat'],
  parse: parseManifest,
  unflatten: unflattenYaml,
  commands: [/^cat\s+\S*\.(ya?ml|json)\b/],
  sniff(lines) {
    const sniffed = sniffKubeObjects(lines);
    // Server output (uid, resourceVersion) is more likely `kubectl get -o yaml`.
    return Math.max(sniffed.yaml, sniffed.json) - (sniffed.server ? 0.1 : 0);
  },
};
