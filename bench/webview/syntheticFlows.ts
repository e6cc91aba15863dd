// Flows of a chosen length for the benchmark: the seed report's ClusterIP path
// (pod → veth → cni0 → KUBE-SERVICES → KUBE-SVC → KUBE-SEP with a 50/50 choice →
// pod), repeated as connections, so diagrams of 10, 50 and 200 steps look like
// real ones (boxes, phases, alt blocks, NAT notes) rather than a list of arrows.
import type { Actor, Flow, FlowPhase, FlowStep } from '../../src/flow/types';

const root = (kind: Actor['kind'], name: string): Actor => ({
  id: `${kind}:node1/${name}`,
  kind,
  name,
  group: 'root netns of node1',
});
const ACTORS: Actor[] = [
  { id: 'pod:default/b-app', kind: 'pod', name: 'b-app', group: 'Pod b-app netns', addresses: ['10.244.0.147'] },
  root('veth', 'vetha999267c'),
  root('bridge', 'cni0'),
  root('netfilter', 'KUBE-SERVICES'),
  root('netfilter', 'KUBE-SVC-CHTNYTLOWMWCGZWR'),
  root('netfilter', 'KUBE-SEP-ZZRQGRW2BIJ6VNXP'),
  root('veth', 'vethedfea565'),
  {
    id: 'pod:default/a-app-1',
    kind: 'pod',
    name: 'a-app-57974fdb4-mcz5n',
    group: 'Pod a-app-57974fdb4-mcz5n netns',
    addresses: ['10.244.0.143'],
  },
];
const id = (index: number) => ACTORS[index].id;
const ev = (line: number, excerpt: string) => [
  { source: 'log' as const, uri: 'file:///work/captures/node1-any.txt', line, excerpt, format: 'tcpdump' },
];

function connection(number: number): FlowStep[] {
  const port = 43000 + number;
  const step = (from: number, to: number, label: string, extra: Partial<FlowStep> = {}): FlowStep => ({
    from: id(from),
    to: id(to),
    label,
    explanation: `${label}.`,
    status: 'observed',
    kind: 'packet',
    evidence: ev(100 + number * 10 + from, label),
    ...extra,
  });
  return [
    step(0, 1, `SYN 10.244.0.147:${port} → 10.103.129.86:80`),
    step(1, 2, 'vetha999267c is a port of cni0', { status: 'predicted', evidence: [] }),
    step(2, 3, 'nat PREROUTING → KUBE-SERVICES'),
    step(3, 4, 'dst 10.103.129.86:80/TCP → KUBE-SVC-CHTNYTLOWMWCGZWR'),
    step(4, 5, 'random choice: KUBE-SEP-ZZRQGRW2BIJ6VNXP', {
      alternatives: [
        { label: 'KUBE-SEP-ZZRQGRW2BIJ6VNXP → 10.244.0.143:80', probability: 0.5, chosen: true, evidence: [] },
        { label: 'KUBE-SEP-BJVKNWLDIWYBU2WJ → 10.244.0.144:80', probability: 0.5, evidence: [] },
      ],
    }),
    step(5, 2, 'DNAT 10.103.129.86:80 → 10.244.0.143:80', {
      kind: 'nat',
      nat: { type: 'DNAT', before: '10.103.129.86:80', after: '10.244.0.143:80' },
    }),
    step(2, 6, `SYN 10.244.0.147:${port} → 10.244.0.143:80`),
    step(6, 7, 'delivered to a-app eth0'),
    step(7, 0, `SYN-ACK 10.103.129.86:80 → 10.244.0.147:${port}`, {
      kind: 'reply',
      status: number % 7 === 3 ? 'contradicted' : 'predicted',
      nat: { type: 'un-DNAT', before: '10.244.0.143:80', after: '10.103.129.86:80' },
    }),
    step(0, 7, `ACK, GET / HTTP/1.1 (${port})`),
  ];
}

/** A flow with exactly `steps` steps, in phases of one connection (10 steps) each. */
export function flowOfSteps(steps: number): Flow {
  const phases: FlowPhase[] = [];
  let made = 0;
  for (let n = 0; made < steps; n++) {
    const batch = connection(n).slice(0, steps - made);
    phases.push({ name: `connection ${n + 1}`, steps: batch });
    made += batch.length;
  }
  return {
    title: `b-app → a-app:80, ${steps} steps`,
    family: 'pod-to-service',
    actors: ACTORS,
    phases,
    findings: [],
    unresolved: [],
  };
}
