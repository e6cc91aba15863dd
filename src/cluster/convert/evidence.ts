import type { Evidence } from '../../model';

/** Evidence for an object read from the API: `cluster://<context>/<Kind>/<namespace>/<name>` (no namespace segment for cluster-scoped kinds). */
export function clusterEvidence(context: string, kind: string, namespace: string | undefined, name: string, excerpt?: string): Evidence {
  const parts = [context, kind, ...(namespace ? [namespace] : []), name].map(encodeURIComponent);
  const ev: Evidence = { source: 'cluster', uri: `cluster://${parts.join('/')}`, format: 'kube-api' };
  if (excerpt) ev.excerpt = excerpt.length > 240 ? excerpt.slice(0, 239) + '…' : excerpt;
  return ev;
}

/** Splits a `cluster://` URI back into its parts (for hovers and "open in cluster" links). */
export function parseClusterUri(uri: string): { context: string; kind: string; namespace?: string; name: string } | undefined {
  const m = /^cluster:\/\/(.+)$/.exec(uri);
  if (!m) return undefined;
  const parts = m[1].split('/').map(decodeURIComponent);
  if (parts.length === 3) return { context: parts[0], kind: parts[1], name: parts[2] };
  if (parts.length === 4) return { context: parts[0], kind: parts[1], namespace: parts[2], name: parts[3] };
  return undefined;
}
