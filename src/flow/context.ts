import {
  derivedEvidence,
  type ClusterModel,
  type ConntrackEntry,
  type Evidence,
  type Packet,
  type Pod,
} from '../model';
import type { FlowBuilder } from './builder';
import type { Correlation } from './correlate/correlation';
import type { VethOwnership } from './correlate/vethOwnership';
import type { Connection } from './correlate/connections';
import { correlate, correlateOptionsOf } from './correlate/correlate';
import { nodeOfPodIp, type CaptureSite, type PacketSites } from './correlate/sites';
import { podSubnetNodes, subnetOf } from './correlate/podSubnets';
import { passesEvery } from './correlate/captureFilter';
import { connectionShapes } from './correlate/filterCoverage';

/** Everything a family needs while it builds one flow. */
export interface TraceContext {
  model: ClusterModel;
  corr: Correlation;
  veths: Map<string, VethOwnership>;
  b: FlowBuilder;
  /**
   * The packets this trace works with, in capture order: those touching the flow's addresses
   * (see relevantAddresses in trace.ts), or every packet when nothing can be filtered on. Families
   * and findings read these, never `model.packets`, which would build every packet of every capture.
   */
  packets: Packet[];
  /**
   * Every packet the trace read (the flow's addresses, all captures): for the DNS and ARP exchanges
   * that precede a connection and for naming interfaces, never as proof of the connection's hops.
   */
  allPackets: Packet[];
  /** The capture site (node, interfaces, time) of each packet read from a capture. */
  siteOf: PacketSites;
  sites: readonly CaptureSite[];
  /**
   * Every connection rebuilt in `allPackets`, when the trace rebuilt them (the DNS phase finds the
   * client's exchanges among them).
   */
  connections?: readonly Connection[];
  /** The connection this flow walks; undefined when no capture shows one (the flow is configured or predicted). */
  connection?: Connection;
  /** The conntrack entries it may cite when other connections used its tuple (conntrackOwners); else all. */
  conntrack?: ConntrackEntry[];
  /** What each DNS phase tried, for the search-list finding. */
  dns: {
    typed: string;
    failed: string[];
    ndots: number;
    configEvidence: Evidence[];
    unresolved?: string[];
    /**
     * The name whose queries got no DNS answer: the exchange (a connection), its query lines, how many
     * were sent, the ICMP port unreachable errors that answered them instead (none: silence), and the
     * lines that show them going into a pod.
     */
    unanswered?: {
      name: string;
      connection: Connection;
      queries: Packet[];
      sent: number;
      refusals: Packet[];
      delivered: Packet[];
    };
  }[];
}

/**
 * The node a pod runs on: its nodeName, the node whose podCIDR holds its IP, or its /24 (Flannel's
 * default SubnetLen).
 */
export function nodeOf(ctx: TraceContext, pod: Pod): string {
  if (pod.nodeName) return pod.nodeName;
  const byPodNetwork = pod.ip ? nodeOfPodIp(ctx.model, pod.ip) : undefined;
  if (byPodNetwork) return byPodNetwork;
  if (ctx.model.nodes.length === 1) return ctx.model.nodes[0].name;
  // Nothing names its node: the capture that shows the pod's own packets leaving its veth was taken there.
  const siteNode = pod.ip ? (nodeSeenSending(ctx, pod.ip) ?? capturedSubnetNode(ctx, pod.ip)) : undefined;
  if (siteNode) return siteNode;
  // No node names anywhere: name the node by its pod subnet; when every known pod IP shares one, that is the only node.
  const subnets = new Set(
    ctx.model.pods
      .filter((candidate) => candidate.ip && !candidate.hostNetwork)
      .map((candidate) => subnetOf(candidate.ip!)),
  );
  if (pod.ip) return `node(${subnetOf(pod.ip)})`;
  return subnets.size === 1 ? `node(${[...subnets][0]})` : 'node';
}

/** Per packet list, the node whose capture shows each address sending from a veth (a scan per address, once). */
const sendingNodes = new WeakMap<readonly Packet[], Map<string, string | undefined>>();

function nodeSeenSending(ctx: Pick<TraceContext, 'allPackets' | 'siteOf'>, ip: string): string | undefined {
  if (!ctx.allPackets || !ctx.siteOf) return undefined;
  let byIp = sendingNodes.get(ctx.allPackets);
  if (!byIp) sendingNodes.set(ctx.allPackets, (byIp = new Map<string, string | undefined>()));
  if (byIp.has(ip)) return byIp.get(ip);
  const sentFrom = ctx.allPackets.find(
    (packet) =>
      packet.src?.ip === ip &&
      packet.interface?.startsWith('veth') &&
      packet.direction !== 'Out' &&
      ctx.siteOf.get(packet)?.node,
  );
  const node = sentFrom ? ctx.siteOf.get(sentFrom)?.node : undefined;
  byIp.set(ip, node);
  return node;
}

/** Per packet list, which node holds which pod subnet as the captures show it (podSubnetNodes, once). */
const subnetNodes = new WeakMap<readonly Packet[], ReadonlyMap<string, string>>();

function capturedSubnetNode(ctx: Pick<TraceContext, 'allPackets' | 'siteOf'>, ip: string): string | undefined {
  if (!ctx.allPackets || !ctx.siteOf) return undefined;
  let owners = subnetNodes.get(ctx.allPackets);
  if (!owners) subnetNodes.set(ctx.allPackets, (owners = podSubnetNodes(ctx.allPackets, ctx.siteOf)));
  return owners.get(subnetOf(ip));
}

/** True when the model says where the pod runs (name, CIDR or its IP's subnet). */
function nodeKnown(pod: Pod): boolean {
  return !!(pod.nodeName || pod.ip);
}

export { subnetOf };

/** Same node when the names say so, else when both IPs sit in one node subnet. */
export function sameNode(ctx: TraceContext, first: Pod, second: Pod): boolean {
  if (first.nodeName && second.nodeName) return first.nodeName === second.nodeName;
  if (!nodeKnown(first) || !nodeKnown(second)) {
    // Nothing proves two nodes: assume one (the common single-node lab) and say how to check.
    const who = !nodeKnown(first) ? first : second;
    ctx.b?.need(`node of ${who.name} unknown (assumed the same node): run \`kubectl get pods -o wide\``);
    return true;
  }
  return nodeOf(ctx, first) === nodeOf(ctx, second);
}

/** The bridge pods hang on: from the CNI config, `ip link` (a veth's master or a bridge), else Flannel's `cni0`. */
export function bridgeOf(ctx: TraceContext, node: string): { name: string; evidence: Evidence[]; address?: string } {
  const cni = ctx.model
    .all('Cni')
    .find((cniConfig) => cniConfig.bridge && (!cniConfig.node || cniConfig.node === node));
  if (cni?.bridge) return { name: cni.bridge, evidence: cni.evidence };
  const ifaces = ctx.model.all('HostInterface').filter((hostInterface) => !hostInterface.host?.startsWith('pod:'));
  const br = ifaces.find(
    (hostInterface) =>
      hostInterface.type === 'bridge' &&
      (!hostInterface.host || hostInterface.host === node) &&
      hostInterface.name !== 'docker0',
  );
  if (br)
    return {
      name: br.name,
      evidence: br.evidence,
      address: br.addresses?.find((interfaceAddress) => interfaceAddress.family === 4)?.cidr.split('/')[0],
    };
  const port = ifaces.find((hostInterface) => hostInterface.master && hostInterface.name.startsWith('veth'));
  if (port?.master) return { name: port.master, evidence: port.evidence };
  return {
    name: 'cni0',
    evidence: [derivedEvidence("Flannel's CNI plugin delegates to the bridge plugin, which names the bridge cni0")],
  };
}

/**
 * Runs `work` on another exchange than the flow's connection (the DNS query before it, say): its
 * packets become the trace's packets, its correlation the trace's, and only they may be cited.
 */
export function withPackets<T>(ctx: TraceContext, packets: Packet[], work: () => T): T {
  const before = { packets: ctx.packets, corr: ctx.corr, connection: ctx.connection };
  ctx.packets = packets;
  // Coverage is the flow's connection's: an exchange before it (a DNS query a capture filter may
  // have left out) is never called missing.
  ctx.connection = undefined;
  ctx.corr = {
    ...correlate(packets, correlateOptionsOf(ctx.model)),
    vethClaims: ctx.corr.vethClaims,
    arp: ctx.corr.arp,
  };
  try {
    return ctx.b.withScope(packets, work);
  } finally {
    ctx.packets = before.packets;
    ctx.corr = before.corr;
    ctx.connection = before.connection;
  }
}

/**
 * True when `packet` was captured in `node`'s root namespace, or by a capture whose node nothing
 * names (one unnamed capture is taken to be where the flow runs). A capture inside a pod is not.
 */
/** Interfaces that are not a node's uplink (its NIC): pod veths, bridges, tunnels, loopback. */
const NOT_UPLINK = /^(?:veth|cni|cbr|docker|flannel|cali|vxlan|tunl|kube-|lo$|any$)/;

/** True for a node's uplink (its NIC), by the interface's name. */
export function isUplinkInterface(iface: string | undefined): boolean {
  return iface !== undefined && !NOT_UPLINK.test(iface);
}

export function capturedOn(ctx: Pick<TraceContext, 'siteOf'>, packet: Packet, node: string): boolean {
  const site = ctx.siteOf.get(packet);
  if (!site) return true;
  if (site.pod) return false;
  return site.node === undefined || site.node === node;
}

/**
 * How long a capture must have run on after a connection began to show what did not happen: a capture
 * that stopped just after a SYN (the last lines of a 400,000-line capture) shows neither its next hops
 * nor its answer, and that proves nothing (one second: more than a round trip inside a cluster).
 */
const RAN_ON_S = 1;

/**
 * True when a capture on `node` covered `iface` while the flow's connection ran: its node is
 * known, it listened on that interface (or `-i any`), its time span holds the connection's start and
 * a second after it (RAN_ON_S),
 * and, when it had a filter, the filter lets through every form the connection may take there.
 * Only then does the absence of a packet there mean it was not there.
 */
export function covers(
  ctx: TraceContext,
  node: string,
  iface: string,
  connection: Connection | undefined = ctx.connection,
): boolean {
  if (!connection) return false;
  const start = connection.start;
  return coveringSites(ctx, { node, iface, connection }).some(({ site, holdsIt }) => {
    const { first, last } = site;
    if (start === undefined || first === undefined || last === undefined) return holdsIt;
    return first <= start + 0.001 && last >= start + RAN_ON_S;
  });
}

/**
 * True when a capture on `node` covered `iface` at one of `times` (capture clock), with the same
 * conditions as `covers` otherwise: a packet of `connection` sent then would be in it.
 */
export function coversAny(
  ctx: TraceContext,
  where: { node: string; iface: string; connection: Connection },
  times: readonly number[],
): boolean {
  return coveringSites(ctx, where).some(
    ({ site }) =>
      site.first !== undefined &&
      site.last !== undefined &&
      times.some((time) => site.first! <= time + 0.001 && site.last! >= time + RAN_ON_S),
  );
}

/** The captures on `node` that listened on `iface` and whose filter (if shown) lets the connection through. */
function coveringSites(
  ctx: TraceContext,
  { node, iface, connection }: { node: string; iface: string; connection: Connection },
): { site: CaptureSite; holdsIt: boolean }[] {
  const out: { site: CaptureSite; holdsIt: boolean }[] = [];
  for (const site of ctx.sites) {
    if (site.node !== node || site.pod || (site.interfaces !== 'any' && site.interfaces !== iface)) continue;
    // A filter the command shows must let through every form the connection may take here
    // (correlate/captureFilter.ts: `port 80` leaves out the VXLAN packets on a NIC, `host CLUSTER-IP`
    // the packets after the DNAT). A capture whose command is not shown may have had a filter: it
    // covers the exchange being walked only when it holds one of its packets.
    const holdsIt = ctx.packets.some((packet) => ctx.siteOf.get(packet) === site);
    if (site.filter) {
      if (!passesEvery(site.filter.test, connectionShapes(ctx.model, connection, iface))) continue;
    } else if (site.filtered && !holdsIt) continue;
    out.push({ site, holdsIt });
  }
  return out;
}

/** A Service's ClusterIP for a label; a manifest may leave it to the API server: then it is said in words. */
export function clusterIpText(svc: { name: string; clusterIP?: string }): string {
  return svc.clusterIP ?? `the ClusterIP of ${svc.name}`;
}

/** `ip:port` for a label: a part nothing shows is said in words, never `undefined` or `?`. */
export function endpointText(
  ip: string | undefined,
  port: number | undefined,
  who = 'an address nothing shows',
): string {
  return `${ip ?? who}${port !== undefined ? `:${port}` : ''}`;
}

/** Short human description of a packet for arrow labels. */
export function describePacket(packet: Packet): string {
  const ep = (endpoint?: { ip: string; port?: number }) =>
    endpoint ? endpointText(endpoint.ip, endpoint.port) : 'an unknown address';
  const route = `${ep(packet.src)} → ${ep(packet.dst)}`;
  switch (packet.protocol) {
    case 'tcp': {
      const flags = packet.tcp?.flags ?? '';
      const name =
        flags === 'S'
          ? 'SYN'
          : flags === 'S.'
            ? 'SYN-ACK'
            : flags.includes('R')
              ? 'RST'
              : flags.includes('F')
                ? 'FIN'
                : flags === '.'
                  ? 'ACK'
                  : 'TCP';
      const http = packet.tcp?.http ? ` ${packet.tcp.http}` : '';
      return `${name}${http} ${route}`;
    }
    case 'icmp': {
      const seq = packet.icmp?.seq !== undefined ? ` seq ${packet.icmp.seq}` : '';
      const id = packet.icmp?.id !== undefined ? ` id ${packet.icmp.id}${seq}` : '';
      return `ICMP ${packet.icmp?.type ?? ''}${id} ${route}`;
    }
    case 'udp':
      if (!packet.dns) return `UDP ${route}`;
      if (packet.dns.response) return `DNS answer ${route}`;
      return `DNS ${packet.dns.qtype ?? ''}? ${packet.dns.qname ?? ''} ${route}`;
    case 'arp': {
      if (packet.arp?.op === 'request')
        return `ARP who-has ${packet.arp.targetIp ?? 'an address'} tell ${packet.arp.senderIp ?? 'an address'}`;
      const sender = packet.arp?.senderIp ?? packet.arp?.targetIp ?? 'an address';
      return `ARP ${sender} is-at ${packet.arp?.mac ?? 'a MAC not printed'}`;
    }
    default:
      return route;
  }
}

/** The command that would show what is missing, phrased for the `unresolved` list. */
export function captureHint(ip: string | undefined): string {
  return ip ? `capture with \`tcpdump -i any -n host ${ip}\`` : 'capture with `tcpdump -i any -n`';
}

/** The conntrack entries a flow may cite: its connection's own on a reused tuple, else every one. */
export const conntrackEntries = (ctx: TraceContext): ConntrackEntry[] =>
  ctx.conntrack ?? ctx.model.all('ConntrackEntry');
