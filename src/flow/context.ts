import {
  cidrContains,
  derivedEvidence,
  isMssSyn,
  type ClusterModel,
  type Evidence,
  type Packet,
  type Pod,
} from '../model';
import type { FlowBuilder } from './builder';
import type { Correlation } from './correlate/correlation';
import type { VethOwnership } from './correlate/vethOwnership';

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
  /** What each DNS phase tried, for the search-list finding. */
  dns: { typed: string; failed: string[]; ndots: number; configEvidence: Evidence[] }[];
}

const FLANNEL_SUBNET_LEN = 24;

/** The node a pod runs on: its nodeName, the node whose podCIDR holds its IP, or its /24 (Flannel's default SubnetLen). */
export function nodeOf(ctx: TraceContext, pod: Pod): string {
  if (pod.nodeName) return pod.nodeName;
  if (pod.ip) {
    const byCidr = ctx.model.nodes.find((n) =>
      [n.podCIDR, ...(n.podCIDRs ?? [])].some((c) => c && cidrContains(c, pod.ip!)),
    );
    if (byCidr) return byCidr.name;
    const bySubnet = ctx.model.all('Cni').find((c) => c.node && c.subnet && cidrContains(c.subnet, pod.ip!));
    if (bySubnet?.node) return bySubnet.node;
  }
  if (ctx.model.nodes.length === 1) return ctx.model.nodes[0].name;
  // No node names anywhere: name the node by its pod subnet; when every known pod IP shares one, that is the only node.
  const subnets = new Set(ctx.model.pods.filter((p) => p.ip && !p.hostNetwork).map((p) => subnetOf(p.ip!)));
  if (pod.ip) return `node(${subnetOf(pod.ip)})`;
  return subnets.size === 1 ? `node(${[...subnets][0]})` : 'node';
}

/** True when the model says where the pod runs (name, CIDR or its IP's subnet). */
function nodeKnown(pod: Pod): boolean {
  return !!(pod.nodeName || pod.ip);
}

export function subnetOf(ip: string): string {
  const parts = ip.split('.');
  return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[2]}.0/${FLANNEL_SUBNET_LEN}` : ip;
}

/** Same node when the names say so, else when both IPs sit in one node subnet. */
export function sameNode(ctx: TraceContext, a: Pod, b: Pod): boolean {
  if (a.nodeName && b.nodeName) return a.nodeName === b.nodeName;
  if (!nodeKnown(a) || !nodeKnown(b)) {
    // Nothing proves two nodes: assume one (the common single-node lab) and say how to check.
    const who = !nodeKnown(a) ? a : b;
    ctx.b?.need(`node of ${who.name} unknown (assumed the same node): run \`kubectl get pods -o wide\``);
    return true;
  }
  return nodeOf(ctx, a) === nodeOf(ctx, b);
}

/** The bridge pods hang on: from the CNI config, `ip link` (a veth's master or a bridge), else Flannel's `cni0`. */
export function bridgeOf(ctx: TraceContext, node: string): { name: string; evidence: Evidence[]; address?: string } {
  const cni = ctx.model.all('Cni').find((c) => c.bridge && (!c.node || c.node === node));
  if (cni?.bridge) return { name: cni.bridge, evidence: cni.evidence };
  const ifaces = ctx.model.all('HostInterface').filter((i) => !i.host?.startsWith('pod:'));
  const br = ifaces.find((i) => i.type === 'bridge' && (!i.host || i.host === node) && i.name !== 'docker0');
  if (br)
    return {
      name: br.name,
      evidence: br.evidence,
      address: br.addresses?.find((a) => a.family === 4)?.cidr.split('/')[0],
    };
  const port = ifaces.find((i) => i.master && i.name.startsWith('veth'));
  if (port?.master) return { name: port.master, evidence: port.evidence };
  return {
    name: 'cni0',
    evidence: [derivedEvidence("Flannel's CNI plugin delegates to the bridge plugin, which names the bridge cni0")],
  };
}

/** The trace's packets (capture order) that satisfy `pred`. */
export function packets(ctx: Pick<TraceContext, 'packets'>, pred: (p: Packet) => boolean): Packet[] {
  return ctx.packets.filter(pred);
}

/**
 * The first SYN with an MSS option in model order (Packet facts, then each capture from its start),
 * for the MTU, which every pod of the network shares: other traffic proves it as well as the flow's
 * own. Captures find it in their columns, so only that packet is built.
 */
export function firstMssSynAnywhere(model: ClusterModel): Packet | undefined {
  const loose = model.all('Packet').find(isMssSyn);
  if (loose) return loose;
  for (const c of model.captures) {
    const i = c.packets.firstMssSyn();
    if (i >= 0) return c.packets.packet(i);
  }
  return undefined;
}

/** Short human description of a packet for arrow labels. */
export function describePacket(p: Packet): string {
  const ep = (e?: { ip: string; port?: number }) => (e ? (e.port !== undefined ? `${e.ip}:${e.port}` : e.ip) : '?');
  switch (p.protocol) {
    case 'tcp': {
      const f = p.tcp?.flags ?? '';
      const name =
        f === 'S'
          ? 'SYN'
          : f === 'S.'
            ? 'SYN-ACK'
            : f.includes('R')
              ? 'RST'
              : f.includes('F')
                ? 'FIN'
                : f === '.'
                  ? 'ACK'
                  : 'TCP';
      const http = p.tcp?.http ? ` ${p.tcp.http}` : '';
      return `${name}${http} ${ep(p.src)} → ${ep(p.dst)}`;
    }
    case 'icmp':
      return `ICMP ${p.icmp?.type ?? ''}${p.icmp?.id !== undefined ? ` id ${p.icmp.id} seq ${p.icmp.seq}` : ''} ${ep(p.src)} → ${ep(p.dst)}`;
    case 'udp':
      return p.dns
        ? `DNS ${p.dns.response ? 'answer' : `${p.dns.qtype ?? ''}? ${p.dns.qname ?? ''}`} ${ep(p.src)} → ${ep(p.dst)}`
        : `UDP ${ep(p.src)} → ${ep(p.dst)}`;
    case 'arp':
      return p.arp?.op === 'request'
        ? `ARP who-has ${p.arp.targetIp} tell ${p.arp.senderIp}`
        : `ARP ${p.arp?.senderIp ?? p.arp?.targetIp} is-at ${p.arp?.mac ?? '?'}`;
    default:
      return `${ep(p.src)} → ${ep(p.dst)}`;
  }
}

/** The command that would show what is missing, phrased for the `unresolved` list. */
export function captureHint(ip: string | undefined): string {
  return ip ? `capture with \`tcpdump -i any -n host ${ip}\`` : 'capture with `tcpdump -i any -n`';
}
