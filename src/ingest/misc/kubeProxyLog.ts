/**
 * kube-proxy's own log, as `kubectl -n kube-system logs kube-proxy-…` or `journalctl -u kube-proxy`
 * prints it: klog records (`E0809 05:37:21.484590       1 proxier.go:1507] Failed to execute
 * iptables-restore: exit status 1 (iptables-restore: line 51 failed`), with or without the journal's
 * `Feb 17 11:12:14 host kube-proxy[9234]: ` prefix. A line that is not a record continues the one
 * above it (iptables-restore's own error text ends up there). Each record is a ComponentLog fact; the
 * ones the findings use are named: `iptables-restore-failed` and `sync-failed`.
 */
import type { ComponentLog, Fact, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, logicalLines, spanEvidence, totalParse, unparsedLine, type LogicalLine } from '../dns/lines';

const FORMAT = 'kube-proxy-log';

/** klog's header: severity, MMDD, time, thread id, file:line, `]`. */
const KLOG = new RegExp(
  String.raw`^(?<level>[IWEF])(?<date>\d{4}) (?<time>\d{2}:\d{2}:\d{2}\.\d+)\s+` +
    String.raw`(?<thread>\d+) (?<location>[\w.-]+:\d+)\] (?<message>.*)$`,
);
/** journalctl's prefix: `Feb 17 11:12:14 host kube-proxy[9234]: `. */
const JOURNAL = /^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ kube-proxy\[\d+\]: (?<rest>.*)$/;
/** `kubectl logs --timestamps`. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) /;

const LEVELS: Record<string, ComponentLog['level']> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

function withoutPrefix(text: string): string {
  const journal = text.length < 4000 ? JOURNAL.exec(text) : null;
  const rest = journal?.groups ? journal.groups.rest : text;
  return rest.replace(TIMESTAMP, '');
}

function eventOf(message: string): ComponentLog['event'] {
  if (/Failed to execute iptables-restore/.test(message)) return 'iptables-restore-failed';
  if (/^"?Sync failed/.test(message)) return 'sync-failed';
  return undefined;
}

export function parseKubeProxyLog(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  let current: { fact: ComponentLog; lines: LogicalLine[] } | undefined;
  const close = () => {
    if (!current) return;
    current.fact.evidence = [spanEvidence(input.uri, current.lines, FORMAT)];
    current.fact.message = current.lines
      .map((line, index) => (index === 0 ? current!.fact.message : withoutPrefix(line.text).trim()))
      .filter((part) => part.length > 0)
      .join('\n');
    facts.push(current.fact);
    current = undefined;
  };
  for (const logicalLine of logicalLines(input)) {
    const text = withoutPrefix(logicalLine.text);
    if (!text.trim()) continue;
    const match = text.length < 20000 ? KLOG.exec(text) : null;
    if (match?.groups) {
      close();
      const fact: ComponentLog = {
        kind: 'ComponentLog',
        component: 'kube-proxy',
        level: LEVELS[match.groups.level],
        location: match.groups.location,
        message: match.groups.message,
        evidence: [],
      };
      const event = eventOf(match.groups.message);
      if (event) fact.event = event;
      if (input.host) fact.host = input.host;
      current = { fact, lines: [logicalLine] };
      continue;
    }
    if (current) current.lines.push(logicalLine);
    else unparsed.push(unparsedLine(logicalLine, 'not a klog record (`E0809 05:37:21.484590 1 proxier.go:1507] …`)'));
  }
  close();
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

export const kubeProxyLogFormat: FormatSpec = {
  id: FORMAT,
  parse: (input) => totalParse(FORMAT, input, () => parseKubeProxyLog(input)),
  tools: ['kubectl', 'journalctl', 'crictl'],
  commands: [
    /^kubectl\s+(\S+\s+)*logs\b.*\bkube-proxy\b/,
    /^journalctl\b.*(-u|--unit)[= ]?kube-proxy\b/,
    /^crictl\s+logs\b.*\bkube-proxy\b/,
  ],
  // journald lines of the kube-proxy unit, or klog records that name kube-proxy's own source files.
  sniff: (lines) =>
    0.9 *
    fractionMatching(lines, (line) => {
      if (line.length < 4000 && JOURNAL.test(line)) return true;
      const match = KLOG.exec(withoutPrefix(line));
      return (
        match?.groups !== undefined &&
        /^(proxier|server|server_others|config|conntrack)\.go:/.test(match.groups.location)
      );
    }),
};
