// The text side of the panel: steps with their evidence, findings, unresolved
// questions, and the "nothing traced" view. Built with DOM APIs only.
import {
  STATUS_TEXT,
  type DiagramPayload,
  type EvidenceView,
  type FindingView,
  type FlowView,
  type StepView,
} from '../src/protocol/messages';
import { h } from './dom';

function evidenceList(list: EvidenceView[]): HTMLElement | undefined {
  if (list.length === 0) return undefined;
  return h(
    'ul',
    { class: 'evidence' },
    ...list.map((evidence) =>
      h(
        'li',
        {},
        evidence.openable
          ? h(
              'button',
              {
                class: 'ev-link',
                type: 'button',
                'data-ev': String(evidence.id),
                title: 'Open the proof at this line',
              },
              evidence.label,
            )
          : h('span', { class: 'ev-derived' }, evidence.label),
        evidence.excerpt ? h('code', { class: 'excerpt' }, evidence.excerpt) : undefined,
      ),
    ),
  );
}

function stepItem(step: StepView): HTMLLIElement {
  return h(
    'li',
    { class: `step kpp-${step.status}`, 'data-step': String(step.index), id: `step-${step.index}` },
    h(
      'button',
      { class: 'step-head', type: 'button', 'data-select': String(step.index) },
      h('span', { class: 'num' }, String(step.index + 1)),
      h('span', { class: 'status' }, STATUS_TEXT[step.status]),
      h('span', { class: 'hop' }, `${step.from} → ${step.to}`),
    ),
    h('div', { class: 'label' }, step.label),
    step.detail ? h('div', { class: 'detail' }, step.detail) : undefined,
    step.explanation ? h('div', { class: 'explain' }, step.explanation) : undefined,
    evidenceList(step.evidence) ??
      h(
        'div',
        { class: 'no-evidence' },
        step.status === 'missing'
          ? 'Nothing at this point: a capture covering it does not show the packet.'
          : 'No evidence yet: predicted from defaults.',
      ),
  );
}

function findingItem(finding: FindingView): HTMLLIElement {
  return h(
    'li',
    { class: `finding sev-${finding.severity}` },
    h('strong', {}, `${finding.severity}: ${finding.title}`),
    h('div', {}, finding.message),
    evidenceList(finding.evidence),
  );
}

/** Steps (optionally of one phase), findings and unresolved items of a flow. */
export function sidePanel(flow: FlowView, phase: number | undefined, traceUnresolved: string[]): DocumentFragment {
  const frag = document.createDocumentFragment();
  const steps = phase === undefined ? flow.steps : flow.steps.filter((step) => step.phaseIndex === phase);
  frag.append(
    h('h2', {}, phase === undefined ? 'Steps and evidence' : `Phase ${phase + 1} · ${flow.phases[phase]}`),
    h('ol', { class: 'steps', id: 'steps' }, ...steps.map(stepItem)),
  );
  if (flow.findings.length > 0)
    frag.append(h('h2', {}, 'Findings'), h('ul', { class: 'findings' }, ...flow.findings.map(findingItem)));
  const unresolved = [...flow.unresolved, ...traceUnresolved];
  if (unresolved.length > 0)
    frag.append(
      h('h2', {}, 'Unresolved'),
      h('ul', { class: 'unresolved' }, ...unresolved.map((missing) => h('li', {}, missing))),
    );
  return frag;
}

/** Shown instead of a diagram when the trace produced no flow: never a blank panel. */
export function problemView(payload: DiagramPayload): HTMLElement {
  const problem = payload.problem ?? { message: 'No flow could be traced.', hints: [] };
  return h(
    'section',
    { class: 'problem', id: 'problem', role: 'alert' },
    h('h2', {}, problem.message),
    payload.unresolved.length > 0
      ? h('ul', { class: 'unresolved' }, ...payload.unresolved.map((missing) => h('li', {}, missing)))
      : undefined,
    problem.hints.length > 0
      ? h('p', {}, 'These commands produce what the trace needs; paste their output into a file in the workspace:')
      : undefined,
    problem.hints.length > 0
      ? h('ul', { class: 'hints' }, ...problem.hints.map((hint) => h('li', {}, h('code', {}, hint))))
      : undefined,
  );
}
