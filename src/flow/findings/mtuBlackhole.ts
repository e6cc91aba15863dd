import { VXLAN_OVERHEAD_IPV4, type HostInterface } from '../../model';
import { underlayActor } from '../actors';
import type { TraceContext } from '../context';
import type { Sighting } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, findStep, linesOf } from './breaks';

const IP_TCP_HEADERS = 40;
const TIMESTAMP_OPTION = 12;

const payload = (sighting: Sighting) => (sighting.frame.tcp?.seqEnd ?? 0) - (sighting.frame.tcp?.seq ?? 0);
const segmentKey = (sighting: Sighting) =>
  `${sighting.frame.src?.ip}:${sighting.frame.src?.port}>${sighting.frame.tcp?.seq ?? ''}:` +
  `${sighting.frame.tcp?.seqEnd ?? ''}`;
/** The inner packet's IP size: payload, IP and TCP headers, and the timestamp option when printed. */
const innerSize = (sighting: Sighting) =>
  payload(sighting) + IP_TCP_HEADERS + (/\bTS\b/.test(sighting.frame.tcp?.options ?? '') ? TIMESTAMP_OPTION : 0);

/**
 * Full-size segments leave one node wrapped in VXLAN and never arrive at the other (whose capture
 * shows the smaller ones), and are sent again and again: the path between the nodes carries less
 * than the outer packets need. The MTUs pasted say where: pods and cni0 above flannel.1, or a node's
 * eth0 above what the network between the nodes carries.
 */
export function mtuBlackhole(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.protocol !== 'tcp') return [];
  const left = connection.sightings.filter(
    (sighting) => sighting.encapsulated && sighting.packet.direction === 'Out' && payload(sighting) > 0,
  );
  const arrivedOn = new Map<string, Set<string>>();
  for (const sighting of connection.sightings)
    if (sighting.encapsulated && sighting.packet.direction === 'In' && sighting.site?.node)
      arrivedOn.set(
        segmentKey(sighting),
        new Set([...(arrivedOn.get(segmentKey(sighting)) ?? []), sighting.site.node]),
      );
  const receivers = new Set(
    connection.sightings
      .filter((sighting) => sighting.encapsulated && sighting.packet.direction === 'In')
      .map((sighting) => sighting.site?.node),
  );
  const lost = left.filter(
    (sighting) =>
      sighting.site?.node &&
      [...receivers].some((receiverNode) => receiverNode !== sighting.site!.node) &&
      !arrivedOn.has(segmentKey(sighting)),
  );
  if (lost.length < 2) return [];
  const sender = lost[0].site!.node!;
  const receiver = [...receivers].find((node): node is string => node !== undefined && node !== sender);
  if (!receiver) return [];
  const keys = lost.map(segmentKey);
  const retransmitted = new Set(keys).size < keys.length;
  const crossed = left.filter((sighting) => sighting.site?.node === sender && arrivedOn.has(segmentKey(sighting)));
  // Loops, not Math.min(...): a long capture may hold more segments than a call takes arguments.
  const smallestLost = lost.reduce((min, sighting) => Math.min(min, innerSize(sighting)), Number.POSITIVE_INFINITY);
  const largestCrossed = crossed.reduce((max, sighting) => Math.max(max, innerSize(sighting)), 0);
  if (!retransmitted || largestCrossed >= smallestLost) return [];
  const senderIp = lost[0].frame.src?.ip;
  const needFrag = ctx.allPackets.filter(
    (packet) =>
      packet.protocol === 'icmp' && /need to frag/i.test(packet.icmp?.detail ?? '') && packet.dst?.ip === senderIp,
  );
  const mtus = ctx.model.all('HostInterface').filter((iface) => iface.mtu !== undefined);
  const nodeEth = mtus.find((iface) => iface.host === sender && iface.name === 'eth0');
  const flannel = mtus.find((iface) => iface.host === sender && iface.name.startsWith('flannel'));
  const nodes = new Set(ctx.model.nodes.map((node) => node.name));
  const isPod = (host: string | undefined) => host !== undefined && ctx.model.findPod(host) !== undefined;
  const podSide = mtus.filter(
    (iface) =>
      flannel?.mtu !== undefined &&
      iface.mtu! > flannel.mtu &&
      (((iface.host === sender || iface.host === receiver) &&
        (iface.name === 'cni0' || iface.name.startsWith('veth'))) ||
        isPod(iface.host)),
  );
  // The network between the nodes: interfaces of hosts that are neither nodes nor pods (a LAN bridge, a switch).
  const path = mtus.filter(
    (iface) =>
      iface.host &&
      !nodes.has(iface.host) &&
      !isPod(iface.host) &&
      nodeEth?.mtu !== undefined &&
      iface.mtu! < nodeEth.mtu,
  );
  const pathMtu = path.length
    ? path.reduce((min, iface) => Math.min(min, iface.mtu!), Number.POSITIVE_INFINITY)
    : undefined;
  const outer = smallestLost + VXLAN_OVERHEAD_IPV4;
  const reasons = [
    pathMtu !== undefined && nodeEth
      ? `the network between the nodes carries ${pathMtu} bytes (${describe(path[0])}) while ${sender}'s ` +
        `eth0 says ${nodeEth.mtu}, so flannel.1 got ${flannel?.mtu ?? nodeEth.mtu! - VXLAN_OVERHEAD_IPV4}`
      : `the outer packets (${outer} bytes) exceed what the path between the nodes carries`,
    ...(podSide.length && flannel
      ? [
          `pods and cni0 use ${podSide[0].mtu} over flannel.1's ${flannel.mtu}, so TCP sends segments as big ` +
            'as the pod MTU',
        ]
      : []),
  ];
  const hop = {
    from:
      findStep(ctx.b, (st) => st.from.startsWith(`underlay:${sender}/`))?.step.from ??
      ctx.b.actor(underlayActor(sender, 'eth0')),
    to:
      findStep(ctx.b, (st) => st.to.startsWith(`underlay:${receiver}/`))?.step.to ??
      ctx.b.actor(underlayActor(receiver, 'eth0')),
  };
  const phase = ctx.b.phases().find((candidate) => candidate.name === 'data') ?? ctx.b.phase('data');
  const evidence = [
    ...linesOf(
      lost.map((sighting) => sighting.packet),
      3,
    ),
    ...linesOf(needFrag, 1),
    ...[nodeEth, flannel, ...podSide.slice(0, 2), ...path.slice(0, 1)].flatMap((iface) => iface?.evidence ?? []),
  ];
  const step = ctx.b.step(phase, {
    from: hop.from,
    to: hop.to,
    kind: 'encap',
    label: `${payload(lost[0])}-byte segment in a ${outer}-byte VXLAN packet: never arrives`,
    explanation:
      `${sender} sends it (${lost.length} times in all, retransmissions included); ${receiver}'s ` +
      'capture, which shows the smaller segments of this connection, never shows it.',
    evidence,
    status: 'missing',
  });
  const needFragNote = needFrag.length
    ? ' The pod got ICMP "need to frag" for the first ones, but nothing tells it about the drop further on.'
    : '';
  return [
    {
      id: 'mtu-blackhole',
      severity: 'error',
      title: `MTU blackhole between ${sender} and ${receiver}`,
      message:
        `Segments of ${payload(lost[0])} bytes (${smallestLost}-byte packets, ${outer} bytes once ` +
        `wrapped in VXLAN) leave ${sender} and never reach ${receiver}; packets up to ` +
        `${largestCrossed} bytes do. They are retransmitted and lost again: ${reasons.join('; ')}.${needFragNote}`,
      evidence,
      fix:
        'Give every node the real path MTU on eth0 and let flanneld derive flannel.1 (eth0 − ' +
        `${VXLAN_OVERHEAD_IPV4}); pods, veths and cni0 must not exceed flannel.1's MTU (restart flanneld ` +
        'and recreate the pods).',
      ...breakAt(ctx.b, { phase, index: phase.steps.indexOf(step), step }, 'missing'),
    },
  ];
}

function describe(iface: HostInterface): string {
  return `${iface.name}${iface.host ? ` on ${iface.host}` : ''}`;
}
