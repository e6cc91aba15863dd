import { cidrContains, derivedEvidence, type NatRule, type Packet, type Pod, type Route } from '../../model';
import { externalActor, gatewayActor, routingActor, underlayActor } from '../actors';
import { covers, describePacket, isUplinkInterface, type TraceContext } from '../context';
import { endpointKey, ipOf, type Connection, type Sighting } from '../correlate/connections';
import { packetTime } from '../correlate/packetKey';
import { nodeOfPodIp } from '../correlate/sites';
import type { FlowPhase } from '../types';
import { bridgeToPod } from './localHops';

/** A pod's connection to an address outside the cluster, from the bridge it entered on `node`. */
export interface EgressHop {
  phase: FlowPhase;
  /** The actor the packet is at (the client's bridge). */
  from: string;
  node: string;
  client: Pod;
  destination: string;
}

/** The most specific route of `node` (as pasted) that holds `ip`, pod bridges and tunnels aside. */
function routeTo(ctx: TraceContext, node: string, ip: string): Route | undefined {
  const prefix = (route: Route) =>
    route.destination === 'default' ? 0 : Number(route.destination.split('/')[1] ?? 32);
  return ctx.model
    .all('Route')
    .filter(
      (route) =>
        route.host === node &&
        (route.dev === undefined || isUplinkInterface(route.dev)) &&
        (route.destination === 'default' || cidrContains(route.destination, ip)),
    )
    .sort((left, right) => prefix(right) - prefix(left))[0];
}

/**
 * The rules of `node` that rewrite a pod's source leaving the pod network (Flannel's `-s POD-CIDR !
 * -d POD-CIDR -j MASQUERADE`, in POSTROUTING or a chain of its own), and every POSTROUTING rule the
 * node's listing shows (which tell the listing was pasted, and what it holds instead).
 */
export function podMasquerade(ctx: TraceContext, node: string, podIp: string): { rules: NatRule[]; listed: NatRule[] } {
  const onNode = ctx.model
    .all('NatRule')
    .filter((rule) => rule.table === 'nat' && (!rule.hosts?.length || rule.hosts.includes(node)));
  const rules = onNode.filter(
    (rule) =>
      (rule.target === 'MASQUERADE' || rule.target === 'SNAT') &&
      rule.chain !== 'KUBE-POSTROUTING' &&
      rule.source !== undefined &&
      !rule.source.negated &&
      cidrContains(rule.source.cidr, podIp),
  );
  return { rules, listed: onNode.filter((rule) => rule.chain === 'POSTROUTING') };
}

const isUplink = (sighting: Sighting, node: string) =>
  sighting.site?.node === node && !sighting.encapsulated && isUplinkInterface(sighting.packet.interface);

/**
 * The connection's first packet leaving a node's uplink toward `destination` (of `node` when given,
 * else of any node a capture names), as it was sent there.
 */
export function uplinkExit(connection: Connection, destination: string, node?: string): Sighting | undefined {
  return connection.sightings.find((sighting) => {
    const host = sighting.site?.node;
    return (
      sighting.frame.dst?.ip === destination &&
      sighting.packet.direction === 'Out' &&
      host !== undefined &&
      isUplink(sighting, node ?? host)
    );
  });
}

/**
 * The connection's packet to `destination` arriving on a host other than `node` (a capture taken at
 * the destination), sent as `sentAs` (`ip:port`) when that is known.
 */
export function arrivalElsewhere(
  connection: Connection,
  way: { destination: string; node: string; sentAs?: string },
): Sighting | undefined {
  return connection.sightings.find(
    (sighting) =>
      sighting.frame.dst?.ip === way.destination &&
      sighting.site?.node !== undefined &&
      sighting.site.node !== way.node &&
      sighting.packet.direction === 'In' &&
      (way.sentAs === undefined || endpointKey(sighting.frame.src?.ip, sighting.frame.src?.port) === way.sentAs),
  );
}

/**
 * bridge → routing → the node's uplink → (gateway) → the destination, and the reply, each hop from
 * the connection's own sightings: the packet leaving the uplink (masqueraded or with the pod's own
 * address), arriving at the destination (a capture taken there), and the answer coming back. A
 * pod's address that leaves the node unmasqueraded and gets no answer is drawn as a contradicted
 * masquerade: nothing outside the cluster routes the pod network back.
 */
export function traceEgress(ctx: TraceContext, hop: EgressHop): void {
  const { phase, from, node, client, destination } = hop;
  const connection = ctx.connection;
  const sightings = connection?.sightings ?? [];
  const route = routeTo(ctx, node, destination);
  const routerId = ctx.b.actor(routingActor(node));
  ctx.b.step(phase, {
    from,
    to: routerId,
    kind: 'route',
    label: route
      ? `${route.destination}${route.via ? ` via ${route.via}` : ''} dev ${route.dev ?? 'unknown'}`
      : `route to ${destination}`,
    explanation:
      `${destination} is not a pod or Service address: ${node} routes it by its routing table` +
      (route ? '.' : ' (its most specific route; paste `ip route` from the node to see which).'),
    evidence: route ? route.evidence : [derivedEvidence('no more specific route exists for this address')],
  });
  const leaving = connection ? uplinkExit(connection, destination, node) : undefined;
  const uplink = leaving?.packet.interface ?? route?.dev ?? 'eth0';
  const nicId = ctx.b.actor(underlayActor(node, uplink, leaving?.frame.src?.ip));
  const sentAs = leaving ? endpointKey(leaving.frame.src?.ip, leaving.frame.src?.port) : undefined;
  const masqueraded = leaving !== undefined && ipOf(sentAs!) !== client.ip;
  const replies = sightings.filter(
    (sighting) => sighting.frame.src?.ip === destination && sighting.frame.dst?.ip !== destination,
  );
  const snat = client.ip ? podMasquerade(ctx, node, client.ip) : { rules: [], listed: [] };
  const unmasqueraded = leaving !== undefined && !masqueraded && nodeOfPodIp(ctx.model, client.ip ?? '') !== undefined;
  if (leaving && masqueraded)
    ctx.b.step(phase, {
      from: routerId,
      to: nicId,
      kind: 'nat',
      label: `MASQUERADE ${connection?.client ?? client.ip} → ${sentAs}`,
      nat: { type: 'MASQUERADE', before: connection?.client ?? client.ip ?? '', after: sentAs! },
      explanation:
        `The packet leaves ${node} through ${uplink} with ${node}'s address: POSTROUTING masqueraded the ` +
        "pod's source (Flannel ipMasq: -s POD-CIDR ! -d POD-CIDR -j MASQUERADE), so the answer comes back to " +
        `${node}, whose conntrack hands it to the pod.`,
      evidence: [...leaving.packet.evidence, ...snat.rules.flatMap((rule) => rule.evidence)],
      time: packetTime(leaving.packet),
    });
  else if (leaving) {
    // Unmasqueraded: fine where the network routes the pod network back (an answer came), else the hop
    // the flow breaks at: the masquerade that should have happened did not.
    const answered = replies.length > 0;
    ctx.b.step(phase, {
      from: routerId,
      to: nicId,
      kind: unmasqueraded && !answered ? 'nat' : 'packet',
      label:
        unmasqueraded && !answered ? `no MASQUERADE: ${describePacket(leaving.frame)}` : describePacket(leaving.frame),
      explanation: unmasqueraded
        ? `The packet leaves ${node} through ${uplink} with the pod's own address ${client.ip}: nothing ` +
          `masqueraded it` +
          (snat.listed.length
            ? ` (the pasted POSTROUTING chain has no MASQUERADE or SNAT rule for ${client.ip})`
            : '') +
          (answered
            ? '. The answer came back to it, so the network outside routes the pod network.'
            : '. Outside the cluster nothing routes the pod network back to this node.')
        : `The packet leaves ${node} through ${uplink}.`,
      evidence: [...leaving.packet.evidence, ...snat.listed.flatMap((rule) => rule.evidence)],
      status: unmasqueraded && !answered ? 'contradicted' : undefined,
      time: packetTime(leaving.packet),
    });
  } else {
    const unseen = covers(ctx, node, uplink);
    ctx.b.step(phase, {
      from: routerId,
      to: nicId,
      kind: 'packet',
      label: `${connection?.client ?? client.ip} → ${destination} leaves ${node}`,
      explanation:
        `The packet would leave ${node} through its uplink` +
        (unseen ? `; ${node}'s capture covered it while the connection ran and does not show it there.` : '.'),
      evidence: route ? route.evidence : [derivedEvidence(`${node}'s uplink`)],
      status: unseen ? 'missing' : undefined,
    });
  }
  // Seen arriving where it was sent: a capture on another host shows the packet as it left this node.
  const arrived = connection ? arrivalElsewhere(connection, { destination, node, sentAs }) : undefined;
  const arrivalHost = arrived?.site?.node;
  const extId = ctx.b.actor(externalActor(destination, [destination]));
  let towardExt = nicId;
  if (route?.via) {
    const gatewayId = ctx.b.actor(gatewayActor(route.via));
    ctx.b.step(phase, {
      from: nicId,
      to: gatewayId,
      kind: 'route',
      label: `to ${destination} via ${route.via}`,
      explanation: `${node}'s route sends it to the gateway ${route.via}.`,
      evidence: route.evidence,
    });
    towardExt = gatewayId;
  }
  // A router on the way that has no route answers ICMP unreachable (a sighting of this connection).
  const refusal = sightings.find(
    (sighting) =>
      sighting.frame.protocol === 'icmp' &&
      /unreachable|exceeded/i.test(sighting.frame.icmp?.type ?? '') &&
      isUplink(sighting, node),
  );
  const onward = ctx.b.step(phase, {
    from: towardExt,
    to: extId,
    kind: 'packet',
    label: arrived ? `${describePacket(arrived.frame)} arrives` : `onward to ${destination}`,
    explanation: arrived
      ? `A capture on ${arrivalHost} shows it arriving on ${arrived.packet.interface ?? 'its interface'}` +
        `${masqueraded ? ` from ${node}'s address` : unmasqueraded ? ` from the pod's address ${client.ip}` : ''}.`
      : 'Outside the cluster: no capture here shows where it went.',
    evidence: arrived ? arrived.packet.evidence : [derivedEvidence('beyond the cluster')],
    time: arrived ? packetTime(arrived.packet) : undefined,
  });
  if (refusal) {
    onward.status = 'contradicted';
    onward.explanation =
      `${refusal.frame.src?.ip ?? 'A router'} answered ICMP ${refusal.frame.icmp?.type ?? 'unreachable'}: ` +
      `it has no route for ${destination}, so the packet goes no further.`;
  }
  replyPhase(ctx, { ...hop, extId, nicId, uplink, routerId, sentAs, replies, arrivalHost, unmasqueraded, refusal });
}

interface ReplyHop extends EgressHop {
  extId: string;
  nicId: string;
  uplink: string;
  routerId: string;
  sentAs?: string;
  replies: Sighting[];
  arrivalHost?: string;
  unmasqueraded: boolean;
  refusal?: Sighting;
}

/** The answer: back to the node's uplink, un-masqueraded, routed onto the bridge and into the pod. */
function replyPhase(ctx: TraceContext, hop: ReplyHop): void {
  const { node, client, destination, extId, nicId, routerId, sentAs, replies, refusal } = hop;
  const connection = ctx.connection;
  if (!connection || !sentAs) return;
  const phase = ctx.b.phase('reply');
  const answer = refusal ?? replies.find((sighting) => isUplink(sighting, node) && sighting.packet.direction === 'In');
  if (!answer) {
    const sentBack = replies.find((sighting) => sighting.site?.node !== node && sighting.packet.direction === 'Out');
    const covered = covers(ctx, node, hop.uplink);
    const theirRoutes = hop.arrivalHost ? ctx.model.all('Route').filter((route) => route.host === hop.arrivalHost) : [];
    const noRouteBack =
      hop.unmasqueraded &&
      theirRoutes.length > 0 &&
      !theirRoutes.some((route) => route.destination === 'default' || cidrContains(route.destination, client.ip ?? ''));
    ctx.b.step(phase, {
      from: extId,
      to: nicId,
      kind: 'packet',
      label: sentBack ? `${describePacket(sentBack.frame)} lost` : `no answer from ${destination}`,
      explanation: sentBack
        ? `${hop.arrivalHost ?? destination} sent the answer; ${node}'s capture does not show it arriving.`
        : hop.unmasqueraded
          ? `${destination} got the packet from the pod's own address ${client.ip} and no answer came back` +
            (noRouteBack
              ? `: ${hop.arrivalHost}'s routes (pasted) have none to ${client.ip} and no default route.`
              : ': nothing outside the cluster routes the pod network back.')
          : `Nothing came back from ${destination}${covered ? ` while ${node}'s capture ran` : ''}.`,
      evidence: [
        ...(sentBack ? sentBack.packet.evidence : []),
        ...(noRouteBack ? theirRoutes.flatMap((route) => route.evidence) : []),
      ],
      status: covered ? 'missing' : 'predicted',
    });
    return;
  }
  ctx.b.step(phase, {
    from: extId,
    to: nicId,
    kind: refusal ? 'reject' : 'packet',
    label: describePacket(answer.frame),
    explanation: refusal
      ? "The router's error comes back to the node; conntrack relates it to the connection."
      : `The answer arrives on ${node}'s ${answer.packet.interface ?? 'uplink'}, addressed to ${sentAs}.`,
    evidence: answer.packet.evidence,
    time: packetTime(answer.packet),
  });
  const toClient = (packet: Packet) =>
    packet.dst?.ip === client.ip && (packet.src?.ip === destination || packet.protocol === 'icmp');
  const delivered = connection.sightings.find(
    (sighting) => sighting.site?.node === node && toClient(sighting.frame) && sighting.packet.direction === 'Out',
  );
  const unnat = ipOf(sentAs) !== client.ip;
  if (unnat)
    ctx.b.step(phase, {
      from: nicId,
      to: routerId,
      kind: 'nat',
      label: `un-MASQUERADE ${sentAs} → ${connection.client}`,
      nat: { type: 'MASQUERADE', before: sentAs, after: connection.client },
      explanation: `conntrack rewrites the destination back to the pod (${connection.client}).`,
      evidence: delivered ? delivered.packet.evidence.slice(0, 1) : [derivedEvidence('conntrack reverses MASQUERADE')],
      time: delivered ? packetTime(delivered.packet) : undefined,
    });
  const ownPackets = new Set(connection.sightings.map((sighting) => sighting.packet));
  bridgeToPod(ctx, phase, {
    from: unnat ? routerId : nicId,
    pod: client,
    leg: {
      match: (packet) => ownPackets.has(packet) && toClient(packet),
      label: describePacket(delivered?.frame ?? answer.frame),
    },
  });
}
