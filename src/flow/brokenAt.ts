import type { Finding, Flow, FindingSeverity } from './types';

const RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Where a flow stops and why: its most severe finding that names a hop (the earliest drawn first). */
export function brokenAt(flow: Flow): (Finding & { hop: string }) | undefined {
  const order = new Map(flow.phases.map((phase, index) => [phase.name, index]));
  const position = (f: Finding) => (order.get(f.step?.phase ?? '') ?? 99) * 1000 + (f.step?.index ?? 0);
  return flow.findings
    .filter((f): f is Finding & { hop: string } => f.hop !== undefined && f.severity !== 'info')
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || position(a) - position(b))[0];
}
