import {
  cidrContains,
  derivedEvidence,
  FLANNEL_VXLAN_PORT,
  VXLAN_OVERHEAD_IPV4,
  type Evidence,
  type Packet,
  type Pod,
} from '../../model';
import type { Leg } from './localHops';
import { routingActor, underlayActor, vxlanActor } from '../actors';
import { bridgeOf, capturedOn, covers, nodeOf, subnetOf, type TraceContext } from '../context';
import type { FlowPhase } from '../types';

/** Flannel backend: net-conf / subnet.env, node annotations, the routes, else Flannel's default (vxlan). */
export function flannelBackend(ctx: TraceContext): { backend: string; evidence: Evidence[] } {
  const cni = ctx.model.all('Cni').find((cniConfig) => cniConfig.backend);
  if (cni?.backend) return { backend: cni.backend, evidence: cni.evidence };
  const node = ctx.model.nodes.find((candidate) => candidate.flannel?.backendType);
  if (node?.flannel?.backendType) return { backend: node.flannel.backendType, evidence: node.evidence };
  const vx = ctx.model.all('Route').find((route) => route.dev?.startsWith('flannel.'));
  if (vx) return { backend: 'vxlan', evidence: vx.evidence };
  const dev = ctx.model
    .all('HostInterface')
    .find((hostInterface) => hostInterface.type === 'vxlan' && hostInterface.name.startsWith('flannel'));
  if (dev) return { backend: 'vxlan', evidence: dev.evidence };
  return { backend: 'vxlan', evidence: [derivedEvidence("Flannel's default backend is vxlan")] };
}

/** A node's underlay address: InternalIP, Flannel's public-ip annotation. */
function nodeIp(ctx: TraceContext, node: string): { ip?: string; evidence: Evidence[] } {
  const known = ctx.model.nodes.find((candidate) => candidate.name === node);
  const ip = known?.flannel?.publicIP ?? known?.internalIP;
  return ip ? { ip, evidence: known!.evidence } : { evidence: [] };
}

/**
 * Cross-node leg, from the source node's bridge to the destination node's routing:
 * route lookup, then VXLAN encapsulation through flannel.1 or a plain host-gw route.
 * Returns the actor on the destination node where the inner packet is routed on.
 */
export function crossNode(
  ctx: TraceContext,
  phase: FlowPhase,
  way: { from: string; src: Pod; dst: Pod; leg: Leg },
): string {
  const { from: fromBridge, src, dst, leg } = way;
  const label = leg.label;
  // Sightings of the inner packet on an interface, and of its VXLAN-wrapped form (outer packet whose inner matches).
  const srcNode = nodeOf(ctx, src);
  const dstNode = nodeOf(ctx, dst);
  const seen = (node: string, iface: string, dirs: string[]) =>
    ctx.packets.filter(
      (packet) =>
        packet.interface === iface &&
        dirs.includes(packet.direction ?? '') &&
        capturedOn(ctx, packet, node) &&
        leg.match(packet),
    );
  const wrapped = (node: string, dirs: string[]) =>
    ctx.packets.filter(
      (packet) =>
        packet.inner &&
        dirs.includes(packet.direction ?? '') &&
        capturedOn(ctx, packet, node) &&
        leg.match(packet.inner),
    );
  const ev1 = (ps: Packet[]) => ps.slice(0, 1).flatMap((packet) => packet.evidence);
  /** `missing` where a capture on `node` covered `iface` while the connection ran and shows nothing. */
  const unseen = (ps: Packet[], node: string, iface: string) =>
    ps.length === 0 && covers(ctx, node, iface) ? ('missing' as const) : undefined;
  const { backend, evidence: backendEv } = flannelBackend(ctx);
  const dstIp = dst.ip ?? '';
  const routes = ctx.model
    .all('Route')
    .filter(
      (route) =>
        (!route.host || route.host === srcNode) &&
        route.destination !== 'default' &&
        dstIp &&
        cidrContains(route.destination, dstIp) &&
        !route.dev?.startsWith('cni'),
    );
  const route = routes.sort(
    (left, right) => Number(right.destination.split('/')[1] ?? 32) - Number(left.destination.split('/')[1] ?? 32),
  )[0];
  const ra = ctx.b.actor(routingActor(srcNode));
  const rz = ctx.b.actor(routingActor(dstNode));
  // Underlay addresses: the nodes' objects, else the outer header of this connection's own VXLAN packets.
  const outerSeen = ctx.packets.find(
    (packet) => packet.inner && capturedOn(ctx, packet, srcNode) && leg.match(packet.inner),
  );
  const fromOuter = (ip: string | undefined) => (ip ? { ip, evidence: outerSeen!.evidence } : { evidence: [] });
  const zKnown = nodeIp(ctx, dstNode);
  const aKnown = nodeIp(ctx, srcNode);
  const zIp = zKnown.ip ? zKnown : fromOuter(outerSeen?.dst?.ip);
  const aIp = aKnown.ip ? aKnown : fromOuter(outerSeen?.src?.ip);
  if (!zIp.ip) ctx.b.need(`underlay IP of ${dstNode} unknown: run \`kubectl get nodes -o wide\``);
  const subnet = route?.destination ?? (dstIp ? subnetOf(dstIp) : 'remote pod subnet');
  ctx.b.step(phase, {
    from: fromBridge,
    to: ra,
    kind: 'route',
    label: route
      ? `${route.destination} ${route.via ? `via ${route.via} ` : ''}dev ${route.dev ?? 'unknown'}` +
        `${route.onlink ? ' onlink' : ''}`
      : `route to ${subnet}`,
    explanation:
      `${dstIp} is not on this node's bridge, so the frame goes up to ${srcNode}'s routing table ` +
      `(cni0 is the pods' default gateway).`,
    evidence: [
      ...ev1(seen(srcNode, bridgeOf(ctx, srcNode).name, ['In'])),
      ...(route
        ? route.evidence
        : [...backendEv, derivedEvidence(`flanneld installs one route per remote node subnet (${backend})`)]),
    ],
  });
  if (!route) ctx.b.need(`route to ${subnet} on ${srcNode} unknown: run \`ip route\` on ${srcNode}`);
  if (backend === 'host-gw') {
    const ua = ctx.b.actor(underlayActor(srcNode, route?.dev ?? 'eth0', aIp.ip));
    const uz = ctx.b.actor(underlayActor(dstNode, 'eth0', zIp.ip));
    ctx.b.step(phase, {
      from: ra,
      to: ua,
      kind: 'route',
      label: `next hop ${route?.via ?? zIp.ip ?? dstNode}`,
      explanation:
        'host-gw: the remote node itself is the next hop; the pod packet leaves unchanged, no encapsulation ' +
        '(nodes must share an L2 segment).',
      evidence: [...(route?.evidence ?? []), ...backendEv],
    });
    ctx.b.step(phase, {
      from: ua,
      to: uz,
      kind: 'packet',
      label,
      explanation: `The original packet (${src.ip ?? src.name} → ${dstIp || dst.name}) crosses the underlay as is.`,
      evidence: [
        ...ev1(seen(srcNode, route?.dev ?? 'eth0', ['Out'])),
        ...ev1(seen(dstNode, 'eth0', ['In'])),
        ...backendEv,
        ...zKnown.evidence,
      ],
    });
    ctx.b.step(phase, {
      from: uz,
      to: rz,
      kind: 'route',
      label: `${dstNode}: ${dstIp} is local`,
      explanation: `${dstNode} routes its own pod subnet onto its bridge.`,
      evidence: [derivedEvidence('the destination node owns the pod subnet')],
    });
    return rz;
  }
  const cni = ctx.model
    .all('Cni')
    .find((cniConfig) => cniConfig.vni !== undefined || cniConfig.port !== undefined || cniConfig.mtu !== undefined);
  const dev = route?.dev ?? 'flannel.1';
  const devFact = ctx.model
    .all('HostInterface')
    .find((hostInterface) => hostInterface.name === dev && (!hostInterface.host || hostInterface.host === srcNode));
  const vni = devFact?.vxlan?.vni ?? cni?.vni ?? 1;
  const port = devFact?.vxlan?.port ?? cni?.port ?? FLANNEL_VXLAN_PORT;
  const mtu = devFact?.mtu ?? cni?.mtu;
  const fdb = ctx.model
    .all('FdbEntry')
    .find((fdbEntry) => fdbEntry.dev === dev && fdbEntry.dst && (!zIp.ip || fdbEntry.dst === zIp.ip));
  const outer = fdb?.dst ?? zIp.ip;
  const va = ctx.b.actor(vxlanActor(srcNode, dev));
  const vz = ctx.b.actor(vxlanActor(dstNode, dev));
  const ua = ctx.b.actor(underlayActor(srcNode, devFact?.vxlan?.dev ?? 'eth0', aIp.ip));
  const uz = ctx.b.actor(underlayActor(dstNode, 'eth0', zIp.ip));
  const outerOut = wrapped(srcNode, ['Out']);
  const outerIn = wrapped(dstNode, ['In']);
  const encapOut = seen(srcNode, dev, ['Out']);
  const decapIn = seen(dstNode, dev, ['In']);
  const underlayDev = devFact?.vxlan?.dev ?? 'eth0';
  ctx.b.step(phase, {
    from: ra,
    to: va,
    kind: 'encap',
    label:
      `VXLAN encap VNI ${vni}, UDP ${port}, outer ${aIp.ip ?? srcNode} → ${outer ?? dstNode}` +
      `${mtu ? `, MTU ${mtu}` : ''}`,
    explanation:
      `flannel.1 wraps the pod packet in UDP/${port} (Flannel uses the Linux default port, not ` +
      `IANA 4789); the remote VTEP's MAC comes from the neighbour table and its node IP from the ` +
      `bridge fdb. The wrapper costs ${VXLAN_OVERHEAD_IPV4} bytes, hence MTU ${mtu ?? 1450} inside.`,
    evidence: [
      ...ev1(encapOut),
      ...(devFact?.evidence ?? []),
      ...(fdb?.evidence ?? []),
      ...(cni?.evidence ?? backendEv),
    ],
    status: unseen(encapOut, srcNode, dev),
  });
  if (!fdb) ctx.b.need(`VTEP of ${dstNode} not proven: run \`bridge fdb show dev ${dev}\` on ${srcNode}`);
  ctx.b.step(phase, {
    from: va,
    to: ua,
    kind: 'packet',
    label: `UDP ${aIp.ip ?? srcNode} → ${outer ?? dstNode}:${port}`,
    explanation: `The encapsulated packet is routed like any node-to-node traffic out of ${srcNode}'s NIC.`,
    evidence: [...ev1(outerOut), ...zIp.evidence],
    status: unseen(outerOut, srcNode, underlayDev),
  });
  ctx.b.step(phase, {
    from: ua,
    to: uz,
    kind: 'packet',
    label,
    explanation: 'The underlay network carries it between the nodes.',
    // The address read from this connection's own outer header proves where it was sent, not that it
    // arrived: only a sighting on the destination node makes this hop observed.
    evidence: [...ev1(outerIn), ...zKnown.evidence],
    status: unseen(outerIn, dstNode, 'eth0'),
  });
  // Out of the tunnel but addressed to another host (tcpdump's `P`: PACKET_OTHERHOST): the inner
  // destination MAC is not this VXLAN device's, and the kernel drops the frame.
  const decapOther = decapIn.length ? [] : seen(dstNode, dev, ['P']);
  ctx.b.step(phase, {
    from: uz,
    to: vz,
    kind: 'decap',
    label: decapOther.length ? `VXLAN decap VNI ${vni}: addressed to another MAC, dropped` : `VXLAN decap VNI ${vni}`,
    explanation: decapOther.length
      ? `The inner frame comes out of ${dstNode}'s ${dev} addressed to another host (tcpdump's P: ` +
        `PACKET_OTHERHOST): its destination MAC, taken from ${srcNode}'s neighbour entry for this VTEP, is ` +
        `not ${dev}'s own, so ${dstNode}'s kernel drops it.`
      : `${dstNode}'s kernel hands UDP/${port} to its ${dev}, which strips the outer headers.`,
    evidence: [...ev1(decapIn), ...ev1(decapOther), ...(cni?.evidence ?? backendEv)],
    status: decapOther.length ? 'contradicted' : unseen(decapIn, dstNode, dev),
  });
  ctx.b.step(phase, {
    from: vz,
    to: rz,
    kind: 'route',
    label: `${dstIp} is in ${dstNode}'s own subnet`,
    explanation:
      `The inner packet is routed again on ${dstNode}: its own pod subnet is on ` + `${bridgeOf(ctx, dstNode).name}.`,
    evidence: [...ev1(decapIn), derivedEvidence('each node owns one pod subnet')],
  });
  return rz;
}
