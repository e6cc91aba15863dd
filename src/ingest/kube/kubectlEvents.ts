/**
 * `kubectl get events` and `kubectl events`: one KubeEvent per row, in every layout kubectl has
 * printed —
 * - today's: `LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`, with `NAMESPACE` first under `-A`;
 * - `-o wide`: `… OBJECT  SUBOBJECT  SOURCE  MESSAGE  FIRST SEEN  COUNT  NAME`;
 * - kubectl before 1.14: `LAST SEEN  FIRST SEEN  COUNT  NAME  KIND  SUBOBJECT  TYPE  REASON  SOURCE  MESSAGE`
 *   (cells may be empty, `SOURCE` holds spaces: those rows are cut at the header's columns);
 * - rows without their header (`--no-headers`, or a paste that starts below it): today's layout, read
 *   by their words.
 * Every other line is reported as unparsed, with the reason.
 */
import type { Fact, KubeEvent, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, tokenize, unparsedLine, type LogicalLine } from '../dns/lines';
import { totalParse } from '../total';

const FORMAT = 'kubectl-events';
const MAX_LINE = 20000;

/** The header of every layout: `LAST SEEN` (or `LASTSEEN`) first, after `NAMESPACE` under `-A`. */
const HEADER = /^(?:NAMESPACE\s+)?LAST\s?SEEN\s+\S/;

/**
 * A row of today's layout, read by its words: [namespace] last-seen type reason kind/name message.
 * Every part but the message is one bounded word, so the match is linear in the line.
 */
const ROW = new RegExp(
  String.raw`^(?:(?<namespace>[a-z0-9][-a-z0-9.]{0,252})\s+)?` +
    String.raw`(?<lastSeen><unknown>|<invalid>|\d{1,6}[smhdy][\dsmhdy]{0,12}|\d{4}-\d{2}-\d{2}T[\d:.]{1,20}Z?)\s+` +
    String.raw`(?<type>Normal|Warning)\s+(?<reason>[A-Za-z][\w.-]{0,127})\s+` +
    String.raw`(?<object>[A-Za-z][\w.-]{0,62}\/\S{1,253})(?:\s+(?<message>.*))?$`,
);

/** Columns of today's default layout: rows under such a header are read by their words. */
const WORD_COLUMNS = new Set(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);

/** Lines that say there is nothing to list. */
const EMPTY = /^No (?:resources|events) found(?: in \S+ namespace)?\.$/;

/** An event's own name is its object's name and a hex stamp: `master-0.15d6831ea907f0c3`. */
const EVENT_NAME_STAMP = /\.[0-9a-f]{8,20}$/;

interface Column {
  name: string;
  start: number;
}

/** The header's columns with where each starts; `LAST SEEN` and `FIRST SEEN` are one column each. */
function headerColumns(line: string): Column[] {
  const columns: Column[] = [];
  for (const token of tokenize(line)) {
    const previous = columns[columns.length - 1];
    if (token.text === 'SEEN' && (previous?.name === 'LAST' || previous?.name === 'FIRST')) {
      previous.name = `${previous.name} SEEN`;
      continue;
    }
    columns.push({
      name: token.text === 'LASTSEEN' ? 'LAST SEEN' : token.text === 'FIRSTSEEN' ? 'FIRST SEEN' : token.text,
      start: token.start,
    });
  }
  return columns;
}

/** The cells of a row cut at the header's columns (kubectl aligns them with spaces). */
function cellsAt(text: string, columns: readonly Column[]): Map<string, string> {
  const cells = new Map<string, string>();
  columns.forEach((column, index) => {
    const end = index + 1 < columns.length ? columns[index + 1].start : text.length;
    cells.set(column.name, text.slice(column.start, end).trim());
  });
  return cells;
}

/** `-n NS`, `--namespace NS`, `--namespace=NS` on the command line. */
function commandNamespace(command: string | undefined): string | undefined {
  const match = command
    ? /\s(?:-n|--namespace)(?:\s+|=)(?<namespace>[a-z0-9][-a-z0-9.]{0,252})(?:\s|$)/.exec(command)
    : null;
  return match?.groups?.namespace;
}

function countOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

/** `pod/web-1` → `{ kind: 'pod', name: 'web-1' }`. */
function objectOf(text: string): KubeEvent['object'] {
  const slash = text.indexOf('/');
  return { kind: text.slice(0, slash), name: text.slice(slash + 1) };
}

function eventFromWords(text: string): Omit<KubeEvent, 'evidence'> | undefined {
  const match = text.length < MAX_LINE ? ROW.exec(text) : null;
  if (!match?.groups) return undefined;
  const { namespace, lastSeen, type, reason, object, message } = match.groups;
  return {
    kind: 'KubeEvent',
    ...(namespace !== undefined ? { namespace } : {}),
    lastSeen,
    type,
    reason,
    object: objectOf(object),
    message: message?.trim() ?? '',
  };
}

/** A row of the old or the wide layout, cut at the header's columns; undefined when the cells make no event. */
function eventFromColumns(text: string, columns: readonly Column[]): Omit<KubeEvent, 'evidence'> | undefined {
  const cells = cellsAt(text, columns);
  const type = cells.get('TYPE') ?? '';
  const reason = cells.get('REASON') ?? '';
  if (!/^[A-Z][a-z]{1,20}$/.test(type) || !/^[A-Za-z][\w.-]{0,127}$/.test(reason)) return undefined;
  const objectCell = cells.get('OBJECT');
  let object: KubeEvent['object'] | undefined;
  if (objectCell && objectCell.includes('/')) object = objectOf(objectCell);
  else if (cells.get('KIND') && cells.get('NAME')) {
    object = { kind: cells.get('KIND')!, name: cells.get('NAME')!.replace(EVENT_NAME_STAMP, '') };
  }
  if (!object) return undefined;
  const optional = (name: string) => {
    const value = cells.get(name);
    return value && value !== '<none>' ? value : undefined;
  };
  const event: Omit<KubeEvent, 'evidence'> = {
    kind: 'KubeEvent',
    type,
    reason,
    object,
    message: cells.get('MESSAGE') ?? '',
  };
  const namespace = optional('NAMESPACE');
  if (namespace) event.namespace = namespace;
  const lastSeen = optional('LAST SEEN');
  if (lastSeen) event.lastSeen = lastSeen;
  const firstSeen = optional('FIRST SEEN');
  if (firstSeen) event.firstSeen = firstSeen;
  const count = countOf(optional('COUNT'));
  if (count !== undefined) event.count = count;
  const subobject = optional('SUBOBJECT');
  if (subobject) event.subobject = subobject;
  const source = optional('SOURCE');
  if (source) event.source = source;
  return event;
}

export function parseKubectlEvents(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const namespace = commandNamespace(input.command);
  /** The columns of the header above, when rows must be cut at them (old and wide layouts). */
  let columns: Column[] | undefined;
  const add = (line: LogicalLine, event: Omit<KubeEvent, 'evidence'>) => {
    const fact: KubeEvent = { ...event, evidence: [lineEvidence(input.uri, line, FORMAT)] };
    if (fact.namespace === undefined && namespace !== undefined) fact.namespace = namespace;
    facts.push(fact);
  };
  for (const line of logicalLines(input)) {
    const text = line.text.trimEnd();
    if (!text.trim()) continue;
    if (text.length < MAX_LINE && HEADER.test(text)) {
      const header = headerColumns(text);
      columns = header.every((column) => WORD_COLUMNS.has(column.name)) ? undefined : header;
      continue;
    }
    if (EMPTY.test(text.trim())) continue;
    const event = columns ? eventFromColumns(text, columns) : eventFromWords(text);
    if (event) add(line, event);
    else
      unparsed.push(
        unparsedLine(
          line,
          columns
            ? 'not an event row: its cells do not line up with the header above (TYPE, REASON, and the object)'
            : 'not an event row (`[NAMESPACE] LAST-SEEN Normal|Warning REASON kind/name MESSAGE`)',
        ),
      );
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

export const kubectlEventsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['kubectl'],
  parse: (input) => totalParse(FORMAT, input, () => parseKubectlEvents(input)),
  commands: [
    new RegExp(
      String.raw`^kubectl\b(?!.*\s(-o|--output)(\s+|=)(json|yaml|jsonpath|go-template|template|name)\b)` +
        String.raw`.*\s(get\s+(events?|ev)(\.\S+)?|events)(\s|$)`,
    ),
  ],
  sniff(lines) {
    const first = lines.find((line) => line.trim() !== '');
    if (first !== undefined && first.length < MAX_LINE && HEADER.test(first.trim())) return 0.9;
    return 0.9 * fractionMatching(lines, (line) => line.length < MAX_LINE && ROW.test(line.trim()));
  },
};
