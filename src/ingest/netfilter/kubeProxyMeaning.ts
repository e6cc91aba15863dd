import type { KubeProxyMeaning } from '../../model';

/**
 * What a netfilter rule means to kube-proxy, read from its chain, target and
 * comment, the way upstream writes them (pkg/proxy/iptables/proxier.go):
 *   KUBE-SERVICES  "ns/svc:port cluster IP"        → KUBE-SVC-…   service-portal
 *   KUBE-SERVICES  "ns/svc:port external IP"       → KUBE-EXT-…   external-portal
 *   KUBE-NODEPORTS "ns/svc:port"                   → KUBE-EXT-…   external-portal
 *   KUBE-SVC-…     "ns/svc:port -> 10.244.0.105:53" → KUBE-SEP-…  endpoint-choice
 *   KUBE-SEP-…     "ns/svc:port"                   → DNAT         endpoint-dnat
 *   any            …                               → KUBE-MARK-MASQ masquerade-mark
 *   KUBE-SERVICES  "kubernetes service nodeports; NOTE: …" → KUBE-NODEPORTS
 *   filter KUBE-SERVICES "ns/svc:port has no endpoints" → REJECT  no-endpoints
 */

const IPV4_CIDR_START = /^\d{1,3}(?:\.\d{1,3}){3}\//;
// Namespace and Service names are DNS labels; the port name follows `:` (maybe empty in old versions).
const SERVICE_PORT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[-a-z0-9]*)?$/;

/** `ns/svc:port` from a kube-proxy comment, or undefined. */
function servicePortNameInComment(comment: string | undefined): string | undefined {
  if (!comment) return undefined;
  // Usually the first word (`ns/svc:port cluster IP`); scan words without splitting the whole comment.
  let start = 0;
  const length = comment.length;
  while (start < length) {
    let end = start;
    while (end < length && comment[end] !== ' ' && comment[end] !== '\t') end++;
    if (end > start && end - start <= 300) {
      const slash = comment.indexOf('/', start);
      if (slash > start && slash < end) {
        const word = comment.slice(start, end);
        if (!IPV4_CIDR_START.test(word) && SERVICE_PORT_NAME.test(word))
          return word.endsWith(':') ? word.slice(0, -1) : word;
      }
    }
    start = end + 1;
  }
  return undefined;
}

/** `ip:port` after `->` in an endpoint comment. */
function endpointInComment(comment: string | undefined): string | undefined {
  if (!comment) return undefined;
  const at = comment.indexOf('-> ');
  if (at < 0) return undefined;
  const word = comment
    .slice(at + 3)
    .trim()
    .split(/\s+/)[0];
  return /^(\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.test(word) ? word : undefined;
}

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-/;

/** True for chains kube-proxy owns. */
function isKubeProxyChain(name: string): boolean {
  return name.startsWith('KUBE-');
}

export interface RuleForMeaning {
  chain: string;
  target: string;
  comment?: string;
  dnatTo?: { ip: string; port?: number };
}

/** The kube-proxy meaning of a rule, or undefined when nothing about it is kube-proxy's. */
export function decodeKubeProxyMeaning(rule: RuleForMeaning): KubeProxyMeaning | undefined {
  const spn = servicePortNameInComment(rule.comment);
  const comment = rule.comment ?? '';
  const kubeish =
    isKubeProxyChain(rule.chain) ||
    isKubeProxyChain(rule.target) ||
    spn !== undefined ||
    comment.startsWith('kubernetes ');
  if (!kubeish) return undefined;
  const meaning = (role: KubeProxyMeaning['role'], extra: Partial<KubeProxyMeaning> = {}): KubeProxyMeaning => {
    const result: KubeProxyMeaning = { role };
    if (spn) result.servicePortName = spn;
    return Object.assign(result, extra);
  };
  const target = rule.target;
  if (target === 'KUBE-MARK-MASQ') return meaning('masquerade-mark');
  if (target === 'MASQUERADE') return meaning('masquerade');
  if (target === 'KUBE-NODEPORTS') return meaning('nodeports');
  if (target === 'DNAT' && rule.dnatTo) {
    const ep =
      rule.dnatTo.port !== undefined
        ? rule.dnatTo.ip.includes(':')
          ? `[${rule.dnatTo.ip}]:${rule.dnatTo.port}`
          : `${rule.dnatTo.ip}:${rule.dnatTo.port}`
        : rule.dnatTo.ip;
    return meaning('endpoint-dnat', { endpoint: ep });
  }
  if (target.startsWith('KUBE-SEP-')) {
    const endpoint = endpointInComment(rule.comment);
    return meaning('endpoint-choice', endpoint ? { endpoint } : {});
  }
  if (
    (target === 'REJECT' || target === 'DROP' || target === 'KUBE-MARK-DROP') &&
    /has no (local )?endpoints/.test(comment)
  ) {
    return meaning('no-endpoints');
  }
  if (SERVICE_CHAIN.test(target)) {
    if (/ cluster IP$/.test(comment)) return meaning('service-portal');
    if (
      rule.chain === 'KUBE-NODEPORTS' ||
      / (external|loadbalancer) IP$/.test(comment) ||
      rule.chain.startsWith('KUBE-FW-')
    )
      return meaning('external-portal');
  }
  return meaning('other');
}
