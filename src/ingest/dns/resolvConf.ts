/**
 * `/etc/resolv.conf` (a pod's, as kubelet writes it for dnsPolicy ClusterFirst):
 * `search`, `nameserver`, `options ndots:5 …`, `domain`, comments. A ClusterFirst
 * search list (`<ns>.svc.<domain> svc.<domain> <domain>`) also reveals the cluster
 * domain and, through the nameserver, the kube-dns ClusterIP.
 */
import {
  derivedEvidence,
  isIPv4,
  isIPv6,
  type ClusterDns,
  type DnsConfig,
  type Evidence,
  type Fact,
  type Unparsed,
} from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, splitBeforeTokens, totalParse, unparsedLine } from './lines';
import { isKubectlChatter, parseToolCommand } from './commandLine';

const FORMAT = 'resolv-conf';
const KEYWORDS = new Set(['search', 'nameserver', 'options', 'domain', 'sortlist']);

/** Cuts a flattened resolv.conf before each keyword (`search … nameserver 10.96.0.10 options ndots:5`). */
export function unflattenResolvConf(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (tokens, index) => KEYWORDS.has(tokens[index].text) && index + 1 < tokens.length);
}

/**
 * The cluster domain a ClusterFirst search list implies: `default.svc.cluster.local
 * svc.cluster.local cluster.local` → `cluster.local` (namespace `default`).
 */
export function clusterDomainFromSearch(search: readonly string[]): { domain: string; namespace: string } | undefined {
  for (let i = 0; i + 2 < search.length; i++) {
    const match = /^(?<namespace>[a-z0-9-]+)\.svc\.(?<domain>.+)$/.exec(search[i])?.groups;
    if (match && search[i + 1] === `svc.${match.domain}` && search[i + 2] === match.domain)
      return { namespace: match.namespace, domain: match.domain };
  }
  return undefined;
}

export function parseResolvConf(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const unparsed: Unparsed[] = [];
    const cfg: DnsConfig = { kind: 'DnsConfig', nameservers: [], search: [], options: [], evidence: [] };
    if (cmd.client) cfg.owner = cmd.client;
    let searchEv: Evidence | undefined;
    let nsEv: Evidence | undefined;
    for (const logicalLine of logicalLines(input, unflattenResolvConf)) {
      const text = logicalLine.text.trim();
      if (text === '' || text.startsWith('#') || text.startsWith(';')) continue;
      const words = text.split(/\s+/);
      const [key, ...rest] = words;
      const ev = lineEvidence(input.uri, logicalLine, FORMAT);
      switch (key) {
        case 'nameserver':
          if (rest.length === 1 && (isIPv4(rest[0]) || isIPv6(rest[0].replace(/%.*$/, '')))) {
            cfg.nameservers.push(rest[0]);
            cfg.evidence.push(ev);
            nsEv ??= ev;
          } else unparsed.push(unparsedLine(logicalLine, 'nameserver without one IP address'));
          break;
        case 'search':
        case 'domain':
          // the last search/domain line wins, as in glibc and musl
          cfg.search = rest.filter((word) => !word.startsWith('#') && !word.startsWith(';'));
          cfg.evidence.push(ev);
          searchEv = ev;
          break;
        case 'options':
          for (const option of rest) {
            cfg.options.push(option);
            const ndots = /^ndots:(?<ndots>\d+)$/.exec(option)?.groups?.ndots;
            if (ndots !== undefined) cfg.ndots = Math.min(Number(ndots), 15);
          }
          cfg.evidence.push(ev);
          break;
        case 'sortlist':
          cfg.evidence.push(ev);
          break;
        default:
          if (!isKubectlChatter(text)) unparsed.push(unparsedLine(logicalLine, 'not a resolv.conf directive'));
      }
    }
    const facts: Fact[] = [];
    if (cfg.evidence.length === 0) return { format: FORMAT, facts, records: 0, unparsed };
    facts.push(cfg);
    const cd = clusterDomainFromSearch(cfg.search);
    if (cd && searchEv) {
      const dns: ClusterDns = { kind: 'ClusterDns', domain: cd.domain, evidence: [searchEv] };
      if (cfg.nameservers.length > 0 && nsEv) {
        // kubelet writes the kube-dns ClusterIP (clusterDNS) as the nameserver of ClusterFirst pods
        dns.serviceIP = cfg.nameservers[0];
        dns.evidence.push(
          nsEv,
          derivedEvidence(
            'kubelet writes the cluster DNS Service IP as the first nameserver of a ClusterFirst pod whose search ' +
              'list is <ns>.svc.<domain> svc.<domain> <domain>',
          ),
        );
      }
      facts.push(dns);
    }
    return { format: FORMAT, facts, records: 1, unparsed };
  });
}

export const resolvConfFormat: FormatSpec = {
  id: FORMAT,
  tools: ['cat'],
  parse: parseResolvConf,
  unflatten: unflattenResolvConf,
  commands: [/^(.*\s--\s+)?cat\s[^|]*\bresolv\.conf\b/],
  sniff(lines) {
    const fraction = fractionMatching(lines, (line) =>
      /^\s*(nameserver\s+[0-9a-fA-F.:]+|search\s+\S|options\s+\S|domain\s+\S|#)/.test(line),
    );
    return lines.some((line) => /^\s*nameserver\s/.test(line)) ? 0.3 + 0.65 * fraction : 0.3 * fraction;
  },
};
