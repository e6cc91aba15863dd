import { evidenceRole, withRole, type Evidence, type Packet, type RoledEvidence } from '../model';
import type {
  Actor,
  ConnectionSummary,
  Finding,
  Flow,
  FlowFamily,
  FlowPhase,
  FlowStep,
  StepKind,
  StepStatus,
} from './types';

/** What makes two evidence objects the same citation: the file, the line and the text. */
const citationKey = (cited: Evidence) => `${cited.uri}|${cited.line ?? ''}|${cited.excerpt ?? ''}`;

/** Drops repeated evidence (same uri, line and excerpt), keeping the first order. */
function uniqueEvidence<E extends Evidence>(evidence: readonly E[]): E[] {
  const seen = new Set<string>();
  const out: E[] = [];
  for (const item of evidence) {
    if (!item) continue; // a parser bug must not take the whole flow down
    const key = citationKey(item);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

export type StepInput = Omit<FlowStep, 'status' | 'evidence'> & { status?: StepStatus; evidence: Evidence[] };

/** Which packets a step of this kind may cite: ARP steps ARP frames, DNS steps DNS messages, other hops neither. */
function packetFitsStep(kind: StepKind, packet: Packet): boolean {
  if (kind === 'note') return true;
  if (kind === 'arp') return packet.protocol === 'arp';
  if (packet.protocol === 'arp') return false;
  const isDns = packet.dns !== undefined;
  if (kind === 'dns-query' || kind === 'dns-answer') return isDns;
  return true;
}

/**
 * A step's status from what its evidence proves (DESIGN.md, "Evidence semantics"): observed only
 * with a packet of this connection at this point; else configured when a rule, route, neighbour
 * entry, config or object says the hop happens; else predicted. A family may say `contradicted`
 * or `missing` (it knows what the capture shows instead), or `predicted` when its evidence only
 * names candidates; it can never make a step observed without a packet.
 */
function statusFor(declared: StepStatus | undefined, ownPackets: number, evidence: readonly Evidence[]): StepStatus {
  if (declared === 'contradicted' || declared === 'missing') return declared;
  if (ownPackets > 0) return 'observed';
  if (declared === 'predicted') return 'predicted';
  const configured = evidence.some((item) => {
    const role = evidenceRole(item);
    return role !== 'derived' && role !== 'packet';
  });
  return configured ? 'configured' : 'predicted';
}

/**
 * Collects actors, phases and steps for one flow. A step cites packets only from the builder's
 * scope (the packets of the connection or exchange the family is walking, see `withScope`): any
 * other packet line a family hands in is dropped, so no step is observed through a packet of
 * another connection. The step's status follows from what is left (see statusFor).
 */
export class FlowBuilder {
  private readonly actors = new Map<string, Actor>();
  private readonly phaseList: FlowPhase[] = [];
  readonly findings: Finding[] = [];
  readonly unresolved: string[] = [];
  connections: ConnectionSummary[] = [];
  connection: number | undefined;
  /** Citation (citationKey) of each packet steps may cite now → its packet. */
  private scope = new Map<string, Packet>();

  constructor(
    readonly title: string,
    readonly family: FlowFamily,
  ) {}

  /**
   * Steps added while `work` runs may cite `packets` (and only them) as observed; the scope before
   * is restored after.
   */
  withScope<T>(packets: Iterable<Packet>, work: () => T): T {
    const before = this.scope;
    this.scope = new Map();
    for (const packet of packets) for (const item of packet.evidence) this.scope.set(citationKey(item), packet);
    try {
      return work();
    } finally {
      this.scope = before;
    }
  }

  actor(actor: Actor): string {
    const known = this.actors.get(actor.id);
    if (!known) this.actors.set(actor.id, { ...actor });
    else {
      if (actor.addresses) known.addresses = [...new Set([...(known.addresses ?? []), ...actor.addresses])];
      if (actor.interfaces) known.interfaces = [...new Set([...(known.interfaces ?? []), ...actor.interfaces])];
    }
    return actor.id;
  }

  /** What a person reads for an actor id (its name), the id itself when unknown. */
  actorName(id: string): string {
    return this.actors.get(id)?.name ?? id;
  }

  phase(name: string): FlowPhase {
    const flowPhase: FlowPhase = { name, steps: [] };
    this.phaseList.push(flowPhase);
    return flowPhase;
  }

  /** Phases so far, in order (a family may add to an earlier one). */
  phases(): FlowPhase[] {
    return this.phaseList;
  }

  step(phase: FlowPhase, input: StepInput): FlowStep {
    const evidence: RoledEvidence[] = [];
    let ownPackets = 0;
    for (const item of uniqueEvidence(input.evidence)) {
      const roled = withRole(item);
      if (roled.role === 'packet') {
        const packet = this.scope.get(citationKey(item));
        if (!packet || !packetFitsStep(input.kind, packet)) continue;
        ownPackets++;
      }
      evidence.push(roled);
    }
    const step: FlowStep = {
      ...input,
      evidence,
      status: statusFor(input.status, ownPackets, evidence),
      alternatives: input.alternatives?.map((alternative) => ({
        ...alternative,
        evidence: alternative.evidence.map(withRole),
      })),
    };
    if (!step.alternatives) delete step.alternatives;
    if (step.time !== undefined && ownPackets === 0) delete step.time;
    phase.steps.push(step);
    return step;
  }

  need(message: string): void {
    if (!this.unresolved.includes(message)) this.unresolved.push(message);
  }

  finding(finding: Finding): void {
    if (!this.findings.some((known) => known.id === finding.id && known.message === finding.message))
      this.findings.push({ ...finding, evidence: finding.evidence.map(withRole) });
  }

  /**
   * Where a phase's packet stopped (the first hop missing or contradicted), the later hops of that
   * phase say that they are where it would have gone, not where it went.
   */
  private markWhereItStopped(): void {
    for (const phase of this.phaseList) {
      const stop = phase.steps.findIndex(
        (flowStep) => (flowStep.status === 'missing' || flowStep.status === 'contradicted') && flowStep.kind !== 'note',
      );
      if (stop < 0) continue;
      for (const later of phase.steps.slice(stop + 1)) {
        if (later.status !== 'configured' && later.status !== 'predicted') continue;
        const stoppedAt = phase.steps[stop].label;
        later.explanation = `${later.explanation} Not reached in the captures: the packet stopped at "${stoppedAt}".`;
      }
    }
  }

  build(): Flow {
    this.markWhereItStopped();
    return {
      title: this.title,
      family: this.family,
      // Only actors some step uses: families register candidates they may not need.
      actors: [...this.actors.values()].filter((actor) =>
        this.phaseList.some((flowPhase) =>
          flowPhase.steps.some((flowStep) => flowStep.from === actor.id || flowStep.to === actor.id),
        ),
      ),
      phases: this.phaseList.filter((flowPhase) => flowPhase.steps.length > 0),
      findings: this.findings,
      unresolved: this.unresolved,
      connections: this.connections,
      ...(this.connection !== undefined ? { connection: this.connection } : {}),
    };
  }
}
