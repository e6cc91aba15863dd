import { manifestObjectRanges } from '../../ingest/kube/manifest';

/**
 * Which CodeLens goes on which object of a manifest (no `vscode`): positions come from the
 * `yaml` library through the manifest reader, so multi-document files and Lists work.
 */

export type LensAction = 'traceService' | 'podDnsNames' | 'traceStatefulSet' | 'traceFromPod';

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface ManifestLens {
  /** 1-based line of the object's `kind:` (or its first line). */
  line: number;
  action: LensAction;
  target: ObjectRef;
}

/** Lenses for every Service, StatefulSet, Deployment and Pod in `text`; broken documents get none. */
export function manifestLenses(text: string): ManifestLens[] {
  let read;
  try {
    read = manifestObjectRanges(text);
  } catch {
    return [];
  }
  const out: ManifestLens[] = [];
  for (const object of read.objects) {
    if (!object.kind || !object.name) continue;
    const line = object.fields.get('kind')?.key.line ?? object.span.line;
    const target: ObjectRef = {
      kind: object.kind,
      name: object.name,
      ...(object.namespace ? { namespace: object.namespace } : {}),
    };
    switch (object.kind) {
      case 'Service': {
        out.push({ line, action: 'traceService', target });
        const spec = object.value.spec as { clusterIP?: unknown } | undefined;
        if (spec?.clusterIP === 'None') out.push({ line, action: 'podDnsNames', target });
        break;
      }
      case 'StatefulSet':
        out.push({ line, action: 'traceStatefulSet', target });
        break;
      case 'Deployment':
      case 'Pod':
        out.push({ line, action: 'traceFromPod', target });
        break;
      default:
        break;
    }
  }
  return out;
}
