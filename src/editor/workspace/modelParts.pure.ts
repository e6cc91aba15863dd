import { ClusterModel, type Fact, type FactKind } from '../../model';

/**
 * Facts to a model and back, without the parsers: the activation bundle (cluster reads kept
 * across reloads) needs these and nothing of src/ingest. Re-exported by modelFacts.pure.ts.
 */

/** All facts a model holds (merged ones once), e.g. to copy the last cluster read into another model. */
export function factsOf(model: ClusterModel): Fact[] {
  const out: Fact[] = [];
  for (const kind of Object.keys(model.summary()) as FactKind[]) for (const fact of model.all(kind)) out.push(fact);
  return out;
}

/** One model from cached fact lists, in a stable order (manifests, then logs, then the cluster). */
export function buildModel(parts: Iterable<readonly Fact[]>): ClusterModel {
  const model = new ClusterModel();
  for (const facts of parts) model.add(facts);
  return model;
}
