import type { Fact, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import { fractionMatching } from '../sniff';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { readTables } from './tableColumns';
import { readGetCommand, rowFacts, sectionKind, splitKindName, type TableKind } from './tableRows';

export { readTables } from './tableColumns';

/**
 * `kubectl get` tables: default and `-o wide` columns, `--show-labels`, `-A`, custom-columns,
 * several kinds in one `get` (sections, `kind/name` rows), and lines whose newlines were lost.
 */
export function parseKubectlTable(input: ParseInput): ParseResult {
  const first = input.firstLine ?? 1;
  const lines = input.text.split(/\r?\n/);
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  let records = 0;
  const cmd = readGetCommand(input.command);
  const read = readTables(lines, cmd.implicitHeaders);
  for (const stray of read.stray) {
    const only = lines[stray.index].trim();
    // An empty list: understood, and nothing to add.
    if (/^No resources found( in \S+ namespace)?\.$/.test(only)) continue;
    // `kubectl get … -o name` prints bare `kind/name` lines, no header.
    const kn = kindNameLine(only);
    if (kn) {
      const ev = logEvidence(input.uri, stray.index + first, only, 'kubectl-table');
      const out = rowFacts(
        kn.kind,
        { index: stray.index, column: 1, text: only, cells: new Map([['NAME', only]]), notes: [] },
        ev,
        cmd,
      );
      if (out.facts.length) {
        records++;
        facts.push(...out.facts);
        continue;
      }
    }
    unparsed.push({ line: stray.index + first, reason: stray.reason, text: lines[stray.index].slice(0, 240) });
  }
  for (const section of read.sections) {
    const kind = sectionKind(section, cmd);
    if (cmd.allNamespaces && !section.headers.includes('NAMESPACE') && section.rows.length > 0 && kind !== 'Node') {
      // The model cannot say "namespace unknown"; say it here rather than let `default` be assumed silently.
      unparsed.push({
        line: section.headerIndex + first,
        reason:
          'output of -A without a NAMESPACE column: the namespaces of these rows are unknown (the model will assume ' +
          'default)',
      });
    }
    for (const row of section.rows) {
      const ev = logEvidence(input.uri, row.index + first, row.text, 'kubectl-table');
      if (section.flattened || row.column > 1) ev.column = row.column;
      const out = rowFacts(kind, row, ev, cmd);
      if (out.facts.length) {
        records++;
        facts.push(...out.facts);
      }
      const problems = [
        ...(out.problem ? [out.problem] : []),
        ...row.notes.filter((note) => !note.startsWith('unglued') || note.includes('also possible')),
      ];
      if (problems.length)
        unparsed.push({ line: row.index + first, reason: problems.join('; '), text: row.text.slice(0, 240) });
    }
  }
  return { format: 'kubectl-table', facts, records, unparsed };
}

const KNOWN_HEADERS = /^(NAME|NAMESPACE)\s/;

/** A line of `-o name` output (`service/a-app`) of a kind kubectl lists, split; else undefined. */
function kindNameLine(line: string): { kind: TableKind; name: string } | undefined {
  const kn = /^\S+\/\S+$/.test(line) ? splitKindName(line) : undefined;
  return kn?.kind ? { kind: kn.kind, name: kn.name } : undefined;
}

export const kubectlTableFormat: FormatSpec = {
  id: 'kubectl-table',
  tools: ['kubectl'],
  parse: parseKubectlTable,
  commands: [/^kubectl\b(?!.*\s(-o|--output)(\s+|=)(json|yaml|jsonpath|go-template|template)\b).*\sget\s/],
  sniff(lines) {
    const first = lines.findIndex((line) => line.trim() !== '');
    if (first < 0) return 0;
    const head = lines[first].trim();
    // `-o name`: every line a `kind/name` of a kind kubectl lists
    if (fractionMatching(lines, (line) => kindNameLine(line.trim()) !== undefined) >= 0.8) return 0.8;
    if (!KNOWN_HEADERS.test(head) && !/^TYPE\s+NAME\b/.test(head)) return 0;
    if (/\s(CLUSTER-IP|READY|STATUS|ENDPOINTS|AGE|IP)(\s|$)/.test(head)) return 0.85;
    return 0.6;
  },
};
