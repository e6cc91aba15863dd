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
  const words = [...flags].map((c) => FLAG_WORDS[c] ?? c).join(' + ');
  if (flags === 'S') return l10n.t('{0} (opens a connection)', words);
  if (flags === 'S.') return l10n.t('{0} (the server accepts)', words);
  if (flags.includes('R')) return l10n.t('{0} (connection reset)', words);
  if (flags.includes('F')) return l10n.t('{0} (closes its side)', words);
  return words;
}

function podLabel(p: Pod): string {
  return p.nodeName
    ? l10n.t('pod {0}/{1} on {2}', namespaceOf(p), p.name, p.nodeName)
    : l10n.t('pod {0}/{1}', namespaceOf(p), p.name);
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
    if (o.role === 'pod') return isCoreDns(model, o.pod) ? l10n.t('{0} (CoreDNS)', podLabel(o.pod)) : podLabel(o.pod);
    if (o.role === 'service') {
      return isCoreDns(model, undefined, o.service)
        ? l10n.t(
            'Service {0}/{1} (ClusterIP; kube-proxy DNATs it to a pod), the cluster DNS (CoreDNS)',
            namespaceOf(o.service),
            o.service.name,
          )
        : l10n.t('Service {0}/{1} (ClusterIP; kube-proxy DNATs it to a pod)', namespaceOf(o.service), o.service.name);
    }
    if (o.role === 'node') return l10n.t('node {0}', o.node.name);
  }
  // No Service object has the address: the pasted rules or DNS answers may name it.
  const named = namedServiceAddresses(model, ip)[0];
  if (named?.by === 'rule')
    return l10n.t("Service {0} (ClusterIP, named by kube-proxy's rule in {1})", named.service, named.where);
  if (named?.by === 'dns')
    return l10n.t('Service {0} (ClusterIP, named by a DNS answer for {1})', named.service, named.where);
  const ep = owners.find((o) => o.role === 'endpoint');
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
  const iface = owners.find((o) => o.role === 'interface');
  if (iface?.role === 'interface') {
    return iface.iface.host
      ? l10n.t('address of interface {0} on {1}', iface.iface.name, iface.iface.host)
      : l10n.t('address of interface {0}', iface.iface.name);
  }
  if (ip.endsWith('.1') && model.all('Cni').some((c) => c.subnet?.startsWith(ip.slice(0, -1))))
    return l10n.t('the cni0 bridge (pod gateway)');
  return undefined;
}

/** What a port means on an address: a Service port, or the targetPort of a Service selecting that pod. */
export function describePort(model: ClusterModel, ep: Endpoint4, protocol: string): string | undefined {
  if (ep.port === undefined) return undefined;
  const proto = protocol.toUpperCase();
  for (const o of model.byIp(ep.ip)) {
    if (o.role === 'service') {
      const sp = o.service.ports.find((p) => p.port === ep.port && p.protocol === proto);
      if (sp) {
        return sp.name
          ? l10n.t(
              'port {0}/{1} of Service {2} ({3}) → targetPort {4}',
              ep.port,
              proto,
              o.service.name,
              sp.name,
              sp.targetPort ?? ep.port,
            )
          : l10n.t(
              'port {0}/{1} of Service {2} → targetPort {3}',
              ep.port,
              proto,
              o.service.name,
              sp.targetPort ?? ep.port,
            );
      }
    }
    if (o.role === 'pod') {
      for (const s of model.services) {
        if (!model.podsSelectedBy(s).includes(o.pod)) continue;
        const sp = s.ports.find(
          (p) =>
            p.protocol === proto &&
            (p.targetPort === ep.port ||
              (p.targetPort === undefined && p.port === ep.port) ||
              (typeof p.targetPort === 'string' &&
                o.pod.containers?.some((c) =>
                  c.ports.some((cp) => cp.name === p.targetPort && cp.containerPort === ep.port),
                ))),
        );
        if (sp)
          return l10n.t(
            'port {0}/{1} on pod {2}: targetPort of Service {3} port {4}',
            ep.port,
            proto,
            o.pod.name,
            s.name,
            sp.port,
          );
      }
    }
  }
  const ruled = namedServiceAddresses(model, ep.ip).find(
    (n) => n.by === 'rule' && n.port === ep.port && (n.protocol === undefined || n.protocol === proto),
  );
  if (ruled)
    return ruled.portName
      ? l10n.t('port {0}/{1} of Service {2} ({3})', ep.port, proto, ruled.service, ruled.portName)
      : l10n.t('port {0}/{1} of Service {2}', ep.port, proto, ruled.service);
  return undefined;
}

/** The role of a capture interface; `conv` is the correlation around the packet seen on it. */
export function describeInterface(model: ClusterModel, conv: Pick<Conversation, 'veths'>, name: string): string {
  const hi = model.all('HostInterface').find((i) => i.name === name);
  if (name === 'cni0' || hi?.type === 'bridge')
    return l10n.t('{0}: the bridge cni0 joining the pods of this node (their gateway)', name);
  if (/^flannel\./.test(name) || hi?.type === 'vxlan')
    return l10n.t("{0}: Flannel's VXLAN device (encapsulates pod traffic to other nodes over UDP 8472)", name);
  if (/^veth/.test(name) || hi?.type === 'veth') {
    for (const [ip, own] of conv.veths) {
      if (own.iface !== name) continue;
      const pod = model.byIp(ip).find((o) => o.role === 'pod');
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
export function annotatePacket(model: ClusterModel, index: LineIndex, p: Packet): string[] {
  const out: string[] = [];
  // Only the packets sharing this packet's addresses are correlated (built on the first hover of them).
  const conv = index.around(p);
  if (p.interface) out.push(l10n.t('Interface {0}', describeInterface(model, conv, p.interface)));
  if (p.direction && DIRECTIONS[p.direction]) out.push(l10n.t('Direction {0}', DIRECTIONS[p.direction]()));
  for (const [role, ep] of [
    ['from', p.src],
    ['to', p.dst],
  ] as const) {
    if (!ep) continue;
    const veth = conv.veths.get(ep.ip);
    // No pod known for the address: the capture itself may show which veth it lives behind.
    const who =
      describeAddress(model, ep.ip) ??
      (veth ? l10n.t('a pod whose host-side veth is {0} (by this capture)', veth.iface) : undefined);
    const port = describePort(model, ep, p.protocol);
    const what = `${ep.ip}${ep.port !== undefined ? `:${ep.port}` : ''}${who ? `: ${who}` : ''}${port ? `; ${port}` : ''}`;
    out.push(role === 'from' ? l10n.t('From {0}', what) : l10n.t('To {0}', what));
  }
  if (p.tcp) out.push(l10n.t('TCP flags [{0}]: {1}', p.tcp.flags, tcpFlagWords(p.tcp.flags)));
  if (p.dns) {
    const d = p.dns;
    // without -vv an answer does not print its question: its query in this capture tells it
    const asked = d.response && !d.qname ? conv.dnsQuestion(p) : undefined;
    const qname = d.qname ?? asked?.name;
    const target = qname ? model.byDnsName(qname) : undefined;
    const names = target?.service
      ? ` (${target.pod ? l10n.t('Service {0}, pod {1}', target.service.name, target.pod.name) : l10n.t('Service {0}', target.service.name)})`
      : '';
    if (!d.response) {
      out.push(
        p.dst
          ? l10n.t('DNS query #{0}: {1} {2}{3} asked to {4}', d.id, d.qtype ?? '?', d.qname ?? '?', names, p.dst.ip)
          : l10n.t('DNS query #{0}: {1} {2}{3}', d.id, d.qtype ?? '?', d.qname ?? '?', names),
      );
      const tried = d.qname ? searchListTry(d.qname, model.clusterDomain) : undefined;
      if (tried)
        out.push(
          l10n.t(
            "Search list: the resolver appended '{0}' to '{1}' (a name with fewer dots than ndots is tried with each search domain first); this name cannot exist, expect NXDomain",
            tried.suffix,
            tried.typed,
          ),
        );
    } else {
      const answers = (d.answers ?? []).map((a) => `${a.type} ${a.data}`).join(', ');
      const id = `#${d.id}${d.rcode ? ` ${d.rcode}` : ''}`;
      const about = d.qname
        ? l10n.t('DNS answer {0} for {1} {2}', id, d.qtype ?? '', d.qname)
        : asked
          ? l10n.t(
              'DNS answer {0} for {1} {2} (the question of query #{3} from {4})',
              id,
              asked.type ?? '',
              asked.name,
              d.id,
              p.dst ? `${p.dst.ip}:${p.dst.port ?? ''}` : '?',
            )
          : l10n.t('DNS answer {0}', id);
      const sentence = `${about}${names}: ${answers || l10n.t('no records')}`;
      out.push(
        d.rcode === 'NXDomain'
          ? l10n.t('{0} (the name does not exist; with a search list the resolver tries the next suffix)', sentence)
          : sentence,
      );
      for (const a of d.answers ?? []) {
        if (a.type !== 'A' && a.type !== 'AAAA') continue;
        const who = describeAddress(model, a.data);
        if (who) out.push(`  ${l10n.t('{0} is {1}', a.data, who)}`);
      }
    }
  }
  if (p.arp) {
    const a = p.arp;
    if (a.op === 'request')
      out.push(
        l10n.t(
          "ARP request: {0} asks who has {1} (it needs that address's MAC on this L2 segment before sending)",
          a.senderIp ?? '?',
          a.targetIp ?? '?',
        ),
      );
    else if (a.op === 'reply')
      out.push(l10n.t('ARP reply: {0} is at {1}', a.targetIp ?? a.senderIp ?? '?', a.mac ?? '?'));
  }
  if (p.vni !== undefined) out.push(l10n.t('VXLAN VNI {0}: an encapsulated pod packet between nodes', p.vni));
  const g = conv.groupOf.get(p);
  if (g && g.packets.length > 1) {
    // A flooded frame is seen on dozens of veths: name a few, count the rest.
    const others = g.packets.filter((o) => o !== p);
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
        conv.floodOf.has(p)
          ? l10n.t(
              '… and on {0} more interfaces (the bridge flooded it: it did not know the destination MAC yet)',
              others.length - MAX_SIGHTINGS,
            )
          : l10n.t('… and on {0} more interfaces', others.length - MAX_SIGHTINGS),
      );
    }
  }
  const nat = conv.natOf.get(p);
  if (nat) {
    const other = nat.before === p ? nat.after : nat.before;
    const line = other.evidence[0]?.line ?? '?';
    if (nat.direction === 'forward')
      out.push(
        nat.before === p
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
