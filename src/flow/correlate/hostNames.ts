import {
  isHeadless,
  isIPv4,
  namespaceOf,
  serviceDnsName,
  type ClusterModel,
  type Endpoint4,
  type Packet,
} from '../../model';

/**
 * tcpdump run without `-n` prints names for the addresses it could look up (`IP 10.244.0.170.41684 >
 * api.default.svc.cluster.local.http`). A flow compares addresses, so each name is read back as the
 * address it stands for, where the inputs say which one: a Service's or a pod's cluster DNS name
 * (the model's objects), CoreDNS's dashed pod form (`10-244-0-160.api.default.svc.cluster.local`),
 * an `/etc/hosts` line, or an nslookup/dig answer with one address. A name nothing maps is left as
 * printed.
 */
export interface HostNames {
  /** The address a printed name stands for, when exactly one is known. */
  addressOf(name: string): string | undefined;
  /** Every known name of these addresses (for filtering captures by address). */
  namesOf(addresses: ReadonlySet<string>): string[];
}

/** `10-244-0-160.api.default.svc.cluster.local`: CoreDNS's name for a pod address. */
const DASHED = /^(?<a>\d{1,3})-(?<b>\d{1,3})-(?<c>\d{1,3})-(?<d>\d{1,3})(?:\.|$)/;

export function hostNames(model: ClusterModel): HostNames {
  const table = new Map<string, string | null>();
  const put = (name: string, ip: string | undefined) => {
    if (!ip || ip === 'None' || !isIPv4(ip)) return;
    const key = name.replace(/\.$/, '').toLowerCase();
    const known = table.get(key);
    table.set(key, known === undefined || known === ip ? ip : null);
  };
  for (const entry of model.all('HostsEntry')) for (const name of entry.names) put(name, entry.ip);
  for (const lookup of model.all('DnsLookup')) {
    const addresses = lookup.answers.filter((dnsAnswer) => dnsAnswer.type === 'A').map((dnsAnswer) => dnsAnswer.data);
    if (new Set(addresses).size === 1) put(lookup.question.name, addresses[0]);
  }
  const addressOf = (name: string): string | undefined => {
    const key = name.replace(/\.$/, '').toLowerCase();
    const listed = table.get(key);
    if (listed !== undefined) return listed ?? undefined;
    const dashed = DASHED.exec(key)?.groups;
    if (dashed) {
      const ip = `${dashed.a}.${dashed.b}.${dashed.c}.${dashed.d}`;
      if (isIPv4(ip)) return ip;
    }
    const target = model.byDnsName(key);
    if (target?.pod?.ip) return target.pod.ip;
    if (target?.service && !isHeadless(target.service) && target.service.clusterIP) return target.service.clusterIP;
    return undefined;
  };
  return {
    addressOf,
    namesOf(addresses) {
      const names: string[] = [];
      for (const [name, ip] of table) if (ip && addresses.has(ip)) names.push(name);
      for (const svc of model.services)
        if (svc.clusterIP && addresses.has(svc.clusterIP) && !isHeadless(svc))
          names.push(serviceDnsName(svc.name, namespaceOf(svc), model.clusterDomain));
      return names;
    },
  };
}

/**
 * Digits and dots only: an address as `-n` prints it, never a name (names hold a letter or a dash).
 * A character scan: this runs for both ends of every packet a trace reads.
 */
function numeric(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code !== 46 && (code < 48 || code > 57)) return false;
  }
  return text.length > 0;
}

/** An endpoint printed as a name, read back as its address (the name kept beside it). */
function readBack(endpoint: Endpoint4 | undefined, names: HostNames): Endpoint4 | undefined {
  if (!endpoint || numeric(endpoint.ip) || endpoint.ip.includes(':')) return undefined;
  const ip = names.addressOf(endpoint.ip);
  return ip ? { ...endpoint, ip, name: endpoint.name ?? endpoint.ip } : undefined;
}

/** Gives a packet (and its VXLAN inner frame) the addresses behind the names tcpdump printed. */
export function readBackNames(packet: Packet, names: HostNames): void {
  readBackFrame(packet, names);
  if (packet.inner) readBackFrame(packet.inner, names);
}

function readBackFrame(frame: Packet, names: HostNames): void {
  const src = readBack(frame.src, names);
  if (src) frame.src = src;
  const dst = readBack(frame.dst, names);
  if (dst) frame.dst = dst;
}
