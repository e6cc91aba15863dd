import type { Alternative, Finding, FlowStep, TraceResult } from '../../flow/types';

/**
 * A trace's proofs cut to what a panel can show (no `vscode`). When a log repeats the same rules
 * and answers (a session pasted many times, a long capture of one client), one merged rule carries
 * every line that showed it: a step of the 235,000-line lab session had 527 proofs, its flows
 * 8 MB each, and posting 20 of them to the webview held the extension host for 6 s. Each step and
 * finding (and each of a step's alternatives: kube-proxy's endpoints) keeps its first MAX_PROOFS,
 * and a step or finding says how many there were.
 */

export const MAX_PROOFS = 20;

/** What a capped step or finding adds to its text. */
const more = (count: number) => ` (${MAX_PROOFS} of ${count} proofs kept)`;

/** `result` with at most MAX_PROOFS proofs per step and finding (the same object when none has more). */
export function cappedProofs(result: TraceResult): TraceResult {
  const over = (list: readonly unknown[]) => list.length > MAX_PROOFS;
  const stepOver = (step: FlowStep) =>
    over(step.evidence) || (step.alternatives ?? []).some((alternative) => over(alternative.evidence));
  if (
    !result.flows.some(
      (flow) =>
        flow.findings.some((finding) => over(finding.evidence)) ||
        flow.phases.some((phase) => phase.steps.some(stepOver)),
    )
  )
    return result;
  const cappedAlternatives = (alternatives: Alternative[] | undefined) =>
    alternatives?.map((alternative) =>
      over(alternative.evidence)
        ? { ...alternative, evidence: alternative.evidence.slice(0, MAX_PROOFS) }
        : alternative,
    );
  return {
    ...result,
    flows: result.flows.map((flow) => ({
      ...flow,
      phases: flow.phases.map((phase) => ({
        ...phase,
        steps: phase.steps.map((step) =>
          stepOver(step)
            ? {
                ...step,
                explanation: over(step.evidence)
                  ? `${step.explanation}${more(step.evidence.length)}`
                  : step.explanation,
                evidence: step.evidence.slice(0, MAX_PROOFS),
                ...(step.alternatives ? { alternatives: cappedAlternatives(step.alternatives) } : {}),
              }
            : step,
        ),
      })),
      findings: flow.findings.map(cappedFinding),
    })),
  };
}

/** `finding` with at most MAX_PROOFS proofs, its message saying how many there were (the same object when fewer). */
export function cappedFinding(finding: Finding): Finding {
  if (finding.evidence.length <= MAX_PROOFS) return finding;
  return {
    ...finding,
    message: `${finding.message}${more(finding.evidence.length)}`,
    evidence: finding.evidence.slice(0, MAX_PROOFS),
  };
}
