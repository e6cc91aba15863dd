import type { Evidence } from '../model';
import type { Actor, Finding, Flow, FlowPhase, FlowStep, StepStatus } from './types';

/** True when at least one piece of evidence comes from something a real system printed. */
export function isObserved(evidence: readonly Evidence[]): boolean {
  return evidence.some((e) => e.source === 'log' || e.source === 'cluster');
}

/** Observed when a log or the cluster proves it, otherwise predicted. */
export function statusOf(evidence: readonly Evidence[]): StepStatus {
  return isObserved(evidence) ? 'observed' : 'predicted';
}

/** Drops repeated evidence (same uri, line and excerpt), keeping the first order. */
export function uniqueEvidence(evidence: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of evidence) {
    if (!e) continue; // a parser bug must not take the whole flow down
    const k = `${e.uri}|${e.line ?? ''}|${e.excerpt ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

export type StepInput = Omit<FlowStep, 'status' | 'evidence'> & { status?: StepStatus; evidence: Evidence[] };

/**
 * Collects actors, phases and steps for one flow. Steps added without an explicit
 * status get `observed`/`predicted` from their evidence.
 */
export class FlowBuilder {
  private readonly actors = new Map<string, Actor>();
  private readonly phaseList: FlowPhase[] = [];
  readonly findings: Finding[] = [];
  readonly unresolved: string[] = [];

  constructor(
    readonly title: string,
    readonly family: string,
  ) {}

  actor(a: Actor): string {
    const known = this.actors.get(a.id);
    if (!known) this.actors.set(a.id, { ...a });
    else {
      if (a.addresses) known.addresses = [...new Set([...(known.addresses ?? []), ...a.addresses])];
      if (a.interfaces) known.interfaces = [...new Set([...(known.interfaces ?? []), ...a.interfaces])];
    }
    return a.id;
  }

  phase(name: string): FlowPhase {
    const p: FlowPhase = { name, steps: [] };
    this.phaseList.push(p);
    return p;
  }

  /** Phases so far, in order (a family may add to an earlier one). */
  phases(): FlowPhase[] {
    return this.phaseList;
  }

  step(phase: FlowPhase, s: StepInput): FlowStep {
    const evidence = uniqueEvidence(s.evidence);
    const step: FlowStep = { ...s, evidence, status: s.status ?? statusOf(evidence) };
    phase.steps.push(step);
    return step;
  }

  need(message: string): void {
    if (!this.unresolved.includes(message)) this.unresolved.push(message);
  }

  finding(f: Finding): void {
    if (!this.findings.some((x) => x.id === f.id && x.message === f.message)) this.findings.push(f);
  }

  build(): Flow {
    return {
      title: this.title,
      family: this.family,
      // Only actors some step uses: families register candidates they may not need.
      actors: [...this.actors.values()].filter((a) =>
        this.phaseList.some((p) => p.steps.some((s) => s.from === a.id || s.to === a.id)),
      ),
      phases: this.phaseList.filter((p) => p.steps.length > 0),
      findings: this.findings,
      unresolved: this.unresolved,
    };
  }
}
