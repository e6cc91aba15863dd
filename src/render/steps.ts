import type { Flow, FlowStep } from '../flow/types';

/** A step with its place in the flow: `index` counts every step of every phase, from 0. */
export interface IndexedStep {
  index: number;
  phaseIndex: number;
  phase: string;
  step: FlowStep;
}

/** Every step of a flow in reading order. The diagram, the table and the webview share this numbering. */
export function indexSteps(flow: Flow): IndexedStep[] {
  const out: IndexedStep[] = [];
  flow.phases.forEach((phase, phaseIndex) => {
    for (const step of phase.steps) out.push({ index: out.length, phaseIndex, phase: phase.name, step });
  });
  return out;
}

/** `p=0.50`: kube-proxy writes probabilities with eleven decimals; two are enough to read. */
export function formatProbability(probability: number): string {
  return `p=${probability.toFixed(2)}`;
}

/** The address rewrite of a step in words, e.g. `DNAT 10.103.129.86:80 → 10.244.0.143:80`. */
export function describeNat(nat: NonNullable<FlowStep['nat']>): string {
  const what = nat.type === 'un-DNAT' ? 'un-DNAT (conntrack)' : nat.type;
  return `${what} ${nat.before} → ${nat.after}`;
}

/** The DNS answer of a step in words, e.g. `DNS a-app.default.svc.cluster.local → 10.103.129.86`. */
export function describeDns(dns: NonNullable<FlowStep['dns']>): string {
  const answers = dns.answers.length > 0 ? dns.answers.join(', ') : 'no answer';
  const rcode = dns.rcode && dns.rcode.toUpperCase() !== 'NOERROR' ? ` (${dns.rcode})` : '';
  return `DNS ${dns.question} → ${answers}${rcode}`;
}
