import type { Evidence } from './evidence';

/**
 * What a piece of evidence can prove (DESIGN.md, "Evidence semantics"). A role proves only what it
 * can: a `packet` line proves that a packet was seen at one point; a `rule`, `route`, `neighbour`,
 * `config` or `object` says a hop is set up to happen; `conntrack` says what the kernel tracked
 * (an `[UNREPLIED]` entry proves that no reply came); a `dns-answer` proves what a DNS server
 * answered to some query; a `server-log` that a server handled a request; `derived` is the
 * product's own reasoning and proves nothing.
 */
export type EvidenceRole =
  | 'packet'
  | 'rule'
  | 'route'
  | 'neighbour'
  | 'config'
  | 'object'
  | 'conntrack'
  | 'server-log'
  | 'dns-answer'
  | 'derived';

/** Evidence as a flow step carries it: with the role that says what it proves. */
export type RoledEvidence = Evidence & { role: EvidenceRole };

/** The role of each reader's output, by its format id (see src/ingest/types.ts FormatId). */
const ROLE_BY_FORMAT: Readonly<Record<string, EvidenceRole>> = {
  tcpdump: 'packet',
  'iptables-list': 'rule',
  'iptables-save': 'rule',
  nft: 'rule',
  ipvsadm: 'rule',
  nslookup: 'dns-answer',
  dig: 'dns-answer',
  host: 'dns-answer',
  'kubectl-table': 'object',
  'kubectl-json': 'object',
  'kubectl-yaml': 'object',
  'kubectl-describe': 'object',
  'kubectl-events': 'object',
  'kubectl-logs': 'server-log',
  'kube-proxy-log': 'server-log',
  'ip-link': 'config',
  'ip-addr': 'config',
  'ip-route': 'route',
  traceroute: 'route',
  'ip-neigh': 'neighbour',
  'bridge-fdb': 'neighbour',
  'resolv-conf': 'config',
  hosts: 'config',
  conntrack: 'conntrack',
  'flannel-subnet-env': 'config',
  manifest: 'object',
};

/** What `evidence` can prove, from where it came from and which reader produced it. */
export function evidenceRole(evidence: Evidence): EvidenceRole {
  if (evidence.source === 'derived') return 'derived';
  if (evidence.source === 'manifest' || evidence.source === 'cluster') return 'object';
  const byFormat = evidence.format !== undefined ? ROLE_BY_FORMAT[evidence.format] : undefined;
  return byFormat ?? 'config';
}

/** Evidence with its role attached (a copy; the model's evidence objects stay as they are). */
export function withRole(evidence: Evidence): RoledEvidence {
  return { ...evidence, role: evidenceRole(evidence) };
}

/**
 * What a flow step's evidence proves about it (DESIGN.md, "Evidence semantics"):
 * - `observed`: a capture line of this connection at this point;
 * - `configured`: rules, routes, neighbour entries or objects say the hop happens, no packet of the
 *   connection was captured there;
 * - `predicted`: derived from defaults and upstream behaviour, nothing pasted shows it;
 * - `missing`: a capture covers this point while the connection ran and its packet is not in it;
 * - `contradicted`: a capture shows something else here (an RST, an un-NATed reply, an ICMP error).
 */
export type StepStatus = 'observed' | 'configured' | 'predicted' | 'missing' | 'contradicted';

/** Every status, strongest proof first. */
export const STEP_STATUSES: readonly StepStatus[] = ['observed', 'configured', 'predicted', 'missing', 'contradicted'];
