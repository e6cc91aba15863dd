import { withRole, type Evidence, type Packet } from '../../model';
import type { FlowBuilder } from '../builder';
import type { Sighting } from '../correlate/connections';
import type { Finding, FlowPhase, FlowStep } from '../types';

/** A step of the flow being built, with where it sits. */
export interface StepAt {
  phase: FlowPhase;
  index: number;
  step: FlowStep;
}

/** The first step (in phase order) that satisfies `test`, optionally only in the phase named `phaseName`. */
export function findStep(
  builder: FlowBuilder,
  test: (step: FlowStep, phase: FlowPhase) => boolean,
  phaseName?: string,
): StepAt | undefined {
  for (const phase of builder.phases()) {
    if (phaseName !== undefined && phase.name !== phaseName) continue;
    const index = phase.steps.findIndex((step) => test(step, phase));
    if (index >= 0) return { phase, index, step: phase.steps[index] };
  }
  return undefined;
}

/** The last step of the phase named `phaseName`. */
export function lastStep(builder: FlowBuilder, phaseName: string): StepAt | undefined {
  const phase = builder.phases().find((candidate) => candidate.name === phaseName && candidate.steps.length > 0);
  return phase ? { phase, index: phase.steps.length - 1, step: phase.steps[phase.steps.length - 1] } : undefined;
}

/** The first step of `phaseName` a capture showed to be absent (the family marked it `missing`). */
export function firstMissing(builder: FlowBuilder, phaseName: string): StepAt | undefined {
  return findStep(builder, (step) => step.status === 'missing', phaseName);
}

/**
 * Marks `at` as the hop where the flow stops (`missing` or `contradicted`), adds the rules, settings
 * and objects that show why (capture lines stay in the finding's evidence), and returns what a
 * finding says about it: the hop's text and where it is drawn.
 */
export function breakAt(
  builder: FlowBuilder,
  at: StepAt,
  status: 'missing' | 'contradicted',
  evidence: readonly Evidence[] = [],
): Pick<Finding, 'hop' | 'step'> {
  at.step.status = status;
  const known = new Set(at.step.evidence.map((item) => `${item.uri}|${item.line ?? ''}|${item.excerpt ?? ''}`));
  for (const item of evidence) {
    // Capture lines stay with the finding: a step cites only the lines of its own interface.
    if (withRole(item).role === 'packet') continue;
    const key = `${item.uri}|${item.line ?? ''}|${item.excerpt ?? ''}`;
    if (known.has(key)) continue;
    known.add(key);
    at.step.evidence.push(withRole(item));
  }
  return {
    hop: `${builder.actorName(at.step.from)} → ${builder.actorName(at.step.to)}`,
    step: { phase: at.phase.name, index: at.index },
  };
}

/** The first capture line of each packet (a VXLAN line's outer packet carries it). */
export function linesOf(packets: readonly (Packet | undefined)[], max = 3): Evidence[] {
  return packets
    .filter((packet): packet is Packet => packet !== undefined)
    .slice(0, max)
    .flatMap((packet) => packet.evidence.slice(0, 1));
}

export { ipOf, portOf } from '../correlate/connections';

/** `ip:port` of a sighting's sender and receiver. */
export function ends(sighting: Sighting): { from: string; to: string } {
  const { src, dst } = sighting.frame;
  return { from: `${src?.ip ?? ''}:${src?.port ?? ''}`, to: `${dst?.ip ?? ''}:${dst?.port ?? ''}` };
}

export const isRst = (sighting: Sighting): boolean => sighting.frame.tcp?.flags.includes('R') === true;
export const isSyn = (sighting: Sighting): boolean => sighting.frame.tcp?.flags === 'S';
