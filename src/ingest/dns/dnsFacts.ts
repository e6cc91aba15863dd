/** Small builders shared by the nslookup, dig and host parsers. */
import { isIPv4, isIPv6, type ClusterDns, type DnsAnswer, type DnsLookup, type Evidence } from '../../model';

/** `kube-dns.kube-system.svc.<domain>` answering an IP proves the cluster domain and the DNS ClusterIP. */
export function clusterDnsFromAnswer(name: string, ip: string, evidence: Evidence): ClusterDns | undefined {
  const domain = /^kube-dns\.kube-system\.svc\.(?<domain>[a-z0-9.-]+?)\.?$/i.exec(name)?.groups?.domain;
  if (domain === undefined || !(isIPv4(ip) || isIPv6(ip))) return undefined;
  return { kind: 'ClusterDns', domain: domain.toLowerCase(), serviceIP: ip, evidence: [evidence] };
}

/** A or AAAA by the address family; undefined when `data` is not an address. */
export function addressType(data: string): 'A' | 'AAAA' | undefined {
  if (isIPv4(data)) return 'A';
  if (isIPv6(data)) return 'AAAA';
  return undefined;
}

/** `10.96.0.10#53`, `10.96.0.10:53`, `[fd00::10]:53`, `fd00::10#53` → address and port. */
export function splitServer(text: string): { ip: string; port?: number } {
  const trimmed = text.trim();
  const hash = trimmed.lastIndexOf('#');
  if (hash > 0 && /^\d{1,5}$/.test(trimmed.slice(hash + 1)))
    return { ip: trimmed.slice(0, hash), port: Number(trimmed.slice(hash + 1)) };
  const bracketed = /^\[(?<ip>[0-9a-fA-F:.]+)\]:(?<port>\d{1,5})$/.exec(trimmed)?.groups;
  if (bracketed) return { ip: bracketed.ip, port: Number(bracketed.port) };
  const colon = trimmed.lastIndexOf(':');
  if (colon > 0 && isIPv4(trimmed.slice(0, colon)) && /^\d{1,5}$/.test(trimmed.slice(colon + 1)))
    return { ip: trimmed.slice(0, colon), port: Number(trimmed.slice(colon + 1)) };
  return { ip: trimmed };
}

/** The question type a tool was asked for: `-type=SRV`, `-q=PTR`, `-t SRV`, dig's bare `SRV`, `-x`. */
export function questionTypeFromArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const type = /^-(?:type|query|querytype|q|t)=(?<type>\w+)$/i.exec(arg)?.groups?.type;
    if (type !== undefined) return type.toUpperCase();
    if ((arg === '-t' || arg === '-type' || arg === '-q') && args[i + 1]) return args[i + 1].toUpperCase();
    if (arg === '-x') return 'PTR';
  }
  return undefined;
}

export const DNS_TYPES = new Set([
  'A',
  'AAAA',
  'CNAME',
  'SRV',
  'PTR',
  'TXT',
  'NS',
  'SOA',
  'MX',
  'ANY',
  'CAA',
  'HTTPS',
  'SVCB',
  'DS',
  'DNSKEY',
  'OPT',
  'NAPTR',
]);

/** The first argument that is neither an option nor a server nor a type: the name asked. */
export function questionNameFromArgs(args: readonly string[], tool: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('+') || arg.startsWith('@')) continue;
    if (arg.startsWith('-')) {
      if (/^-(t|c|q|p|b|k|y|W|R|N|m|w|f|i|s|z)$/.test(arg) && tool !== 'nslookup') i++;
      else if (arg === '-x' && args[i + 1]) return reverseName(args[i + 1]);
      continue;
    }
    if (tool === 'dig' && ((DNS_TYPES.has(arg.toUpperCase()) && arg === arg.toUpperCase()) || arg === 'IN')) continue;
    return arg;
  }
  return undefined;
}

/** The `@server` (dig) or trailing server argument (nslookup NAME SERVER, host NAME SERVER). */
export function serverFromArgs(args: readonly string[], tool: string): string | undefined {
  const at = args.find((arg) => arg.startsWith('@'));
  if (at) return at.slice(1);
  if (tool === 'dig') return undefined;
  const plain = args.filter(
    (arg, i) => !arg.startsWith('-') && !(i > 0 && /^-(t|c|W|R|N|m|w)$/.test(args[i - 1]) && tool === 'host'),
  );
  return plain.length >= 2 ? plain[1] : undefined;
}

export interface NewLookup {
  tool: DnsLookup['tool'];
  name: string;
  type: string;
  evidence: Evidence[];
  client?: string;
}

export function newLookup({ tool, name, type, evidence, client }: NewLookup): DnsLookup {
  const dnsLookup: DnsLookup = { kind: 'DnsLookup', tool, question: { name, type }, answers: [], evidence };
  if (client) dnsLookup.client = client;
  return dnsLookup;
}

/** Adds an answer unless the same record is already there (busybox repeats per A/AAAA query). */
export function addAnswer(target: { answers: DnsAnswer[] }, dnsAnswer: DnsAnswer): void {
  // a set per lookup keeps this linear even for a name with thousands of answers
  let seen = answerKeys.get(target);
  if (!seen) {
    seen = new Set(target.answers.map(answerKey));
    answerKeys.set(target, seen);
  }
  const key = answerKey(dnsAnswer);
  if (seen.has(key)) return;
  seen.add(key);
  target.answers.push(dnsAnswer);
}

const answerKeys = new WeakMap<object, Set<string>>();
const answerKey = (dnsAnswer: DnsAnswer): string => `${dnsAnswer.name}\u0000${dnsAnswer.type}\u0000${dnsAnswer.data}`;

/** `10.103.129.86` → `86.129.103.10.in-addr.arpa` (the name `dig -x` asks); other text unchanged. */
function reverseName(ip: string): string {
  return isIPv4(ip) ? `${ip.split('.').reverse().join('.')}.in-addr.arpa` : ip;
}
