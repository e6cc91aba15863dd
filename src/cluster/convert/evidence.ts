import { scalarText, shortened, type Evidence } from '../../model';
import type { EvidenceSource } from '../../ingest/kube/objectFacts';

/** An object of the API as a `cluster://` URI names it (no namespace for cluster-scoped kinds). */
export interface ClusterObjectRef {
  context: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Evidence for an object read from the API: `cluster://<context>/<Kind>/<namespace>/<name>`
 * (no namespace segment for cluster-scoped kinds).
 */
export function clusterEvidence(object: ClusterObjectRef, excerpt?: string): Evidence {
  const { context, kind, namespace, name } = object;
  const parts = [context, kind, ...(namespace ? [namespace] : []), name].map(encodeURIComponent);
  const ev: Evidence = { source: 'cluster', uri: `cluster://${parts.join('/')}`, format: 'kube-api' };
  if (excerpt) ev.excerpt = shortened(excerpt);
  return ev;
}

/** Splits a `cluster://` URI back into its parts (for hovers and "open in cluster" links). */
export function parseClusterUri(uri: string): ClusterObjectRef | undefined {
  const path = /^cluster:\/\/(?<path>.+)$/.exec(uri)?.groups?.path;
  if (path === undefined) return undefined;
  const parts = path.split('/').map(decodeURIComponent);
  if (parts.length === 3) return { context: parts[0], kind: parts[1], name: parts[2] };
  if (parts.length === 4) return { context: parts[0], kind: parts[1], namespace: parts[2], name: parts[3] };
  return undefined;
}

/** The value at a path such as `data.Corefile` or `data["net-conf.json"]`. */
function valueAt(object: Record<string, unknown>, path: string): unknown {
  let cur: unknown = object;
  for (const match of path.matchAll(/(?<plain>[^.[\]]+)|\["(?<quoted>(?:[^"\\]|\\.)*)"\]/g)) {
    const { plain, quoted } = match.groups!;
    const key = quoted !== undefined ? (JSON.parse(`"${quoted}"`) as string) : plain;
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

/**
 * The EvidenceSource the shared object converters (src/ingest/kube/objectFacts.ts) ask
 * for: an API object has no lines, so field evidence is the object's URI, and text
 * evidence carries the matching line (`kubernetes cluster.local in-addr.arpa ip6.arpa {`) as excerpt.
 */
export function clusterEvidenceSource(context: string, kind: string, object: Record<string, unknown>): EvidenceSource {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const ns = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
  const name = scalarText(meta.name);
  const ref: ClusterObjectRef = { context, kind, namespace: ns, name };
  return {
    at: () => clusterEvidence(ref),
    inText: (path, needle) => {
      const text = valueAt(object, path);
      if (typeof text !== 'string') return undefined;
      const line = text.split(/\r?\n/).find((textLine) => textLine.includes(needle));
      return line === undefined ? undefined : clusterEvidence(ref, line.trim());
    },
  };
}
