import type { Actor, Alternative, Flow, FlowStep } from '../flow/types';
import { escapeBoxTitle, escapeMermaidText, escapeParticipantName, escapeWrapped } from './escape';
import { describeDns, describeNat, formatProbability, indexSteps, type IndexedStep } from './steps';

/**
 * Flow → Mermaid `sequenceDiagram`. Pure and deterministic: the same Flow always
 * gives the same text, so tests compare text.
 *
 * Every step is exactly one message (arrow), in step order, so Mermaid's
 * `autonumber` equals the step number and the n-th rendered message is step
 * `messageSteps[n]`; the webview relies on that to make arrows clickable.
 * Participant ids are generated (`p0`, `p1` …); names only ever appear escaped.
 */

export interface MermaidOptions {
  /** Draw only this phase (index into `flow.phases`); default: every phase. */
  phase?: number;
  /** Put the flow title in the diagram (`title …`); default true. */
  title?: boolean;
}

export interface MermaidDiagram {
  source: string;
  /** Global step index of each message, in the order Mermaid draws them. */
  messageSteps: number[];
}

/** Line widths (characters) for text the renderer wraps; keeps the diagram narrow enough to read. */
const WRAP = { message: 32, note: 28, block: 40 };

/** Box tints that read on light, dark and high-contrast backgrounds alike. */
const BOX_TINTS = ['rgba(127,127,127,0.12)', 'rgba(64,128,255,0.10)'];
const PHASE_TINTS = ['rgba(127,127,127,0.06)', 'rgba(64,160,255,0.06)'];

interface Participant {
  id: string;
  name: string;
  group?: string;
}

/**
 * Arrow by status: solid = seen in a capture, dashed = configured by rules or objects, dashed open
 * = predicted, dashed cross = missing where a capture should show it, solid cross = contradicted.
 */
const ARROWS: Readonly<Record<FlowStep['status'], string>> = {
  observed: '->>',
  configured: '-->>',
  predicted: '--)',
  missing: '--x',
  contradicted: '-x',
};

function arrowFor(status: FlowStep['status']): string {
  return ARROWS[status];
}

function messageText(step: FlowStep): string {
  if (step.status === 'contradicted') return `✗ contradicted: ${step.label}`;
  if (step.status === 'missing') return `∅ missing: ${step.label}`;
  return step.label;
}

/** Only the actors the drawn steps use, in the flow's order, then unknown ids in order of first use. */
function participantsFor(flow: Flow, steps: IndexedStep[]): Map<string, Participant> {
  const used = new Set<string>();
  for (const { step } of steps) used.add(step.from).add(step.to);
  const ordered: Actor[] = flow.actors.filter((actor) => used.has(actor.id));
  const known = new Set(ordered.map((actor) => actor.id));
  for (const id of used) if (!known.has(id)) ordered.push({ id, kind: 'external', name: id });

  // A Mermaid box holds consecutive participants, so members of a group are pulled
  // together at the position of the group's first member.
  const slots: Actor[][] = [];
  const slotOfGroup = new Map<string, Actor[]>();
  for (const actor of ordered) {
    if (!actor.group) {
      slots.push([actor]);
      continue;
    }
    let slot = slotOfGroup.get(actor.group);
    if (!slot) {
      slot = [];
      slotOfGroup.set(actor.group, slot);
      slots.push(slot);
    }
    slot.push(actor);
  }
  const out = new Map<string, Participant>();
  slots.flat().forEach((actor, i) => {
    const first = actor.addresses?.[0];
    const address = first && !actor.name.includes(first) ? ` ${first}` : '';
    out.set(actor.id, { id: `p${i}`, name: `${actor.name}${address}`, group: actor.group || undefined });
  });
  return out;
}

function declareParticipants(participants: Map<string, Participant>, lines: string[]): void {
  let open: string | undefined;
  let boxes = 0;
  for (const participant of participants.values()) {
    if (participant.group !== open) {
      if (open !== undefined) lines.push('  end');
      if (participant.group !== undefined)
        lines.push(`  box ${BOX_TINTS[boxes++ % BOX_TINTS.length]} ${escapeBoxTitle(participant.group)}`);
      open = participant.group;
    }
    const indent = open !== undefined ? '    ' : '  ';
    lines.push(`${indent}participant ${participant.id} as ${escapeParticipantName(participant.name)}`);
  }
  if (open !== undefined) lines.push('  end');
}

function branchHeader(alt: Alternative, anyChosen: boolean): string {
  const parts = [alt.label];
  if (alt.probability !== undefined) parts.push(formatProbability(alt.probability));
  if (alt.chosen) parts.push('✓ taken (seen in capture)');
  else if (anyChosen) parts.push('not taken');
  return escapeWrapped(parts.join(' · '), WRAP.block);
}

/** The message line plus its notes (NAT rewrite, DNS answer). */
function messageLines(step: FlowStep, ids: Map<string, Participant>, indent: string): string[] {
  const from = ids.get(step.from)!.id;
  const to = ids.get(step.to)!.id;
  const lines = [`${indent}${from}${arrowFor(step.status)}${to}: ${escapeWrapped(messageText(step), WRAP.message)}`];
  if (step.nat) lines.push(`${indent}Note over ${to}: ${escapeWrapped(describeNat(step.nat), WRAP.note)}`);
  if (step.dns) lines.push(`${indent}Note over ${to}: ${escapeWrapped(describeDns(step.dns), WRAP.note)}`);
  return lines;
}

/**
 * A step with alternatives: `opt` when there is one (it may or may not apply),
 * `alt`/`else` when there are several (kube-proxy's random endpoint choice). The
 * arrow sits in the branch that was taken (or the first when no capture says);
 * the other branches carry a short note (their header names them), so the step
 * still draws exactly one arrow.
 */
function stepLines(step: FlowStep, ids: Map<string, Participant>, indent: string): string[] {
  const alternatives = step.alternatives ?? [];
  if (alternatives.length === 0) return messageLines(step, ids, indent);
  const inner = indent + '  ';
  const anyChosen = alternatives.some((alternative) => alternative.chosen);
  if (alternatives.length === 1) {
    return [
      `${indent}opt ${branchHeader(alternatives[0], anyChosen)}`,
      ...messageLines(step, ids, inner),
      `${indent}end`,
    ];
  }
  const taken = Math.max(
    0,
    alternatives.findIndex((alternative) => alternative.chosen),
  );
  const to = ids.get(step.to)!.id;
  const lines: string[] = [];
  alternatives.forEach((alt, i) => {
    lines.push(`${indent}${i === 0 ? 'alt' : 'else'} ${branchHeader(alt, anyChosen)}`);
    if (i === taken) lines.push(...messageLines(step, ids, inner));
    else
      lines.push(
        `${inner}Note over ${to}: ` +
          `${escapeWrapped(anyChosen ? 'not taken in the capture' : 'possible instead', WRAP.note)}`,
      );
  });
  lines.push(`${indent}end`);
  return lines;
}

function phaseNote(steps: IndexedStep[], ids: Map<string, Participant>, label: string, indent: string): string {
  const order = [...ids.values()].map((participant) => participant.id);
  const used = steps.flatMap(({ step }) => [ids.get(step.from)!.id, ids.get(step.to)!.id]);
  const positions = used.map((id) => order.indexOf(id));
  const first = order[Math.min(...positions)];
  const last = order[Math.max(...positions)];
  return `${indent}Note over ${first === last ? first : `${first},${last}`}: ${escapeMermaidText(label)}`;
}

export function renderMermaidDiagram(flow: Flow, options: MermaidOptions = {}): MermaidDiagram {
  const all = indexSteps(flow);
  const steps =
    options.phase === undefined ? all : all.filter((indexedStep) => indexedStep.phaseIndex === options.phase);
  const ids = participantsFor(flow, steps);
  const lines = ['sequenceDiagram'];
  if (options.title !== false && flow.title.trim() !== '') lines.push(`  title ${escapeMermaidText(flow.title, 120)}`);
  lines.push('  autonumber');
  declareParticipants(ids, lines);

  const phaseIndexes = [...new Set(steps.map((indexedStep) => indexedStep.phaseIndex))];
  phaseIndexes.forEach((phaseIndex, n) => {
    const inPhase = steps.filter((indexedStep) => indexedStep.phaseIndex === phaseIndex);
    const name = flow.phases[phaseIndex].name;
    lines.push(`  rect ${PHASE_TINTS[n % PHASE_TINTS.length]}`);
    lines.push(phaseNote(inPhase, ids, `Phase ${phaseIndex + 1} · ${name}`, '    '));
    for (const { step } of inPhase) lines.push(...stepLines(step, ids, '    '));
    lines.push('  end');
  });
  if (steps.length === 0) {
    lines.push(
      `  participant p0 as ${escapeParticipantName(flow.title || 'flow')}`,
      `  Note over p0: ${escapeMermaidText('This flow has no steps yet.')}`,
    );
  }
  return { source: lines.join('\n') + '\n', messageSteps: steps.map((indexedStep) => indexedStep.index) };
}

/** The Mermaid `sequenceDiagram` source of a flow (all phases). */
export function renderMermaid(flow: Flow, options: MermaidOptions = {}): string {
  return renderMermaidDiagram(flow, options).source;
}
