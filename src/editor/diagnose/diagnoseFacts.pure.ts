import { diagnose, type Diagnosis } from '../../flow';
import type { Fact } from '../../model';
import { cappedFinding } from '../diagram/cappedProofs.pure';
import { buildModel } from '../workspace/modelParts.pure';

/**
 * *Diagnose* as the parse worker answers it (no `vscode`): `diagnose` on the model of the
 * workspace's sources with the packets of the large logs the worker holds (the extension host has
 * every fact of those but their packets), each finding's proofs cut as a trace's (cappedFinding)
 * before the diagnosis crosses to the host. A finding keeps its first proof with lines (not
 * `derived`): the one *Diagnose* opens when it is picked.
 */
export function diagnoseFacts(parts: Iterable<readonly Fact[]>): Diagnosis {
  const diagnosis = diagnose(buildModel(parts));
  return {
    ...diagnosis,
    problems: diagnosis.problems.map((problem) => {
      const capped = cappedFinding(problem.finding);
      const proof = problem.finding.evidence.find((evidence) => evidence.source !== 'derived');
      const finding =
        proof && !capped.evidence.includes(proof) ? { ...capped, evidence: [...capped.evidence, proof] } : capped;
      return finding === problem.finding ? problem : { ...problem, finding };
    }),
  };
}
