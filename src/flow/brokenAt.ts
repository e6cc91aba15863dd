import type { Finding, Flow, FindingSeverity } from './types';

const RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Where a flow stops and why: its most severe finding that names a hop (the earliest drawn first). */
export function brokenAt(flow: Flow): (Finding & { hop: string }) | undefined {
  const order = new Map(flow.phases.map((phase, index) => [phase.name, index]));
  const position = (finding: Finding) =>
    (order.get(finding.step?.phase ?? '') ?? 99) * 1000 + (finding.step?.index ?? 0);
  return flow.findings
    .filter((finding): finding is Finding & { hop: string } => finding.hop !== undefined && finding.severity !== 'info')
    .sort((left, right) => RANK[left.severity] - RANK[right.severity] || position(left) - position(right))[0];
}
