/**
 * `/etc/hosts`, including the one kubelet writes into every pod
 * (`# Kubernetes-managed hosts file.`, localhost lines, then the pod's own IP and name,
 * `IP  hostname.subdomain.ns.svc.domain  hostname` for StatefulSet pods).
 */
import { isIPv4, isIPv6, type Fact, type HostsEntry, type Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, splitBeforeTokens, totalParse, unparsedLine } from './lines';
import { isKubectlChatter, parseToolCommand } from './commandLine';
import { parseResolvConf } from './resolvConf';

const FORMAT = 'hosts';

const isIp = (text: string): boolean => isIPv4(text) || isIPv6(text.replace(/%.*$/, ''));

/** Cuts a flattened hosts file before each IP address (a comment runs until the next one). */
export function unflattenHosts(line: string): { text: string; start: number }[] {
  // A real comment may mention one address; a flattened file has several.
  if (line.trimStart().startsWith('#') && line.split(/\s+/).filter(isIp).length < 2) return [{ text: line, start: 0 }];
  return splitBeforeTokens(line, (tokens, index) => isIp(tokens[index].text));
}

export function parseHosts(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const facts: Fact[] = [];
    const unparsed: Unparsed[] = [];
    let records = 0;
    const lines = input.text.split(/\r?\n/);
    // `cat /etc/hosts /etc/resolv.conf`: the resolv.conf part goes to its own parser
    const resolvAt = lines.findIndex((line) => /^(nameserver|search|options|domain)\s+\S/.test(line.trim()));
    const hostsText = resolvAt >= 0 ? lines.slice(0, resolvAt).join('\n') : input.text;
    if (resolvAt >= 0) {
      const parseResult = parseResolvConf({
        ...input,
        text: lines.slice(resolvAt).join('\n'),
        firstLine: (input.firstLine ?? 1) + resolvAt,
      });
      facts.push(...parseResult.facts);
      unparsed.push(...parseResult.unparsed);
      records += parseResult.records;
    }
    for (const logicalLine of logicalLines({ ...input, text: hostsText }, unflattenHosts)) {
      const text = logicalLine.text.replace(/#.*$/, '').trim();
      if (text === '') continue;
      const [ip, ...names] = text.split(/\s+/);
      if (isKubectlChatter(logicalLine.text)) continue;
      if (!isIp(ip) || names.length === 0) {
        unparsed.push(unparsedLine(logicalLine, isIp(ip) ? 'address without a name' : 'not an /etc/hosts line'));
        continue;
      }
      const hostsEntry: HostsEntry = {
        kind: 'HostsEntry',
        ip,
        names,
        evidence: [lineEvidence(input.uri, logicalLine, FORMAT)],
      };
      if (cmd.client) hostsEntry.owner = cmd.client;
      facts.push(hostsEntry);
      records++;
    }
    return { format: FORMAT, facts, records, unparsed };
  });
}

export const hostsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['cat', 'getent'],
  parse: parseHosts,
  unflatten: unflattenHosts,
  commands: [/^(.*\s--\s+)?cat\s[^|]*\bhosts\b/, /^getent\s+hosts\b/],
  sniff(lines) {
    if (lines.some((line) => line.startsWith('# Kubernetes-managed hosts file.'))) return 0.95;
    const fraction = fractionMatching(
      lines,
      (line) =>
        /^\s*([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+)\s+[A-Za-z][\w.-]*(\s+[\w.-]+)*\s*$/.test(line) ||
        line.trim().startsWith('#'),
    );
    return lines.some((line) => /^\s*(127\.0\.0\.1|::1)\s+localhost/.test(line))
      ? 0.4 + 0.5 * fraction
      : 0.45 * fraction;
  },
};
