import {
  namespaceOf,
  derivedEvidence,
  withRole,
  type Evidence,
  type Packet,
  type Pod,
  type Service,
  type ServicePort,
} from '../../model';
import {
  externalActor,
  gatewayActor,
  podActor,
  routingActor,
  serviceActor,
  conntrackActor,
  underlayActor,
  netfilterActor,
} from '../actors';
import {
  capturedOn,
  isUplinkInterface,
  clusterIpText,
  conntrackEntries,
  covers,
  describePacket,
  endpointText,
  nodeOf,
  type TraceContext,
} from '../context';
import { connectionPackets, endpointKey, ipOf, masqueradedLeg, translatedLeg } from '../correlate/connections';
import { nodeOfPodIp } from '../correlate/sites';
import { unnamedPod } from '../resolve';
import { packetTime, samePacketKey } from '../correlate/packetKey';
import type { DstSpec, Target } from '../resolve';
import { dnsPhase } from './dns';
import { podByIp } from './endpoints';
import { bridgeToPod, podToBridge, type Leg } from './localHops';
import { crossNode } from './overlay';
import { connectionNotes } from './connection';
import { legBetween, podToPodLeg } from './podToPod';
import { clientSidePackets, proxyNodePort, proxyToEndpoint } from './serviceProxy';
import type { FlowPhase } from '../types';

type ServiceTarget = Extract<Target, { kind: 'service' }>;

/** The Service port the user meant: `:PORT` (by port, then nodePort), else the first. */
export function pickPort(svc: Service, spec: DstSpec): ServicePort | undefined {
  if (spec.port === undefined) return svc.ports[0];
  return svc.ports.find(
    (servicePort) => servicePort.port === spec.port && (!spec.protocol || servicePort.protocol === spec.protocol),
  );
}

/**
 * kube-proxy's KUBE-POSTROUTING on a node, where packets marked by KUBE-MARK-MASQ are masqueraded:
 * its actor, and the MASQUERADE rule as pasted (else what kube-proxy always programs there).
 */
function kubeMasquerade(ctx: TraceContext, node: string): { actor: string; evidence: Evidence[] } {
  const rule = ctx.model
    .all('NatRule')
    .find((natRule) => natRule.chain === 'KUBE-POSTROUTING' && natRule.target === 'MASQUERADE');
  return {
    actor: ctx.b.actor(netfilterActor(node, 'KUBE-POSTROUTING')),
    evidence: rule?.evidence ?? [derivedEvidence('KUBE-POSTROUTING MASQUERADE for marked packets')],
  };
}

/**
 * A node (or hostNetwork pod) calling a ClusterIP: its packet left with the node's own address,
 * which is outside the pod network, so kube-proxy marked it (KUBE-MARK-MASQ) and POSTROUTING
 * masqueraded it to the address of the interface toward the endpoint (flannel.1's or cni0's). The
 * connection's conntrack entry names the source before; the captured packet the source after.
 * Returns the actor the packet continues from (unchanged when nothing shows a masquerade).
 */
function nodeMasquerade(ctx: TraceContext, hop: { phase: FlowPhase; from: string; node: string; client: Pod }): string {
  const { phase, from, node, client } = hop;
  const wire = ctx.connection?.client;
  if (!wire || !client.ip) return from;
  const entry = conntrackEntries(ctx).find(
    (conntrackEntry) => endpointKey(conntrackEntry.reply.dst, conntrackEntry.reply.dport) === wire,
  );
  const before = entry ? endpointKey(entry.original.src, entry.original.sport) : undefined;
  if (!entry || entry.original.src === client.ip) return from;
  const leaving = ctx.packets.find((packet) => endpointKey(packet.src?.ip, packet.src?.port) === wire);
  const postrouting = kubeMasquerade(ctx, node);
  ctx.b.step(phase, {
    from,
    to: postrouting.actor,
    kind: 'nat',
    label: `MASQUERADE src ${before} → ${wire}`,
    nat: { type: 'MASQUERADE', before: before ?? '', after: wire },
    explanation:
      `${node} sent it from ${entry.original.src}, outside the pod network, so kube-proxy marked it for ` +
      `masquerade; POSTROUTING rewrote the source to ${client.ip}, the address of the interface toward ` +
      "the endpoint, so the reply comes back to this node's conntrack.",
    evidence: [...(leaving?.evidence ?? []), ...entry.evidence, ...postrouting.evidence],
  });
  return postrouting.actor;
}

/** Pod → ClusterIP Service: DNS (when named), kube-proxy DNAT to one endpoint, data, conntrack'd reply. */
export function traceClusterIp(ctx: TraceContext, client: Pod, target: ServiceTarget, spec: DstSpec): void {
  const svc = target.service;
  const port = pickPort(svc, spec);
  if (!target.byIp) {
    dnsPhase(
      ctx,
      client,
      target.dnsName && target.text.includes('.') ? target.text : target.text.includes('/') ? svc.name : target.text,
      {
        answers: svc.clusterIP ? [svc.clusterIP] : [],
        why: `a normal Service name answers its ClusterIP ${svc.clusterIP ?? ''}`,
        evidence: svc.evidence,
      },
    );
  }
  if (!port) {
    noPortRule(ctx, client, svc, spec);
    return;
  }
  const node = nodeOf(ctx, client);
  const vip = svc.clusterIP;
  const vipText = clusterIpText(svc);
  const phase = ctx.b.phase('connect');
  const pre: Leg = legBetween(ctx, {
    fromIp: client.ip,
    toIp: vip,
    fallback: `${port.protocol} ${client.ip ?? client.name} → ${vipText}:${port.port}`,
    port: port.port,
  });
  const { at, sent } = podToBridge(ctx, phase, client, pre);
  // A hostNetwork client's packet is locally generated: nat OUTPUT, not PREROUTING, sends it to KUBE-SERVICES.
  const hop = { phase, from: at, node, svc, port, clientIp: client.ip };
  const res = proxyToEndpoint(ctx, hop, client.hostNetwork ? 'OUTPUT' : 'PREROUTING');
  if (!res.at || !res.endpoint) {
    if (!res.rejected) return;
    const reply = ctx.b.phase('reply');
    ctx.b.step(reply, {
      from: ctx.b.actor(routingActor(node)),
      to: ctx.b.actor(podActor(client)),
      kind: 'reject',
      label: 'ICMP port unreachable → connection refused',
      explanation: 'The REJECT answers for the Service; nothing reaches a pod.',
      evidence: [derivedEvidence('REJECT --reject-with icmp-port-unreachable')],
    });
    return;
  }
  const ep = res.endpoint;
  // A pod nothing names but the capture shows answering at the endpoint address is still that pod.
  const translatedTo = ctx.connection ? translatedLeg(ctx.connection)?.to : undefined;
  const server =
    ep.pod ??
    podByIp(ctx, ep.ip) ??
    (ep.ip && translatedTo?.startsWith(`${ep.ip}:`) ? unnamedPod(ctx.model, ep.ip) : undefined);
  const clientPort = sent?.src?.port;
  // The connection may also have been masqueraded on the way (hairpin: a pod calling its own Service
  // reaches itself from the bridge's address): that form is the same connection.
  const masqueradedAt = ctx.connection ? masqueradedLeg(ctx.connection)?.from : undefined;
  const fromClient = (packet: Packet) =>
    (packet.src?.ip === client.ip && (clientPort === undefined || packet.src?.port === clientPort)) ||
    (masqueradedAt !== undefined && endpointKey(packet.src?.ip, packet.src?.port) === masqueradedAt);
  const post: Leg = {
    match: (packet) =>
      fromClient(packet) && packet.dst?.ip === ep.ip && (ep.port === undefined || packet.dst?.port === ep.port),
    label: '',
  };
  const firstPost = ctx.packets.find(post.match);
  post.label = firstPost
    ? describePacket(firstPost)
    : `${port.protocol} ${client.ip ?? client.name} → ${endpointText(ep.ip ?? ep.pod?.name, ep.port)}`;
  if (!server) {
    ctx.b.need(podBehindUnknown(ctx, ep.ip));
    return;
  }
  const afterNat = client.hostNetwork ? nodeMasquerade(ctx, { phase, from: res.at, node, client }) : res.at;
  const remote = nodeOf(ctx, server) !== node && !server.hostNetwork;
  const landing = remote ? crossNode(ctx, phase, { from: afterNat, src: client, dst: server, leg: post }) : afterNat;
  bridgeToPod(ctx, phase, { from: landing, pod: server, leg: post });
  if (!ep.ip && server.predicted)
    ctx.b.need(`IP of ${server.name} unknown (predicted pod): run \`kubectl get pods -o wide\``);

  // The conversation as the client sees it: always the ClusterIP, never the pod.
  const seen = clientSidePackets(ctx, client.ip, vip, port.port).filter(
    (packet) => packet.direction === 'P' || packet.direction === 'Out' || packet.direction === undefined,
  );
  // One step per packet: the reply bridged to the client shows on cni0 and on its veth alike.
  const drawn = new Set<string>();
  const interesting = seen.filter((packet) => {
    if (
      !packet.tcp ||
      !(packet.tcp.http || packet.tcp.flags.includes('F') || packet.tcp.flags.includes('R') || (packet.length ?? 0) > 0)
    )
      return false;
    const key = samePacketKey(packet);
    if (drawn.has(key)) return false;
    drawn.add(key);
    return true;
  });
  if (interesting.length) {
    const data = ctx.b.phase('data');
    const clientId = ctx.b.actor(podActor(client));
    const serviceId = ctx.b.actor(serviceActor(svc));
    for (const packet of interesting.slice(0, 12)) {
      const fromClient = packet.src?.ip === client.ip;
      ctx.b.step(data, {
        from: fromClient ? clientId : serviceId,
        to: fromClient ? serviceId : clientId,
        kind: 'packet',
        label: describePacket(packet),
        explanation: fromClient
          ? 'Every later packet of the connection matches the conntrack entry and is DNATed the same way.'
          : `Seen by ${client.name} as coming from the ClusterIP: conntrack un-DNATs every reply.`,
        evidence: packet.evidence,
        time: packetTime(packet),
      });
    }
  }

  // Handshake/teardown/reset notes belong with the conversation itself.
  const dataPhase = ctx.b.phases().find((flowPhase) => flowPhase.name === 'data') ?? ctx.b.phase('data');
  connectionNotes(ctx, dataPhase, {
    clientActor: ctx.b.actor(podActor(client)),
    clientIp: client.ip,
    serverIp: vip,
    port: port.port,
  });
  const replyPhase = ctx.b.phase('reply');
  const backLeg: Leg = legBetween(ctx, {
    fromIp: ep.ip,
    toIp: client.ip,
    fallback: `reply ${endpointText(ep.ip ?? ep.pod?.name, ep.port)} → ${client.ip ?? client.name}`,
    port: ep.port,
    reverse: true,
  });
  if (masqueradedAt) {
    const toClient = backLeg.match;
    backLeg.match = (packet) =>
      toClient(packet) ||
      (packet.src?.ip === ep.ip &&
        (ep.port === undefined || packet.src?.port === ep.port) &&
        endpointKey(packet.dst?.ip, packet.dst?.port) === masqueradedAt);
    const first = ctx.packets.find(backLeg.match);
    if (first) backLeg.label = describePacket(first);
  }
  const { at: back } = podToBridge(ctx, replyPhase, server, backLeg);
  const atClientNode = remote
    ? crossNode(ctx, replyPhase, { from: back, src: server, dst: client, leg: backLeg })
    : back;
  const ct = ctx.b.actor(conntrackActor(node));
  // The reply on the client's node before conntrack (from the endpoint) and after it (from the ClusterIP).
  const replyFrom = (ip: string | undefined, sport: number | undefined) =>
    ctx.packets.find(
      (packet) =>
        packet.src?.ip === ip &&
        (sport === undefined || packet.src?.port === sport) &&
        packet.dst?.ip === client.ip &&
        capturedOn(ctx, packet, node),
    );
  const beforeUnDnat = replyFrom(ep.ip, ep.port);
  const afterUnDnat = replyFrom(vip, port.port);
  const pair = beforeUnDnat && afterUnDnat ? { before: beforeUnDnat, after: afterUnDnat } : undefined;
  const entry = conntrackEntries(ctx).find(
    (conntrackEntry) => conntrackEntry.original.dst === vip && conntrackEntry.reply.src === ep.ip,
  );
  // The reply handed to the client still from the pod's own address: conntrack never saw it (a
  // bridged reply skips netfilter when bridge-nf-call-iptables is 0), so the client, which talks to
  // the ClusterIP, gets an answer from an address it never called.
  const clientVeth = client.ip ? ctx.veths.get(client.ip)?.iface : undefined;
  const unNatted =
    !afterUnDnat && clientVeth
      ? ctx.packets.find(
          (packet) =>
            packet.src?.ip === ep.ip &&
            packet.dst?.ip === client.ip &&
            packet.interface === clientVeth &&
            packet.direction === 'Out' &&
            capturedOn(ctx, packet, node),
        )
      : undefined;
  ctx.b.step(replyPhase, {
    from: atClientNode,
    to: ct,
    kind: 'nat',
    label: `un-DNAT src ${endpointText(ep.ip ?? ep.pod?.name, ep.port)} → ${vipText}:${port.port}`,
    explanation: unNatted
      ? `The reply reached ${client.name} from the pod's own address ${endpointText(ep.ip, ep.port)}, not ` +
        `from ${vipText}:${port.port}: conntrack did not rewrite it. A reply bridged on cni0 bypasses ` +
        'netfilter when net.bridge.bridge-nf-call-iptables is 0 (br_netfilter off), so the client, which ' +
        `never called the pod's address, rejects it.`
      : 'The reply matches the conntrack entry created by the DNAT, so its source is rewritten back to the ' +
        'ClusterIP the client connected to.',
    nat: { type: 'un-DNAT', before: endpointText(ep.ip ?? ep.pod?.name, ep.port), after: `${vipText}:${port.port}` },
    evidence: [
      ...(pair ? [...pair.before.evidence, ...pair.after.evidence] : []),
      ...(unNatted ? unNatted.evidence : []),
      ...(entry?.evidence ?? []),
    ],
    status: unNatted ? 'contradicted' : undefined,
  });
  const svcReply: Leg = legBetween(ctx, {
    fromIp: vip,
    toIp: client.ip,
    fallback: `reply ${vipText}:${port.port} → ${client.ip ?? client.name}`,
    port: port.port,
    reverse: true,
  });
  bridgeToPod(ctx, replyPhase, { from: ct, pod: client, leg: svcReply });
}

/** No Service port matches: the ClusterIP is no address, so the packet follows the default route. */
function noPortRule(ctx: TraceContext, client: Pod, svc: Service, spec: DstSpec): void {
  const phase = ctx.b.phase('connect');
  const node = nodeOf(ctx, client);
  const vip = clusterIpText(svc);
  const leg = legBetween(ctx, {
    fromIp: client.ip,
    toIp: vip,
    fallback: `${spec.protocol ?? 'packet'} ${client.ip ?? client.name} → ${vip}${spec.port ? `:${spec.port}` : ''}`,
  });
  const { at } = podToBridge(ctx, phase, client, leg);
  toDefaultGateway(ctx, {
    phase,
    from: at,
    node,
    destination: `${vip}${spec.port ? `:${spec.port}` : ''}`,
    destinationIp: svc.clusterIP,
    why:
      `No kube-proxy rule matches ${spec.protocol ?? ''} ${spec.port ?? ''} on ${vip}: ${svc.name} only ` +
      `has ${svc.ports.map((servicePort) => `${servicePort.port}/${servicePort.protocol}`).join(', ')}. ` +
      'The ClusterIP is on no interface, so the packet is routed like any unknown address: out of the ' +
      'default gateway.',
  });
}

/** What leaves a node by its default route: from where, toward what, and why it goes that way. */
export interface GatewayHop {
  phase: ReturnType<TraceContext['b']['phase']>;
  /** The actor the packet comes from (the client's bridge or veth). */
  from: string;
  node: string;
  /** The destination as drawn (`10.98.40.7:81`, a DNS name). */
  destination: string;
  /** Its address, when known: the connection's own packets to it prove the hops out of the node. */
  destinationIp?: string;
  why: string;
}

/** What the client's connect() reports for a router's ICMP error. */
const CONNECT_ERROR: Record<string, string> = {
  net: ' ("Network is unreachable")',
  host: ' ("No route to host")',
};

/** True when `packet` was captured on `node`'s uplink (its NIC), not on a pod veth, bridge or tunnel. */
function onUplink(ctx: TraceContext, packet: Packet, node: string): boolean {
  return isUplinkInterface(packet.interface) && capturedOn(ctx, packet, node);
}

/** Routing decision toward an address the cluster does not own, and what the captures show of it. */
export function toDefaultGateway(ctx: TraceContext, hop: GatewayHop): void {
  const { phase, from, node } = hop;
  const routerId = ctx.b.actor(routingActor(node));
  const def = ctx.model
    .all('Route')
    .find(
      (route) =>
        route.destination === 'default' && (!route.host || route.host === node) && !route.host?.startsWith('pod:'),
    );
  const hops = ctx.model
    .all('Traceroute')
    .flatMap((traceroute) => traceroute.hops.map((tracerouteHop) => ({ traceroute, tracerouteHop })))
    .filter(({ tracerouteHop }) => tracerouteHop.ttl === 2);
  const gwIp = def?.via ?? hops[0]?.tracerouteHop.probes.find((probe) => probe.ip)?.ip;
  ctx.b.step(phase, {
    from,
    to: routerId,
    kind: 'route',
    label: def ? `default ${def.via ? `via ${def.via} ` : ''}dev ${def.dev ?? 'unknown'}` : 'default route',
    explanation: hop.why,
    evidence: def
      ? def.evidence
      : hops.length
        ? hops[0].traceroute.evidence
        : [derivedEvidence('no more specific route exists for this address')],
  });
  // The connection's own packet leaving the node's uplink toward the destination (masqueraded or not).
  // Only the flow's own connection (another connection to the same address is not this one).
  const own = ctx.connection ? new Set(connectionPackets(ctx.connection)) : undefined;
  const leaving = hop.destinationIp
    ? ctx.packets.find(
        (packet) =>
          (!own || own.has(packet)) &&
          packet.dst?.ip === hop.destinationIp &&
          packet.direction === 'Out' &&
          onUplink(ctx, packet, node),
      )
    : undefined;
  const masqueraded = ctx.connection ? masqueradedLeg(ctx.connection) : undefined;
  let toGateway = routerId;
  if (leaving?.interface) {
    const nic = ctx.b.actor(underlayActor(node, leaving.interface, leaving.src?.ip));
    const sentAs = endpointKey(leaving.src?.ip, leaving.src?.port);
    const nat =
      masqueraded && ctx.connection && sentAs === masqueraded.from
        ? { type: 'MASQUERADE' as const, before: ctx.connection.client, after: masqueraded.from }
        : undefined;
    ctx.b.step(phase, {
      from: routerId,
      to: nic,
      kind: nat ? 'nat' : 'packet',
      label: nat ? `MASQUERADE ${nat.before} → ${nat.after}` : describePacket(leaving),
      explanation: nat
        ? 'Pod traffic leaving the pod network is masqueraded to the node address (Flannel ipMasq: ' +
          'POSTROUTING -s <pod CIDR> ! -d <pod CIDR> -j MASQUERADE), so the gateway can answer the node.'
        : `The packet leaves ${node} through ${leaving.interface}.`,
      evidence: leaving.evidence,
      nat,
      time: packetTime(leaving),
    });
    toGateway = nic;
  }
  // A router on the way that has no route answers ICMP unreachable to the (masqueraded) sender.
  // Only an error sent to this connection's sender that quotes its destination (an ICMP error is no
  // sighting of the connection when it quotes no port).
  const quotes = (packet: Packet) =>
    !hop.destinationIp ||
    (packet.icmp?.detail ?? '')
      .split(/[\s,]+/)
      .some((word) => word === hop.destinationIp || word.startsWith(`${hop.destinationIp}.`));
  const refusal = ctx.packets.find(
    (packet) =>
      (!leaving?.src || packet.dst?.ip === leaving.src.ip) &&
      quotes(packet) &&
      packet.protocol === 'icmp' &&
      /unreachable|exceeded/i.test(packet.icmp?.type ?? '') &&
      onUplink(ctx, packet, node),
  );
  const gw = ctx.b.actor(gatewayActor(gwIp ?? refusal?.src?.ip ?? 'default gateway'));
  // No capture is taken at the gateway: this hop is what the route says (the packet leaving the uplink
  // is the step before, at its own point).
  const sender = leaving?.src?.ip;
  ctx.b.step(phase, {
    from: toGateway,
    to: gw,
    kind: 'route',
    label: `to ${hop.destination} via the default gateway`,
    explanation: !leaving
      ? 'Flannel masquerades pod traffic leaving the pod network (ipMasq), so the gateway would see the node IP.'
      : sender !== undefined && nodeOfPodIp(ctx.model, sender) !== undefined
        ? `It left with the pod's own address ${sender}: the gateway sees a pod address.`
        : `It left as ${sender ?? 'the node'}, so the gateway sees the node's address.`,
    evidence: def ? def.evidence : hops.length ? hops[0].traceroute.evidence : [derivedEvidence('default route')],
  });
  const ext = ctx.b.actor(externalActor(hop.destination));
  const onward = ctx.b.step(phase, {
    from: gw,
    to: ext,
    kind: 'route',
    label: `onward to ${hop.destination}`,
    explanation: 'Outside the cluster; nothing here answers for a Service.',
    evidence: [derivedEvidence('beyond the cluster')],
  });
  if (refusal) {
    onward.status = 'contradicted';
    onward.explanation =
      `${refusal.src?.ip ?? 'The gateway'} answered ICMP ` +
      `${refusal.icmp?.type ?? 'unreachable'}: it has no route for ${hop.destination}, so ` +
      'the packet goes no further.';
    onward.evidence.push(...refusal.evidence.map(withRole));
    const reply = ctx.b.phase('reply');
    ctx.b.step(reply, {
      from: gw,
      to: ctx.b.actor(underlayActor(node, refusal.interface!, refusal.dst?.ip)),
      kind: 'reject',
      label: `ICMP ${(refusal.icmp?.detail ?? refusal.icmp?.type ?? 'unreachable').replace(/, length \d+$/, '')}`,
      explanation:
        `The router's error comes back to the node; conntrack relates it to the connection and ` +
        'forwards it, un-masqueraded, to the client, whose connect() fails' +
        `${CONNECT_ERROR[/^(?:net|host)\b/.exec(refusal.icmp?.detail ?? '')?.[0] ?? ''] ?? ''}.`,
      evidence: refusal.evidence,
      time: packetTime(refusal),
    });
  }
}

/** Pod → headless Service: DNS answers every ready pod IP, the client connects to the first one directly. */
export function traceHeadless(ctx: TraceContext, client: Pod, target: ServiceTarget, spec: DstSpec): void {
  const svc = target.service;
  const port = pickPort(svc, spec) ?? svc.ports[0];
  const slices = ctx.model.endpointsOf(svc).filter((entry) => entry.endpoint.ready !== false);
  const pods = ctx.model.podsSelectedBy(svc).filter((pod) => pod.ready !== false);
  const expected = slices.length
    ? slices.flatMap((entry) => entry.endpoint.addresses)
    : pods.map((pod) => pod.ip).filter((ip): ip is string => !!ip);
  const outcome = dnsPhase(ctx, client, target.text.includes('/') ? svc.name : target.text, {
    answers: expected,
    why: `a headless Service (clusterIP: None) answers one A record per ready pod`,
    evidence: [
      ...svc.evidence,
      ...(slices[0]?.slice.evidence ?? []),
      ...pods.slice(0, 3).flatMap((pod) => pod.evidence.slice(0, 1)),
    ],
  });
  // The connection the capture shows went where it went; without one, the client takes the first answer.
  const connectedTo = ctx.connection ? ipOf(ctx.connection.original.to) : undefined;
  const firstIp = connectedTo ?? outcome.answers[0];
  const server = podByIp(ctx, firstIp) ?? (firstIp ? undefined : pods[0]);
  if (!server) {
    ctx.b.need(
      firstIp
        ? `pod with IP ${firstIp} unknown: run \`kubectl get pods -o wide\``
        : `no ready pod behind ${svc.name}: run \`kubectl get endpointslices ` +
            `-l kubernetes.io/service-name=${svc.name}\``,
    );
    return;
  }
  const dport = spec.port ?? port?.port;
  const fwd = legBetween(ctx, {
    fromIp: client.ip,
    toIp: server.ip,
    fallback:
      `${port?.protocol ?? 'TCP'} ${client.ip ?? client.name} → ${server.ip ?? server.name}` +
      `${dport ? `:${dport}` : ''} (first answer, no NAT)`,
    port: dport,
  });
  podToPodLeg(ctx, 'connect', { src: client, dst: server, leg: fwd });
  const back = legBetween(ctx, {
    fromIp: server.ip,
    toIp: client.ip,
    fallback: `reply ${server.ip ?? server.name} → ${client.ip ?? client.name}`,
    port: dport,
    reverse: true,
  });
  podToPodLeg(ctx, 'reply', { src: server, dst: client, leg: back });
}

/** Per-pod name of a headless Service: one A record, straight to that pod. */
export function traceHeadlessPod(
  ctx: TraceContext,
  request: { client: Pod; server: Pod; typed: string; spec: DstSpec },
): void {
  const { client, server, typed, spec } = request;
  const svc = server.subdomain ? ctx.model.findService(server.subdomain, namespaceOf(server)) : undefined;
  dnsPhase(ctx, client, typed, {
    answers: server.ip ? [server.ip] : [],
    why: `{pod}.{service}.{namespace}.svc answers the one pod's IP`,
    evidence: [...server.evidence.slice(0, 2), ...(svc?.evidence ?? [])],
  });
  const dport = spec.port ?? svc?.ports[0]?.port;
  podToPodLeg(ctx, 'connect', {
    src: client,
    dst: server,
    leg: legBetween(ctx, {
      fromIp: client.ip,
      toIp: server.ip,
      fallback: `TCP ${client.ip ?? client.name} → ${server.ip ?? server.name}${dport ? `:${dport}` : ''}`,
      port: dport,
    }),
  });
  podToPodLeg(ctx, 'reply', {
    src: server,
    dst: client,
    leg: legBetween(ctx, {
      fromIp: server.ip,
      toIp: client.ip,
      fallback: `reply ${server.ip ?? server.name} → ${client.ip ?? client.name}`,
      port: dport,
      reverse: true,
    }),
  });
}

/**
 * ExternalName: DNS answers a CNAME; no ClusterIP, no kube-proxy rule, the client connects to whatever
 * the CNAME resolves to.
 */
export function traceExternalName(ctx: TraceContext, client: Pod, target: ServiceTarget, spec: DstSpec): void {
  const svc = target.service;
  dnsPhase(ctx, client, target.text.includes('/') ? svc.name : target.text, {
    answers: [],
    cname: svc.externalName,
    why: `an ExternalName Service answers a CNAME to ${svc.externalName ?? 'its external name'}`,
    evidence: svc.evidence,
  });
  const phase = ctx.b.phase('connect');
  const node = nodeOf(ctx, client);
  const { at } = podToBridge(ctx, phase, client, {
    match: () => false,
    label: `connect to ${svc.externalName ?? svc.name}${spec.port ? `:${spec.port}` : ''}`,
  });
  toDefaultGateway(ctx, {
    phase,
    from: at,
    node,
    destination: svc.externalName ?? 'its external name',
    why:
      'kube-proxy programs nothing for ExternalName Services: the client resolves the CNAME target itself ' +
      'and connects to it directly, routed out of the node.',
  });
  ctx.b.need(
    `address of ${svc.externalName ?? svc.name} unknown: run \`kubectl exec ${client.name} ` +
      `-- nslookup ${svc.externalName ?? svc.name}\``,
  );
}

/** What a NodePort trace starts from: who sends, to which node address, for which Service port. */
export interface NodePortRequest {
  client?: Pod;
  /** The sender's address (an external client, or the client pod's IP). */
  srcIp?: string;
  nodeName: string;
  nodeAddr: string;
  svc: Service;
  port: ServicePort;
}

/**
 * NodePort from a pod or from outside: to the node address, KUBE-NODEPORTS → KUBE-EXT,
 * DNAT to an endpoint, and (Cluster policy) MASQUERADE so the pod sees the node's address;
 * the reply comes back to the node, whose conntrack undoes both before it leaves to the client.
 */
export function traceNodePort(ctx: TraceContext, request: NodePortRequest): void {
  const { client, srcIp, nodeName, nodeAddr, svc, port } = request;
  const phase = ctx.b.phase('connect');
  const entry: Leg = {
    match: (packet) =>
      packet.dst?.ip === nodeAddr &&
      packet.dst?.port === port.nodePort &&
      (srcIp === undefined || packet.src?.ip === srcIp),
    label: `${port.protocol} ${srcIp ?? client?.name ?? 'client'} → ${endpointText(nodeAddr, port.nodePort)}`,
  };
  const firstEntry = ctx.packets.find(entry.match);
  if (firstEntry) entry.label = describePacket(firstEntry);
  const onNic = (leg: Leg, direction: string) =>
    ctx.packets.filter(
      (packet) =>
        leg.match(packet) &&
        packet.direction === direction &&
        !!packet.interface &&
        !packet.interface.startsWith('veth') &&
        packet.interface !== 'cni0' &&
        !packet.interface.startsWith('flannel') &&
        capturedOn(ctx, packet, nodeName),
    );
  const nic = ctx.b.actor(underlayActor(nodeName, 'eth0', nodeAddr));
  const sender = ctx.b.actor(externalActor(srcIp ?? 'client', srcIp ? [srcIp] : undefined));
  // A pod on another node calls this node's address: its own node does not DNAT it (KUBE-NODEPORTS
  // matches only local destinations) but routes it out, masqueraded, and this node takes it from there.
  const away = client && !client.hostNetwork && nodeOf(ctx, client) !== nodeName ? client : undefined;
  let from: string;
  let arrivedFrom = srcIp;
  let podSide: PodSideOfNodePort | undefined;
  if (away) {
    podSide = podToOtherNode(ctx, phase, away, { nodeName, nodeAddr, nodePort: port.nodePort, entry });
    from = nic;
    arrivedFrom = podSide.sourceIp ?? srcIp;
  } else if (client) from = podToBridge(ctx, phase, client, entry).at;
  else {
    from = nic;
    const arrived = onNic(entry, 'In');
    ctx.b.step(phase, {
      from: sender,
      to: nic,
      kind: 'packet',
      label: entry.label,
      explanation: `A NodePort is open on every node address: ${nodeName} receives the request on its own NIC.`,
      evidence: [...arrived.slice(0, 1).flatMap((packet) => packet.evidence), ...svc.evidence],
      status: arrived.length === 0 && covers(ctx, nodeName, 'eth0') ? 'missing' : undefined,
      time: arrived[0] ? packetTime(arrived[0]) : undefined,
    });
  }
  // The node calling its own NodePort: a locally generated packet, seen by nat OUTPUT.
  const hook = client?.hostNetwork && nodeOf(ctx, client) === nodeName ? 'OUTPUT' : 'PREROUTING';
  const res = proxyNodePort(ctx, { phase, from, node: nodeName, svc, port, clientIp: arrivedFrom }, nodeAddr, hook);
  if (!res.at || !res.endpoint) return;
  const endpoint = res.endpoint;
  const translatedTo = ctx.connection ? translatedLeg(ctx.connection)?.to : undefined;
  const server =
    endpoint.pod ??
    podByIp(ctx, endpoint.ip) ??
    (endpoint.ip && translatedTo?.startsWith(`${endpoint.ip}:`) ? unnamedPod(ctx.model, endpoint.ip) : undefined);
  let at = res.at;
  const podSourced =
    !!arrivedFrom && res.serviceChain?.startsWith('KUBE-SVC-') && svc.externalTrafficPolicy === 'Local';
  const masqueradedAt = ctx.connection ? masqueradedLeg(ctx.connection)?.from : undefined;
  let masqueradeIp: string | undefined;
  if (svc.externalTrafficPolicy !== 'Local' && !podSourced) {
    // The connection's own entry: by its sender, or (a node calling itself, captured only after the
    // masquerade) by the address its reply goes back to.
    const wireClient = ctx.connection?.client;
    const ct = conntrackEntries(ctx).find(
      (conntrackEntry) =>
        conntrackEntry.original.dst === nodeAddr &&
        conntrackEntry.original.dport === port.nodePort &&
        (!arrivedFrom ||
          conntrackEntry.original.src === arrivedFrom ||
          endpointKey(conntrackEntry.reply.dst, conntrackEntry.reply.dport) === wireClient),
    );
    const sentBy = ct && arrivedFrom && ct.original.src !== arrivedFrom ? ct.original.src : undefined;
    // The masquerade this node did (a pod calling from another node was masqueraded there first).
    const ownMasquerade = ctx.connection
      ? ctx.connection.legs.find(
          (leg) =>
            leg !== ctx.connection!.original &&
            ipOf(leg.from) !== ipOf(ctx.connection!.client) &&
            ipOf(leg.from) !== arrivedFrom &&
            ipOf(leg.to) === endpoint.ip,
        )?.from
      : undefined;
    masqueradeIp =
      (away ? (ownMasquerade ? ipOf(ownMasquerade) : undefined) : masqueradedAt ? ipOf(masqueradedAt) : undefined) ??
      ct?.reply.dst;
    const after = masqueradeIp ?? `${nodeName}'s address on the outgoing interface`;
    const masqueradedFrom = away ? ownMasquerade : (masqueradedAt ?? (sentBy ? wireClient : undefined));
    const masqueraded = masqueradedFrom
      ? ctx.packets.filter(
          (packet) =>
            endpointKey(packet.src?.ip, packet.src?.port) === masqueradedFrom && packet.dst?.ip === endpoint.ip,
        )
      : [];
    const postrouting = kubeMasquerade(ctx, nodeName);
    ctx.b.step(phase, {
      from: at,
      to: postrouting.actor,
      kind: 'nat',
      label: `MASQUERADE src ${sentBy ?? arrivedFrom ?? 'client'} → ${after}`,
      nat: { type: 'MASQUERADE', before: sentBy ?? arrivedFrom ?? 'client', after },
      explanation:
        'The packet carries the KUBE-MARK-MASQ mark, so POSTROUTING masquerades it to the address ' +
        `of the outgoing interface${masqueradeIp ? ` (${masqueradeIp})` : ''}: replies must come ` +
        'back through this node to be un-NATed.',
      evidence: [
        ...masqueraded.slice(0, 1).flatMap((packet) => packet.evidence),
        ...postrouting.evidence,
        ...(ct?.evidence ?? []),
      ],
    });
    at = postrouting.actor;
  }
  if (!server) {
    ctx.b.need(podBehindUnknown(ctx, endpoint.ip));
    return;
  }
  const sourceIp = masqueradeIp ?? arrivedFrom;
  const toEndpoint: Leg = {
    match: (packet) =>
      packet.dst?.ip === endpoint.ip &&
      (endpoint.port === undefined || packet.dst?.port === endpoint.port) &&
      (sourceIp === undefined || packet.src?.ip === sourceIp),
    label: `${port.protocol} ${sourceIp ?? 'node'} → ${endpoint.ip ?? server.name}:${endpoint.port ?? port.port}`,
  };
  const firstPost = ctx.packets.find(toEndpoint.match);
  if (firstPost) toEndpoint.label = describePacket(firstPost);
  const remote = !!server.nodeName && server.nodeName !== nodeName && !server.hostNetwork;
  // The node that received the NodePort forwards to a pod on another node itself.
  const nodeSelf: Pod = { kind: 'Pod', name: nodeName, nodeName, ip: sourceIp, hostNetwork: true, evidence: [] };
  const sent: Pod = client && !away && !remote ? client : nodeSelf;
  bridgeToPod(ctx, phase, {
    from: remote ? crossNode(ctx, phase, { from: at, src: sent, dst: server, leg: toEndpoint }) : at,
    pod: server,
    leg: toEndpoint,
  });

  // The reply: back to the address the pod saw, through this node's conntrack, out to the client.
  const reply = ctx.b.phase('reply');
  const back: Leg = {
    match: (packet) =>
      packet.src?.ip === endpoint.ip &&
      (endpoint.port === undefined || packet.src?.port === endpoint.port) &&
      (sourceIp === undefined || packet.dst?.ip === sourceIp),
    label: `reply ${endpoint.ip ?? server.name}:${endpoint.port ?? port.port} → ${sourceIp ?? nodeName}`,
  };
  const firstBack = ctx.packets.find(back.match);
  if (firstBack) back.label = describePacket(firstBack);
  const { at: leftPod } = podToBridge(ctx, reply, server, back);
  const atNode = remote ? crossNode(ctx, reply, { from: leftPod, src: server, dst: nodeSelf, leg: back }) : leftPod;
  const toClient: Leg = {
    match: (packet) =>
      packet.src?.ip === nodeAddr &&
      packet.src?.port === port.nodePort &&
      (arrivedFrom === undefined || packet.dst?.ip === arrivedFrom),
    label: `reply ${endpointText(nodeAddr, port.nodePort)} → ${arrivedFrom ?? 'client'}`,
  };
  const left = onNic(toClient, 'Out');
  if (left[0]) toClient.label = describePacket(left[0]);
  const conntrack = ctx.b.actor(conntrackActor(nodeName));
  ctx.b.step(reply, {
    from: atNode,
    to: conntrack,
    kind: 'nat',
    label:
      `un-NAT src ${endpoint.ip ?? server.name}:${endpoint.port ?? port.port} → ` +
      `${endpointText(nodeAddr, port.nodePort)}` +
      `${masqueradeIp ? `, dst ${masqueradeIp} → ${arrivedFrom ?? 'client'}` : ''}`,
    nat: {
      type: 'un-DNAT',
      before: `${endpoint.ip ?? server.name}:${endpoint.port ?? port.port}`,
      after: `${endpointText(nodeAddr, port.nodePort)}`,
    },
    explanation:
      'The reply matches the conntrack entry of the request: its source is rewritten back to the NodePort ' +
      'address and, after a masquerade, its destination back to the client.',
    evidence: [
      // the reply as it reached this node, and as it left it to the client: both sides of the un-NAT
      ...(left[0]
        ? [
            ...ctx.packets
              .filter((packet) => back.match(packet) && capturedOn(ctx, packet, nodeName))
              .slice(0, 1)
              .flatMap((packet) => packet.evidence),
            ...left[0].evidence,
          ]
        : []),
      ...conntrackEntries(ctx)
        .filter(
          (conntrackEntry) =>
            conntrackEntry.original.dst === nodeAddr &&
            conntrackEntry.original.dport === port.nodePort &&
            conntrackEntry.reply.src === endpoint.ip,
        )
        .slice(0, 1)
        .flatMap((conntrackEntry) => conntrackEntry.evidence),
    ],
  });
  if (away && podSide)
    replyToOtherNode(ctx, reply, away, {
      nodeName,
      nodePortEnd: endpointKey(nodeAddr, port.nodePort),
      conntrack,
      toClient,
      podSide,
    });
  else if (client) bridgeToPod(ctx, reply, { from: conntrack, pod: client, leg: toClient });
  else
    ctx.b.step(reply, {
      from: conntrack,
      to: sender,
      kind: 'packet',
      label: toClient.label,
      explanation: `The reply leaves ${nodeName}'s NIC from the address the client connected to.`,
      evidence: left.slice(0, 1).flatMap((packet) => packet.evidence),
      status: left.length === 0 && covers(ctx, nodeName, 'eth0') ? 'missing' : undefined,
      time: left[0] ? packetTime(left[0]) : undefined,
    });
}

/** What the pod's own node did to a request for another node's NodePort. */
interface PodSideOfNodePort {
  node: string;
  /** The address the request left the pod's node with (Flannel's MASQUERADE to the node's address). */
  sourceIp?: string;
  /** The client's `ip:port` after that masquerade, when the capture shows it. */
  masqueraded?: string;
  uplink: string;
}

/**
 * pod → its bridge → its node's routing (a node address is no Service: no DNAT there) → Flannel's
 * MASQUERADE to the node's address → out of its uplink → the NodePort node's NIC.
 */
function podToOtherNode(
  ctx: TraceContext,
  phase: ReturnType<TraceContext['b']['phase']>,
  client: Pod,
  target: { nodeName: string; nodeAddr: string; nodePort?: number; entry: Leg },
): PodSideOfNodePort {
  const node = nodeOf(ctx, client);
  const { at } = podToBridge(ctx, phase, client, target.entry);
  const routing = ctx.b.actor(routingActor(node));
  const toTarget = (packet: Packet) => packet.dst?.ip === target.nodeAddr && packet.dst?.port === target.nodePort;
  const toTargetOn = (packet: Packet, direction: string, onNode: string) =>
    toTarget(packet) && packet.direction === direction && onUplink(ctx, packet, onNode);
  const leaving = ctx.packets.find((packet) => toTargetOn(packet, 'Out', node));
  const uplink = leaving?.interface ?? 'eth0';
  const sourceIp = leaving?.src?.ip ?? ctx.model.nodes.find((known) => known.name === node)?.internalIP;
  ctx.b.step(phase, {
    from: at,
    to: routing,
    kind: 'route',
    label: `route to ${target.nodeAddr} (${target.nodeName})`,
    explanation:
      `${target.nodeAddr} is another node's address: KUBE-NODEPORTS matches only destinations ` +
      `local to ${node} (dst-type LOCAL), so nothing is DNATed here and the packet is routed onto ` +
      'the node network.',
    evidence: [derivedEvidence("node addresses are on the nodes' own network")],
  });
  const nicHere = ctx.b.actor(underlayActor(node, uplink, sourceIp));
  const masqueraded = leaving ? endpointKey(leaving.src?.ip, leaving.src?.port) : undefined;
  const before = leaving ? endpointKey(client.ip, leaving.src?.port) : (client.ip ?? client.name);
  const after = masqueraded ?? sourceIp ?? `${node}'s address`;
  ctx.b.step(phase, {
    from: routing,
    to: nicHere,
    kind: 'nat',
    label: `MASQUERADE ${before} → ${after}`,
    nat: { type: 'MASQUERADE', before, after },
    explanation:
      'Pod traffic leaving the pod network is masqueraded to the node address (Flannel ipMasq: POSTROUTING ' +
      '-s <pod CIDR> ! -d <pod CIDR> -j MASQUERADE), so the other node sees this node as the client.',
    evidence: leaving
      ? leaving.evidence
      : [derivedEvidence('Flannel ipMasq masquerades pod traffic leaving the pod network')],
    time: leaving ? packetTime(leaving) : undefined,
  });
  const nicThere = ctx.b.actor(underlayActor(target.nodeName, 'eth0', target.nodeAddr));
  const arrived = ctx.packets.find((packet) => toTargetOn(packet, 'In', target.nodeName));
  ctx.b.step(phase, {
    from: nicHere,
    to: nicThere,
    kind: 'packet',
    label: arrived
      ? describePacket(arrived)
      : `${sourceIp ?? node} → ${endpointText(target.nodeAddr, target.nodePort)}`,
    explanation:
      `Over the node network, not VXLAN: the destination is a node address. ${target.nodeName} ` +
      'receives it on its NIC.',
    evidence: arrived
      ? arrived.evidence
      : (ctx.model.nodes.find((known) => known.name === target.nodeName)?.evidence ?? []),
    status: !arrived && covers(ctx, target.nodeName, 'eth0') ? 'missing' : undefined,
    time: arrived ? packetTime(arrived) : undefined,
  });
  return { node, sourceIp: arrived?.src?.ip ?? sourceIp, masqueraded, uplink };
}

/** The NodePort node's reply back to the pod's node, un-masqueraded there and bridged to the pod. */
function replyToOtherNode(
  ctx: TraceContext,
  reply: ReturnType<TraceContext['b']['phase']>,
  client: Pod,
  back: { nodeName: string; nodePortEnd: string; conntrack: string; toClient: Leg; podSide: PodSideOfNodePort },
): void {
  const { node, uplink, masqueraded, sourceIp } = back.podSide;
  const nicHere = ctx.b.actor(underlayActor(node, uplink, sourceIp));
  const arrived = ctx.packets.find(
    (packet) =>
      back.toClient.match(packet) &&
      packet.direction === 'In' &&
      packet.interface === uplink &&
      capturedOn(ctx, packet, node),
  );
  ctx.b.step(reply, {
    from: back.conntrack,
    to: nicHere,
    kind: 'packet',
    label: arrived ? describePacket(arrived) : back.toClient.label,
    explanation:
      `The reply leaves ${back.nodeName} from the NodePort address to ${node}'s address, over the ` +
      `node network, and arrives on ${node}'s ${uplink}.`,
    evidence: arrived ? arrived.evidence : [],
    status: !arrived && covers(ctx, node, uplink) ? 'missing' : undefined,
    time: arrived ? packetTime(arrived) : undefined,
  });
  const conntrackHere = ctx.b.actor(conntrackActor(node));
  const { nodePortEnd } = back;
  const toPod: Leg = {
    match: (packet) => packet.dst?.ip === client.ip && endpointKey(packet.src?.ip, packet.src?.port) === nodePortEnd,
    label: `reply ${nodePortEnd} → ${client.ip ?? client.name}`,
  };
  const delivered = ctx.packets.find(toPod.match);
  if (delivered) toPod.label = describePacket(delivered);
  ctx.b.step(reply, {
    from: nicHere,
    to: conntrackHere,
    kind: 'nat',
    label: `un-MASQUERADE dst ${masqueraded ?? sourceIp ?? node} → ${client.ip ?? client.name}`,
    nat: { type: 'un-DNAT', before: masqueraded ?? sourceIp ?? node, after: client.ip ?? client.name },
    explanation: `${node}'s conntrack entry of the masquerade rewrites the destination back to the pod.`,
    evidence: [...(arrived ? [arrived] : []), ...(delivered ? [delivered] : [])].flatMap((packet) => packet.evidence),
  });
  bridgeToPod(ctx, reply, { from: conntrackHere, pod: client, leg: toPod });
}

/**
 * What to say about an endpoint no known pod has: ask for the pod list only when none was given
 * (pods with their IPs); when it was, asking again helps nobody — the address belongs to no pod.
 */
function podBehindUnknown(ctx: TraceContext, ip: string | undefined): string {
  const listed = ctx.model.pods.some((pod) => pod.ip !== undefined && !pod.predicted);
  if (listed && ip) return `no pod given has ${ip}: the endpoint is stale or the pod list incomplete`;
  return `pod behind ${ip ?? 'the endpoint'} unknown: run \`kubectl get pods -o wide -A\``;
}
