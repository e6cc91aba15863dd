import type { ClusterModel, NatRule } from '../../model';

/**
 * Service addresses that no Service object gives but the paste names: kube-proxy's
 * `KUBE-SERVICES` rule for a ClusterIP (`-d 10.96.45.7/32 … "shop/cart:http cluster IP"`), its
 * `KUBE-SEP-…` DNAT to an endpoint, and a DNS A answer for `<service>.<namespace>.svc.<domain>`.
 * Indexed once per model (hovers ask for every address on a line).
 */

export interface NamedServiceAddress {
  /** `namespace/name`. */
  service: string;
  /** The Service port name (`http`), when the rule's comment has one. */
  portName?: string;
  port?: number;
  protocol?: string;
  /** `rule`: a KUBE-SERVICES rule; `endpoint`: a KUBE-SEP DNAT; `dns`: an A answer. */
  by: 'rule' | 'endpoint' | 'dns';
  /** The chain (rules) or the name answered (DNS), for the sentence. */
  where: string;
}

const cache = new WeakMap<ClusterModel, Map<string, NamedServiceAddress[]>>();

const hostOf = (cidr: string | undefined): string | undefined =>
  cidr && (/^[\d.]+$/.test(cidr) ? cidr : /^(?<ip>[\d.]+)\/32$/.exec(cidr)?.groups?.ip);

/** `shop/cart:http` → Service `shop/cart`, port name `http`. */
function servicePort(spn: string | undefined): { service: string; portName?: string } | undefined {
  const match = spn ? /^(?<service>[^/\s]+\/[^:\s]+)(?::(?<port>\S+))?$/.exec(spn) : null;
  return match?.groups ? { service: match.groups.service, portName: match.groups.port } : undefined;
}

function fromRule(rule: NatRule): [string, NamedServiceAddress] | undefined {
  const meaning = rule.kubeProxy;
  const named = servicePort(meaning?.servicePortName);
  if (!meaning || !named) return undefined;
  if (meaning.role === 'service-portal' && !rule.destination?.negated) {
    const ip = hostOf(rule.destination?.cidr);
    const entry: NamedServiceAddress = { ...named, by: 'rule', where: rule.chain };
    if (rule.dport !== undefined) entry.port = rule.dport;
    if (rule.protocol) entry.protocol = rule.protocol.toUpperCase();
    return ip ? [ip, entry] : undefined;
  }
  if (meaning.role === 'endpoint-dnat' && rule.dnatTo) {
    const entry: NamedServiceAddress = { ...named, by: 'endpoint', where: rule.chain };
    if (rule.dnatTo.port !== undefined) entry.port = rule.dnatTo.port;
    return [rule.dnatTo.ip, entry];
  }
  return undefined;
}

function index(model: ClusterModel): Map<string, NamedServiceAddress[]> {
  const hit = cache.get(model);
  if (hit) return hit;
  const byIp = new Map<string, NamedServiceAddress[]>();
  const put = (ip: string, entry: NamedServiceAddress) => {
    const list = byIp.get(ip) ?? [];
    if (!list.some((known) => known.service === entry.service && known.by === entry.by && known.port === entry.port))
      list.push(entry);
    byIp.set(ip, list);
  };
  for (const rule of model.all('NatRule')) {
    const named = fromRule(rule);
    if (named) put(...named);
  }
  const domain = model.clusterDomain.toLowerCase().replace(/\./g, '\\.');
  const serviceName = new RegExp(`^(?<name>[a-z0-9-]+)\\.(?<namespace>[a-z0-9-]+)\\.svc\\.${domain}\\.?$`);
  for (const lookup of model.all('DnsLookup'))
    for (const answer of lookup.answers) {
      const match = answer.type === 'A' ? serviceName.exec(answer.name.toLowerCase()) : null;
      if (match?.groups)
        put(answer.data, {
          service: `${match.groups.namespace}/${match.groups.name}`,
          by: 'dns',
          where: answer.name.replace(/\.$/, ''),
        });
    }
  cache.set(model, byIp);
  return byIp;
}

/** What the paste says `ip` is, best first: a ClusterIP rule, a DNS answer, then an endpoint DNAT. */
export function namedServiceAddresses(model: ClusterModel, ip: string): NamedServiceAddress[] {
  const order = { rule: 0, dns: 1, endpoint: 2 };
  return [...(index(model).get(ip) ?? [])].sort((first, second) => order[first.by] - order[second.by]);
}
