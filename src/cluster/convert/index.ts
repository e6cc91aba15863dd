/**
 * API objects → model facts. The conversion itself is shared with the manifest and
 * kubectl readers (src/ingest/kube/objectFacts.ts); this layer adds what the API
 * leaves out (items of a List carry no `kind`) and `cluster://` evidence.
 */
import { objectToFacts, type ObjectFacts } from '../../ingest/kube/objectFacts';
import { clusterEvidenceSource } from './evidence';

export { clusterEvidence, parseClusterUri } from './evidence';

/** Facts for one object of `kind` read from the API in `context`. */
export function apiObjectFacts(kind: string, item: Record<string, unknown>, context: string): ObjectFacts {
  const named = item.kind === kind ? item : { ...item, kind };
  return objectToFacts(named, clusterEvidenceSource(context, kind, named));
}
