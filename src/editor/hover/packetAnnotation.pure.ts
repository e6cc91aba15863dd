import * as l10n from '@vscode/l10n';
import type { ClusterModel, Endpoint4, Packet, Pod, Service } from '../../model';
import { namespaceOf, describeEvidence } from '../../model';
import type { LineIndex } from './captureIndex.pure';
import type { Conversation } from './conversation.pure';
import { namedServiceAddresses } from './namedAddresses.pure';

/**
 * What one tcpdump line means, as plain sentences (no `vscode`, no markup: the provider
 * escapes them): interfaces, direction letters, addresses, ports, TCP flags, DNS, ARP and
 * where the same packet shows up again (after DNAT, on another interface).
 */

const MAX_SIGHTINGS = 6;

// Functions, not strings: they are translated when called, after activate() loaded the bundle.
const DIRECTIONS: Record<string, () => string> = {
  P: () =>
    l10n.t(
      "P (PACKET_OTHERHOST): the frame was seen on this port but is addressed to another host. On a pod's host-side veth this means the pod sent it (towards the bridge).",
    ),
  Out: () => l10n.t('Out: this host sent the frame out of this interface (on a veth: delivered into the pod).'),
  In: () => l10n.t('In: this host received the frame on this interface, addressed to it.'),
  B: () => l10n.t('B: broadcast frame (e.g. an ARP request) received on this interface.'),
  M: () => l10n.t('M: multicast frame received on this interface.'),
};

const FLAG_WORDS: Record<string, string> = {
  S: 'SYN',
  '.': 'ACK',
  P: 'PSH',
  F: 'FIN',
  R: 'RST',
  U: 'URG',
  E: 'ECE',
  W: 'CWR',
};

/** `S.` → `SYN + ACK`. */
export function tcpFlagWords(flags: string): string {
  const words = [...flags].map((flag) => FLAG_WORDS[flag] ?? flag).join(' + ');
  if (flags === 'S') return l10n.t('{0} (opens a connection)', words);
  if (flags === 'S.') return l10n.t('{0} (the server accepts)', words);
  if (flags.includes('R')) return l10n.t('{0} (connection reset)', words);
  if (flags.includes('F')) return l10n.t('{0} (closes its side)', words);
  return words;
}

function podLabel(pod: Pod): string {
  return pod.nodeName
    ? l10n.t('pod {0}/{1} on {2}', namespaceOf(pod), pod.name, pod.nodeName)
    : l10n.t('pod {0}/{1}', namespaceOf(pod), pod.name);
}

function isCoreDns(model: ClusterModel, pod?: Pod, service?: Service): boolean {
  if (service) return service.name === 'kube-dns' || (!!model.kubeDnsIP && service.clusterIP === model.kubeDnsIP);
  return !!pod && (pod.labels?.['k8s-app'] === 'kube-dns' || /^coredns-/.test(pod.name));
}

/**
 * `a-app.default.svc.cluster.local.default.svc.cluster.local.` → typed
 * `a-app.default.svc.cluster.local` + suffix `default.svc.cluster.local`.
 */
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
  for (const owner of owners) {
    if (owner.role === 'pod')
      return isCoreDns(model, owner.pod) ? l10n.t('{0} (CoreDNS)', podLabel(owner.pod)) : podLabel(owner.pod);
    if (owner.role === 'service') {
      return isCoreDns(model, undefined, owner.service)
        ? l10n.t(
            'Service {0}/{1} (ClusterIP; kube-proxy DNATs it to a pod), the cluster DNS (CoreDNS)',
            namespaceOf(owner.service),
            owner.service.name,
          )
        : l10n.t(
            'Service {0}/{1} (ClusterIP; kube-proxy DNATs it to a pod)',
            namespaceOf(owner.service),
            owner.service.name,
          );
    }
    if (owner.role === 'node') return l10n.t('node {0}', owner.node.name);
  }
  // No Service object has the address: the pasted rules or DNS answers may name it.
  const named = namedServiceAddresses(model, ip)[0];
  if (named?.by === 'rule')
    return l10n.t("Service {0} (ClusterIP, named by kube-proxy's rule in {1})", named.service, named.where);
  if (named?.by === 'dns')
    return l10n.t('Service {0} (ClusterIP, named by a DNS answer for {1})', named.service, named.where);
  const ep = owners.find((owner) => owner.role === 'endpoint');
  if (ep?.role === 'endpoint') {
    const svc = ep.slice.serviceName ?? ep.slice.name;
    return ep.endpoint.targetRef
      ? l10n.t('endpoint of Service {0}/{1} (pod {2})', namespaceOf(ep.slice), svc, ep.endpoint.targetRef.name)
      : l10n.t('endpoint of Service {0}/{1}', namespaceOf(ep.slice), svc);
  }
  if (named?.by === 'endpoint')
    return l10n.t(
      "endpoint of Service {0} (kube-proxy's rule in {1} DNATs to it)",
      named.portName ? `${named.service}:${named.portName}` : named.service,
      named.where,
    );
  const iface = owners.find((owner) => owner.role === 'interface');
  if (iface?.role === 'interface') {
    return iface.iface.host
      ? l10n.t('address of interface {0} on {1}', iface.iface.name, iface.iface.host)
      : l10n.t('address of interface {0}', iface.iface.name);
  }
  if (ip.endsWith('.1') && model.all('Cni').some((cni) => cni.subnet?.startsWith(ip.slice(0, -1))))
    return l10n.t('the cni0 bridge (pod gateway)');
  return undefined;
}

/** What a port means on an address: a Service port, or the targetPort of a Service selecting that pod. */
export function describePort(model: ClusterModel, ep: Endpoint4, protocol: string): string | undefined {
  if (ep.port === undefined) return undefined;
  const proto = protocol.toUpperCase();
  for (const owner of model.byIp(ep.ip)) {
    if (owner.role === 'service') {
      const sp = owner.service.ports.find((port) => port.port === ep.port && port.protocol === proto);
      if (sp) {
        return sp.name
          ? l10n.t(
              'port {0}/{1} of Service {2} ({3}) → targetPort {4}',
              ep.port,
              proto,
              owner.service.name,
              sp.name,
              sp.targetPort ?? ep.port,
            )
          : l10n.t(
              'port {0}/{1} of Service {2} → targetPort {3}',
              ep.port,
              proto,
              owner.service.name,
              sp.targetPort ?? ep.port,
            );
      }
    }
    if (owner.role === 'pod') {
      for (const service of model.services) {
        if (!model.podsSelectedBy(service).includes(owner.pod)) continue;
        const sp = service.ports.find(
          (port) =>
            port.protocol === proto &&
            (port.targetPort === ep.port ||
              (port.targetPort === undefined && port.port === ep.port) ||
              (typeof port.targetPort === 'string' &&
                owner.pod.containers?.some((container) =>
                  container.ports.some((cp) => cp.name === port.targetPort && cp.containerPort === ep.port),
                ))),
        );
        if (sp)
          return l10n.t(
            'port {0}/{1} on pod {2}: targetPort of Service {3} port {4}',
            ep.port,
            proto,
            owner.pod.name,
            service.name,
            sp.port,
          );
      }
    }
  }
  const ruled = namedServiceAddresses(model, ep.ip).find(
    (named) =>
      named.by === 'rule' && named.port === ep.port && (named.protocol === undefined || named.protocol === proto),
  );
  if (ruled)
    return ruled.portName
      ? l10n.t('port {0}/{1} of Service {2} ({3})', ep.port, proto, ruled.service, ruled.portName)
      : l10n.t('port {0}/{1} of Service {2}', ep.port, proto, ruled.service);
  return undefined;
}

/** The role of a capture interface; `conv` is the correlation around the packet seen on it. */
export function describeInterface(model: ClusterModel, conv: Pick<Conversation, 'veths'>, name: string): string {
  const hi = model.all('HostInterface').find((hostInterface) => hostInterface.name === name);
  if (name === 'cni0' || hi?.type === 'bridge')
    return l10n.t('{0}: the bridge cni0 joining the pods of this node (their gateway)', name);
  if (/^flannel\./.test(name) || hi?.type === 'vxlan')
    return l10n.t("{0}: Flannel's VXLAN device (encapsulates pod traffic to other nodes over UDP 8472)", name);
  if (/^veth/.test(name) || hi?.type === 'veth') {
    for (const [ip, own] of conv.veths) {
      if (own.iface !== name) continue;
      const pod = model.byIp(ip).find((owner) => owner.role === 'pod');
      const who = pod?.role === 'pod' ? `${podLabel(pod.pod)} (${ip})` : l10n.t('the pod with IP {0}', ip);
      return own.evidence[0]
        ? l10n.t(
            '{0}: host side of the veth pair of {1}, known from {2} ({3})',
            name,
            who,
            own.how.join(', '),
            describeEvidence(own.evidence[0]),
          )
        : l10n.t('{0}: host side of the veth pair of {1}, known from {2}', name, who, own.how.join(', '));
    }
    return l10n.t("{0}: host side of a pod's veth pair (which pod is not known yet)", name);
  }
  if (name === 'lo') return l10n.t('lo: loopback');
  if (name === 'any') return l10n.t('any: all interfaces (LINUX_SLL2 capture)');
  if (/^(eth|ens|enp|eno|bond|wl)/.test(name))
    return l10n.t("{0}: the node's underlay NIC (or a pod's own eth0 when captured inside the pod)", name);
  return l10n.t('{0}: interface', name);
}

/** Plain-text sentences for one packet. */
export function annotatePacket(model: ClusterModel, index: LineIndex, packet: Packet): string[] {
  const out: string[] = [];
  // Only the packets sharing this packet's addresses are correlated (built on the first hover of them).
  const conv = index.around(packet);
  if (packet.interface) out.push(l10n.t('Interface {0}', describeInterface(model, conv, packet.interface)));
  if (packet.direction && DIRECTIONS[packet.direction])
    out.push(l10n.t('Direction {0}', DIRECTIONS[packet.direction]()));
  for (const [role, ep] of [
    ['from', packet.src],
    ['to', packet.dst],
  ] as const) {
    if (!ep) continue;
    const veth = conv.veths.get(ep.ip);
    // No pod known for the address: the capture itself may show which veth it lives behind.
    const who =
      describeAddress(model, ep.ip) ??
      (veth ? l10n.t('a pod whose host-side veth is {0} (by this capture)', veth.iface) : undefined);
    const port = describePort(model, ep, packet.protocol);
    const address = `${ep.ip}${ep.port !== undefined ? `:${ep.port}` : ''}`;
    const what = `${address}${who ? `: ${who}` : ''}${port ? `; ${port}` : ''}`;
    out.push(role === 'from' ? l10n.t('From {0}', what) : l10n.t('To {0}', what));
  }
  if (packet.tcp) out.push(l10n.t('TCP flags [{0}]: {1}', packet.tcp.flags, tcpFlagWords(packet.tcp.flags)));
  if (packet.dns) {
    const dns = packet.dns;
    // without -vv an answer does not print its question: its query in this capture tells it
    const asked = dns.response && !dns.qname ? conv.dnsQuestion(packet) : undefined;
    const qname = dns.qname ?? asked?.name;
    const target = qname ? model.byDnsName(qname) : undefined;
    const names = target?.service
      ? ` (${
          target.pod
            ? l10n.t('Service {0}, pod {1}', target.service.name, target.pod.name)
            : l10n.t('Service {0}', target.service.name)
        })`
      : '';
    if (!dns.response) {
      out.push(
        packet.dst
          ? l10n.t(
              'DNS query #{0}: {1} {2}{3} asked to {4}',
              dns.id,
              dns.qtype ?? '?',
              dns.qname ?? '?',
              names,
              packet.dst.ip,
            )
          : l10n.t('DNS query #{0}: {1} {2}{3}', dns.id, dns.qtype ?? '?', dns.qname ?? '?', names),
      );
      const tried = dns.qname ? searchListTry(dns.qname, model.clusterDomain) : undefined;
      if (tried)
        out.push(
          l10n.t(
            "Search list: the resolver appended '{0}' to '{1}' (a name with fewer dots than ndots is tried with each search domain first); this name cannot exist, expect NXDomain",
            tried.suffix,
            tried.typed,
          ),
        );
    } else {
      const answers = (dns.answers ?? []).map((answer) => `${answer.type} ${answer.data}`).join(', ');
      const id = `#${dns.id}${dns.rcode ? ` ${dns.rcode}` : ''}`;
      const about = dns.qname
        ? l10n.t('DNS answer {0} for {1} {2}', id, dns.qtype ?? '', dns.qname)
        : asked
          ? l10n.t(
              'DNS answer {0} for {1} {2} (the question of query #{3} from {4})',
              id,
              asked.type ?? '',
              asked.name,
              dns.id,
              packet.dst ? `${packet.dst.ip}:${packet.dst.port ?? ''}` : '?',
            )
          : l10n.t('DNS answer {0}', id);
      const sentence = `${about}${names}: ${answers || l10n.t('no records')}`;
      out.push(
        dns.rcode === 'NXDomain'
          ? l10n.t('{0} (the name does not exist; with a search list the resolver tries the next suffix)', sentence)
          : sentence,
      );
      for (const answer of dns.answers ?? []) {
        if (answer.type !== 'A' && answer.type !== 'AAAA') continue;
        const who = describeAddress(model, answer.data);
        if (who) out.push(`  ${l10n.t('{0} is {1}', answer.data, who)}`);
      }
    }
  }
  if (packet.arp) {
    const arp = packet.arp;
    if (arp.op === 'request')
      out.push(
        l10n.t(
          "ARP request: {0} asks who has {1} (it needs that address's MAC on this L2 segment before sending)",
          arp.senderIp ?? '?',
          arp.targetIp ?? '?',
        ),
      );
    else if (arp.op === 'reply')
      out.push(l10n.t('ARP reply: {0} is at {1}', arp.targetIp ?? arp.senderIp ?? '?', arp.mac ?? '?'));
  }
  if (packet.vni !== undefined) out.push(l10n.t('VXLAN VNI {0}: an encapsulated pod packet between nodes', packet.vni));
  const group = conv.groupOf.get(packet);
  if (group && group.packets.length > 1) {
    // A flooded frame is seen on dozens of veths: name a few, count the rest.
    const others = group.packets.filter((sighting) => sighting !== packet);
    for (const other of others.slice(0, MAX_SIGHTINGS)) {
      const line = other.evidence[0]?.line ?? '?';
      out.push(
        other.direction
          ? l10n.t('Same packet as line {0} on {1} ({2})', line, other.interface ?? '?', other.direction)
          : l10n.t('Same packet as line {0} on {1}', line, other.interface ?? '?'),
      );
    }
    if (others.length > MAX_SIGHTINGS) {
      out.push(
        conv.floodOf.has(packet)
          ? l10n.t(
              '… and on {0} more interfaces (the bridge flooded it: it did not know the destination MAC yet)',
              others.length - MAX_SIGHTINGS,
            )
          : l10n.t('… and on {0} more interfaces', others.length - MAX_SIGHTINGS),
      );
    }
  }
  const nat = conv.natOf.get(packet);
  if (nat) {
    const other = nat.before === packet ? nat.after : nat.before;
    const line = other.evidence[0]?.line ?? '?';
    if (nat.direction === 'forward')
      out.push(
        nat.before === packet
          ? l10n.t('Same packet as line {0} on {1} (after DNAT to {2})', line, other.interface ?? '?', nat.translated)
          : l10n.t(
              'Same packet as line {0} on {1} (before DNAT: sent to {2})',
              line,
              other.interface ?? '?',
              nat.original,
            ),
      );
    else
      out.push(
        l10n.t(
          'Same reply as line {0} on {1} (conntrack un-DNAT: {2} ↔ {3})',
          line,
          other.interface ?? '?',
          nat.translated,
          nat.original,
        ),
      );
  }
  return out;
}
