import type { ClusterModel, Endpoint4, Packet, Pod, Service } from '../../model';
import { describeEvidence } from '../../model';
import type { LineIndex } from './captureIndex.pure';

/**
 * What one tcpdump line means, as plain sentences (no `vscode`, no markup: the provider
 * escapes them): interfaces, direction letters, addresses, ports, TCP flags, DNS, ARP and
 * where the same packet shows up again (after DNAT, on another interface).
 */

const ns = (o: { namespace?: string }) => o.namespace ?? 'default';
const MAX_SIGHTINGS = 6;

const DIRECTIONS: Record<string, string> = {
  P: 'P (PACKET_OTHERHOST): the frame was seen on this port but is addressed to another host. On a pod\'s host-side veth this means the pod sent it (towards the bridge).',
  Out: 'Out: this host sent the frame out of this interface (on a veth: delivered into the pod).',
  In: 'In: this host received the frame on this interface, addressed to it.',
  B: 'B: broadcast frame (e.g. an ARP request) received on this interface.',
  M: 'M: multicast frame received on this interface.',
};

const FLAG_WORDS: Record<string, string> = { S: 'SYN', '.': 'ACK', P: 'PSH', F: 'FIN', R: 'RST', U: 'URG', E: 'ECE', W: 'CWR' };

/** `S.` → `SYN + ACK`. */
export function tcpFlagWords(flags: string): string {
  const words = [...flags].map((c) => FLAG_WORDS[c] ?? c);
  const what = flags === 'S' ? ' (opens a connection)' : flags === 'S.' ? ' (the server accepts)' : flags.includes('R') ? ' (connection reset)' : flags.includes('F') ? ' (closes its side)' : '';
  return `${words.join(' + ')}${what}`;
}

function podLabel(p: Pod): string {
  return `pod ${ns(p)}/${p.name}${p.nodeName ? ` on ${p.nodeName}` : ''}`;
}

function isCoreDns(model: ClusterModel, p?: Pod, s?: Service): boolean {
  if (s) return s.name === 'kube-dns' || (!!model.kubeDnsIP && s.clusterIP === model.kubeDnsIP);
  return !!p && (p.labels?.['k8s-app'] === 'kube-dns' || /^coredns-/.test(p.name));
}

/** `a-app.default.svc.cluster.local.default.svc.cluster.local.` → typed `a-app.default.svc.cluster.local` + suffix `default.svc.cluster.local`. */
export function searchListTry(qname: string, domain: string): { typed: string; suffix: string } | undefined {
  const name = qname.replace(/\.$/, '').toLowerCase();
  const marker = `.${domain.toLowerCase()}.`;
  const at = name.indexOf(marker);
  if (at < 0) return undefined;
  const typed = name.slice(0, at + marker.length - 1);
  const suffix = name.slice(at + marker.length);
  return suffix === domain.toLowerCase() || suffix.endsWith(`.${domain.toLowerCase()}`) ? { typed, suffix } : undefined;
}

/** Who an address is, by the model. */
export function describeAddress(model: ClusterModel, ip: string): string | undefined {
  const owners = model.byIp(ip);
  for (const o of owners) {
    if (o.role === 'pod') return `${podLabel(o.pod)}${isCoreDns(model, o.pod) ? ' (CoreDNS)' : ''}`;
    if (o.role === 'service') return `Service ${ns(o.service)}/${o.service.name} (ClusterIP; kube-proxy DNATs it to a pod)${isCoreDns(model, undefined, o.service) ? ', the cluster DNS (CoreDNS)' : ''}`;
    if (o.role === 'node') return `node ${o.node.name}`;
  }
  const ep = owners.find((o) => o.role === 'endpoint');
  if (ep?.role === 'endpoint') return `endpoint of Service ${ns(ep.slice)}/${ep.slice.serviceName ?? ep.slice.name}${ep.endpoint.targetRef ? ` (pod ${ep.endpoint.targetRef.name})` : ''}`;
  const iface = owners.find((o) => o.role === 'interface');
  if (iface?.role === 'interface') return `address of interface ${iface.iface.name}${iface.iface.host ? ` on ${iface.iface.host}` : ''}`;
  if (ip.endsWith('.1') && model.all('Cni').some((c) => c.subnet?.startsWith(ip.slice(0, -1)))) return 'the cni0 bridge (pod gateway)';
  return undefined;
}

/** What a port means on an address: a Service port, or the targetPort of a Service selecting that pod. */
export function describePort(model: ClusterModel, ep: Endpoint4, protocol: string): string | undefined {
  if (ep.port === undefined) return undefined;
  const proto = protocol.toUpperCase();
  for (const o of model.byIp(ep.ip)) {
    if (o.role === 'service') {
      const sp = o.service.ports.find((p) => p.port === ep.port && p.protocol === proto);
      if (sp) return `port ${ep.port}/${proto} of Service ${o.service.name}${sp.name ? ` (${sp.name})` : ''} → targetPort ${sp.targetPort ?? ep.port}`;
    }
    if (o.role === 'pod') {
      for (const s of model.services) {
        if (!model.podsSelectedBy(s).includes(o.pod)) continue;
        const sp = s.ports.find((p) => p.protocol === proto && (p.targetPort === ep.port || (p.targetPort === undefined && p.port === ep.port)
          || (typeof p.targetPort === 'string' && o.pod.containers?.some((c) => c.ports.some((cp) => cp.name === p.targetPort && cp.containerPort === ep.port)))));
        if (sp) return `port ${ep.port}/${proto} on pod ${o.pod.name}: targetPort of Service ${s.name} port ${sp.port}`;
      }
    }
  }
  return undefined;
}

/** The role of a capture interface. */
export function describeInterface(model: ClusterModel, index: LineIndex, name: string): string {
  const hi = model.all('HostInterface').find((i) => i.name === name);
  if (name === 'cni0' || hi?.type === 'bridge') return `${name}: the bridge cni0 joining the pods of this node (their gateway)`;
  if (/^flannel\./.test(name) || hi?.type === 'vxlan') return `${name}: Flannel's VXLAN device (encapsulates pod traffic to other nodes over UDP 8472)`;
  if (/^veth/.test(name) || hi?.type === 'veth') {
    for (const [ip, own] of index.veths) {
      if (own.iface !== name) continue;
      const pod = model.byIp(ip).find((o) => o.role === 'pod');
      const who = pod?.role === 'pod' ? `${podLabel(pod.pod)} (${ip})` : `the pod with IP ${ip}`;
      return `${name}: host side of the veth pair of ${who}, known from ${own.how.join(', ')}${own.evidence[0] ? ` (${describeEvidence(own.evidence[0])})` : ''}`;
    }
    return `${name}: host side of a pod's veth pair (which pod is not known yet)`;
  }
  if (name === 'lo') return 'lo: loopback';
  if (name === 'any') return 'any: all interfaces (LINUX_SLL2 capture)';
  if (/^(eth|ens|enp|eno|bond|wl)/.test(name)) return `${name}: the node's underlay NIC (or a pod's own eth0 when captured inside the pod)`;
  return `${name}: interface`;
}

/** Plain-text sentences for one packet. */
export function annotatePacket(model: ClusterModel, index: LineIndex, p: Packet): string[] {
  const out: string[] = [];
  if (p.interface) out.push(`Interface ${describeInterface(model, index, p.interface)}`);
  if (p.direction && DIRECTIONS[p.direction]) out.push(`Direction ${DIRECTIONS[p.direction]}`);
  for (const [role, ep] of [['From', p.src], ['To', p.dst]] as const) {
    if (!ep) continue;
    const veth = index.veths.get(ep.ip);
    // No pod known for the address: the capture itself may show which veth it lives behind.
    const who = describeAddress(model, ep.ip) ?? (veth ? `a pod whose host-side veth is ${veth.iface} (by this capture)` : undefined);
    const port = describePort(model, ep, p.protocol);
    out.push(`${role} ${ep.ip}${ep.port !== undefined ? `:${ep.port}` : ''}${who ? `: ${who}` : ''}${port ? `; ${port}` : ''}`);
  }
  if (p.tcp) out.push(`TCP flags [${p.tcp.flags}]: ${tcpFlagWords(p.tcp.flags)}`);
  if (p.dns) {
    const d = p.dns;
    const target = d.qname ? model.byDnsName(d.qname) : undefined;
    const names = target?.service ? ` (Service ${target.service.name}${target.pod ? `, pod ${target.pod.name}` : ''})` : '';
    if (!d.response) {
      out.push(`DNS query #${d.id}: ${d.qtype ?? '?'} ${d.qname ?? '?'}${names}${p.dst ? ` asked to ${p.dst.ip}` : ''}`);
      const tried = d.qname ? searchListTry(d.qname, model.clusterDomain) : undefined;
      if (tried) out.push(`Search list: the resolver appended '${tried.suffix}' to '${tried.typed}' (a name with fewer dots than ndots is tried with each search domain first); this name cannot exist, expect NXDomain`);
    }
    else {
      const answers = (d.answers ?? []).map((a) => `${a.type} ${a.data}`).join(', ');
      out.push(`DNS answer #${d.id}${d.rcode ? ` ${d.rcode}` : ''}${d.qname ? ` for ${d.qtype ?? ''} ${d.qname}` : ''}${names}: ${answers || 'no records'}${d.rcode === 'NXDomain' ? ' (the name does not exist; with a search list the resolver tries the next suffix)' : ''}`);
      for (const a of d.answers ?? []) {
        if (a.type !== 'A' && a.type !== 'AAAA') continue;
        const who = describeAddress(model, a.data);
        if (who) out.push(`  ${a.data} is ${who}`);
      }
    }
  }
  if (p.arp) {
    const a = p.arp;
    if (a.op === 'request') out.push(`ARP request: ${a.senderIp ?? '?'} asks who has ${a.targetIp ?? '?'} (it needs that address's MAC on this L2 segment before sending)`);
    else if (a.op === 'reply') out.push(`ARP reply: ${a.targetIp ?? a.senderIp ?? '?'} is at ${a.mac ?? '?'}`);
  }
  if (p.vni !== undefined) out.push(`VXLAN VNI ${p.vni}: an encapsulated pod packet between nodes`);
  const g = index.groupOf.get(p);
  if (g && g.packets.length > 1) {
    // A flooded frame is seen on dozens of veths: name a few, count the rest.
    const others = g.packets.filter((o) => o !== p);
    for (const other of others.slice(0, MAX_SIGHTINGS)) {
      out.push(`Same packet as line ${other.evidence[0]?.line ?? '?'} on ${other.interface ?? '?'}${other.direction ? ` (${other.direction})` : ''}`);
    }
    if (others.length > MAX_SIGHTINGS) out.push(`… and on ${others.length - MAX_SIGHTINGS} more interfaces${index.corr.floodOf.has(p) ? ' (the bridge flooded it: it did not know the destination MAC yet)' : ''}`);
  }
  const nat = index.natOf.get(p);
  if (nat) {
    const other = nat.before === p ? nat.after : nat.before;
    const line = other.evidence[0]?.line ?? '?';
    if (nat.direction === 'forward') out.push(nat.before === p
      ? `Same packet as line ${line} on ${other.interface ?? '?'} (after DNAT to ${nat.translated})`
      : `Same packet as line ${line} on ${other.interface ?? '?'} (before DNAT: sent to ${nat.original})`);
    else out.push(`Same reply as line ${line} on ${other.interface ?? '?'} (conntrack un-DNAT: ${nat.translated} ↔ ${nat.original})`);
  }
  return out;
}
