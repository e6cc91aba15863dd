import type { Evidence } from '../model';
import { describeEvidence } from '../model/evidence';
import type { Flow, TraceResult } from '../flow/types';
import type { DiagramPayload, DiagramView, EvidenceView, FlowView } from '../protocol/messages';
import { renderMermaidDiagram } from './mermaid';
import { describeDns, describeNat, indexSteps } from './steps';

/**
 * TraceResult → what the diagram webview shows (pure). Evidence is replaced by
 * numbered views; the table that maps numbers back to Evidence stays with the host.
 */
export interface BuiltPayload {
  payload: DiagramPayload;
  /** `evidence[id]` is the proof behind EvidenceView `id`. */
  evidence: Evidence[];
}

/** Commands that supply the facts a trace needs, shown when nothing could be traced. */
export const HELPFUL_COMMANDS = [
  'kubectl get pods,svc,endpointslices -A -o wide',
  'iptables-save -t nat   (on the node, as root)',
  'tcpdump -i any -nn -e host <pod IP>',
  'ip -d link show; ip route; bridge fdb show',
  'cat /etc/resolv.conf   (inside the client pod)',
];

/**
 * What one field of the panel message may hold: names (title, actors, phases, step labels),
 * texts (explanations, findings, evidence excerpts, unresolved reasons) and list entries.
 * A log line or an object name can be any length; the host keeps the whole evidence.
 */
export const PANEL_LIMITS = { name: 200, text: 2000, items: 100 };

/** `text` cut to `max` characters with `…`, never inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
const name = (text: string) => cut(text, PANEL_LIMITS.name);
const long = (text: string) => cut(text, PANEL_LIMITS.text);
const optional = (text: string | undefined) => (text === undefined ? undefined : long(text));

/** At most `PANEL_LIMITS.items` entries, each cut, then `… and N more`. */
function cutList(list: readonly string[]): string[] {
  const kept = list.slice(0, PANEL_LIMITS.items).map(long);
  return list.length > kept.length ? [...kept, `… and ${list.length - kept.length} more`] : kept;
}

function evidenceLabel(evidence: Evidence): string {
  if (evidence.source === 'derived') return 'derived';
  if (evidence.source === 'cluster') return `cluster: ${evidence.uri.replace(/^cluster:\/\/[^/]*\//, '')}`;
  return describeEvidence(evidence);
}

function flowView(flow: Flow, addEvidence: (list: Evidence[]) => EvidenceView[]): FlowView {
  const names = new Map(flow.actors.map((actor) => [actor.id, actor.name]));
  const diagrams: DiagramView[] = [undefined, ...flow.phases.map((_, i) => i)].map((phase) => {
    const mermaidDiagram = renderMermaidDiagram(flow, { phase });
    return { phase, mermaid: mermaidDiagram.source, messageSteps: mermaidDiagram.messageSteps };
  });
  return {
    title: name(flow.title),
    family: flow.family,
    phases: flow.phases.map((flowPhase) => name(flowPhase.name)),
    diagrams,
    steps: indexSteps(flow).map(({ index, phaseIndex, phase, step }) => ({
      index,
      phaseIndex,
      phase: name(phase),
      from: name(names.get(step.from) ?? step.from),
      to: name(names.get(step.to) ?? step.to),
      label: name(step.label),
      explanation: long(step.explanation),
      status: step.status,
      kind: step.kind,
      detail: optional(
        [step.nat && describeNat(step.nat), step.dns && describeDns(step.dns)].filter(Boolean).join(' · ') || undefined,
      ),
      evidence: addEvidence([
        ...step.evidence,
        ...(step.alternatives ?? []).flatMap((alternative) => alternative.evidence),
      ]),
    })),
    findings: flow.findings.map((finding) => ({
      id: finding.id,
      severity: finding.severity,
      title: name(finding.title),
      message: long(finding.message),
      evidence: addEvidence(finding.evidence),
    })),
    unresolved: cutList(flow.unresolved),
  };
}

/** `flowCount`: how many flows the trace holds, when `result` holds only the first (the payload's title counts them). */
export function buildPayload(result: TraceResult, flowCount = result.flows.length): BuiltPayload {
  const evidence: Evidence[] = [];
  const keys = new Map<string, number>();
  const addEvidence = (list: Evidence[]): EvidenceView[] => {
    const seen = new Set<number>();
    const out: EvidenceView[] = [];
    for (const item of list) {
      // Same place, same proof: excerpts of one line may differ in length only.
      const key =
        item.source === 'derived'
          ? JSON.stringify([item.source, item.excerpt])
          : JSON.stringify([item.source, item.uri, item.line, item.endLine, item.column]);
      let id = keys.get(key);
      if (id === undefined) {
        id = evidence.push(item) - 1;
        keys.set(key, id);
      }
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        id,
        label: long(evidenceLabel(item)),
        excerpt: optional(item.excerpt),
        openable: item.source !== 'derived',
      });
    }
    return out;
  };
  const flows = result.flows.map((flow) => flowView(flow, addEvidence));
  const title =
    flowCount === 1 && result.flows[0]
      ? name(result.flows[0].title)
      : flowCount > 1
        ? `${flowCount} flows`
        : 'No flow traced';
  const payload: DiagramPayload = { title, flows, unresolved: cutList(result.unresolved) };
  if (flowCount > result.flows.length) payload.more = flowCount - result.flows.length;
  if (flows.length === 0) {
    payload.problem = {
      message:
        result.unresolved.length > 0
          ? 'No flow could be traced:'
          : 'No flow could be traced, and the trace gave no reason.',
      hints: HELPFUL_COMMANDS,
    };
  }
  return { payload, evidence };
}
