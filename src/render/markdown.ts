import { STATUS_TEXT } from '../protocol/messages';
import { STEP_STATUSES } from '../model';
import type { Evidence } from '../model';
import { describeEvidence } from '../model/evidence';
import type { Finding, Flow, TraceResult } from '../flow/types';
import { renderMermaid } from './mermaid';
import { describeDns, describeNat, formatProbability, indexSteps } from './steps';

/**
 * TraceResult → a Markdown report: per flow a title, the Mermaid diagram in a
 * ```mermaid block (GitHub, VS Code's preview and most wikis draw it), a table
 * of steps with evidence links, findings and what is still unresolved.
 * Pure and deterministic. All user text is escaped for Markdown and HTML.
 */

/** Escapes text for a Markdown paragraph or table cell: no HTML, no emphasis, no links, one line. */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (char) => `\\${char}`)
    .replace(/^(\s*)([-=])/, '$1\\$2')
    .replace(/^(\s*\d+)\./, '$1\\.')
    .trim();
}

/**
 * A link target for evidence, or undefined when it cannot be opened from a
 * document (`cluster://`, `derived:`, `sample:` …). Only file paths become links, so
 * a hostile URI such as `javascript:` can never be clicked.
 */
export function evidenceHref(evidence: Evidence): string | undefined {
  let target: string;
  if (/^file:\/\//i.test(evidence.uri)) target = evidence.uri;
  else if (evidence.uri.startsWith('/')) target = `file://${evidence.uri}`;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(evidence.uri) && evidence.uri !== '') target = evidence.uri;
  else return undefined;
  const safe = encodeURI(decodeURISafe(target)).replace(
    /[()[\]<>'"]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return evidence.line !== undefined ? `${safe}#L${evidence.line}` : safe;
}

function decodeURISafe(text: string): string {
  try {
    return decodeURI(text);
  } catch {
    return text;
  }
}

function evidenceCell(list: Evidence[]): string {
  if (list.length === 0) return '—';
  return list
    .map((evidence) => {
      const label = escapeMarkdown(describeEvidence(evidence));
      const href = evidenceHref(evidence);
      return href
        ? `[${label}](${href})`
        : evidence.source === 'derived'
          ? `derived: ${escapeMarkdown(evidence.excerpt ?? '')}`
          : label;
    })
    .join('<br>');
}

function stepTable(flow: Flow): string[] {
  const names = new Map(flow.actors.map((actor) => [actor.id, actor.name]));
  const name = (id: string) => escapeMarkdown(names.get(id) ?? id);
  const rows = indexSteps(flow).map(({ index, phase, step }) => {
    const details = [step.label];
    if (step.nat) details.push(describeNat(step.nat));
    if (step.dns) details.push(describeDns(step.dns));
    for (const alt of step.alternatives ?? []) {
      const probability = alt.probability !== undefined ? ` (${formatProbability(alt.probability)})` : '';
      details.push(`${alt.chosen ? '✓' : '·'} ${alt.label}${probability}`);
    }
    const cell = [...new Set(details)].map(escapeMarkdown).join('<br>');
    return (
      `| ${index + 1} | ${escapeMarkdown(phase)} | ${STATUS_TEXT[step.status]} | ${name(step.from)} → ` +
      `${name(step.to)} | ${cell} | ${evidenceCell(step.evidence)} |`
    );
  });
  return ['| # | Phase | Status | From → To | Step | Evidence |', '|---|---|---|---|---|---|', ...rows];
}

function findingLines(findings: Finding[]): string[] {
  return findings.map((finding) => {
    const ev = finding.evidence.length > 0 ? ` (${evidenceCell(finding.evidence).replace(/<br>/g, ', ')})` : '';
    return `- **${finding.severity}** ${escapeMarkdown(finding.title)}: ${escapeMarkdown(finding.message)}${ev}`;
  });
}

function flowSection(flow: Flow, heading: string): string[] {
  const lines = [`${heading} ${escapeMarkdown(flow.title)}`, '', `Family: \`${flow.family.replace(/`/g, '')}\``, ''];
  const steps = indexSteps(flow);
  const count = (status: string) => steps.filter((indexedStep) => indexedStep.step.status === status).length;
  lines.push(`${steps.length} steps: ${STEP_STATUSES.map((status) => `${count(status)} ${status}`).join(', ')}.`, '');
  lines.push('```mermaid', renderMermaid(flow).trimEnd(), '```', '');
  const sub = `${heading}#`;
  if (steps.length > 0) lines.push(`${sub} Steps`, '', ...stepTable(flow), '');
  if (flow.findings.length > 0) lines.push(`${sub} Findings`, '', ...findingLines(flow.findings), '');
  if (flow.unresolved.length > 0)
    lines.push(`${sub} Unresolved`, '', ...flow.unresolved.map((missing) => `- ${escapeMarkdown(missing)}`), '');
  return lines;
}

/** The whole report. One flow: `#` title; several: `#` overall title and `##` per flow. */
export function renderMarkdown(result: TraceResult): string {
  const lines: string[] = [];
  if (result.flows.length === 1) {
    lines.push(...flowSection(result.flows[0], '#'));
  } else {
    lines.push('# Kube Packet Path trace', '');
    if (result.flows.length === 0) lines.push('No flow could be traced.', '');
    result.flows.forEach((flow) => lines.push(...flowSection(flow, '##')));
  }
  if (result.unresolved.length > 0) {
    lines.push(
      result.flows.length === 1 ? '## Unresolved (trace)' : '## Unresolved',
      '',
      ...result.unresolved.map((missing) => `- ${escapeMarkdown(missing)}`),
      '',
    );
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}
