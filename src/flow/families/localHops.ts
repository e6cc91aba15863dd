import { cidrContains, derivedEvidence, evidenceRole, type Evidence, type Packet, type Pod } from '../../model';
import { bridgeActor, nodeActor, podActor, vethActor } from '../actors';
import { bridgeOf, captureHint, capturedOn, covers, nodeOf, type TraceContext } from '../context';
import { connectionWorked } from '../correlate/connections';
import { packetTime } from '../correlate/packetKey';
import type { FlowPhase, StepKind } from '../types';

/** Which packets belong to this leg of the flow, and how to label its arrows. */
export interface Leg {
  match: (p: Packet) => boolean;
  label: string;
  kind?: StepKind;
}

const few = (evidences: Evidence[], count = 3) => evidences.slice(0, count);

/**
 * Which veth leads to a pod is told by packets of any exchange (the pod's DNS query, its ARP); such
 * lines name the interface, they prove no hop of this connection, so hops cite only `ip link`.
 */
const notPackets = (evidence: Evidence[]) => evidence.filter((item) => evidenceRole(item) !== 'packet');

/**
 * The host-side veth of a pod, with how we know it; unknown veths become a named placeholder and an
 * `unresolved` entry.
 */
function vethFor(
  ctx: TraceContext,
  pod: Pod,
): { id: string; name: string; known: boolean; evidence: Evidence[]; rivals: Evidence[]; rivalNames: string[] } {
  const node = nodeOf(ctx, pod);
  const own = pod.ip ? ctx.veths.get(pod.ip) : undefined;
  if (own) {
    const id = ctx.b.actor(vethActor(node, own.iface));
    return {
      id,
      name: own.iface,
      known: true,
      evidence: own.evidence,
      rivals: own.rivals.flatMap((vethClaim) => vethClaim.evidence),
      rivalNames: [...new Set(own.rivals.map((vethClaim) => vethClaim.iface))],
    };
  }
  const name = `veth of ${pod.name}`;
  ctx.b.need(`veth of ${pod.name} unknown: run \`ip link\` on ${node} or ${captureHint(pod.ip)}`);
  const id = ctx.b.actor({ ...vethActor(node, name), id: `veth:${node}/?${pod.name}` });
  return { id, name, known: false, evidence: [], rivals: [], rivalNames: [] };
}

/** Sightings of the leg's packet on one interface of one node in one direction, earliest first. */
function sightings(
  ctx: TraceContext,
  at: { node: string; iface: string | undefined },
  dirs: string[],
  leg: Leg,
): Packet[] {
  const { node, iface } = at;
  if (!iface) return [];
  return ctx.packets.filter(
    (packet) =>
      packet.interface === iface &&
      dirs.includes(packet.direction ?? '') &&
      capturedOn(ctx, packet, node) &&
      leg.match(packet),
  );
}

/**
 * The leg's packet leaving `bridge` or any pod veth of `node` (its name need not be known): `Out`, or
 * with no direction (a capture on that one interface prints none).
 */
function towardPods(ctx: TraceContext, node: string, bridge: string, leg: Leg): Packet[] {
  return ctx.packets.filter((packet) => {
    // a capture of one interface (`-i cni0`) prints neither the interface nor a direction
    const site = ctx.siteOf.get(packet)?.interfaces;
    const iface = packet.interface ?? (site !== 'any' ? site : undefined);
    return (
      (iface === bridge || iface?.startsWith('veth') === true) &&
      (packet.direction === 'Out' || packet.direction === undefined) &&
      capturedOn(ctx, packet, node) &&
      leg.match(packet)
    );
  });
}

/** The flow's connection never got an answer through (no reply, reset, refused, unreachable). */
const failedConnection = (ctx: TraceContext): boolean =>
  ctx.connection !== undefined && !connectionWorked(ctx.connection);

/** The leg's packet captured inside the pod's own network namespace (`tcpdump -i eth0` in the pod). */
function inPod(ctx: TraceContext, pod: Pod, leg: Leg): Packet[] {
  return ctx.packets.filter((packet) => ctx.siteOf.get(packet)?.pod === pod.name && leg.match(packet));
}

/** `missing` when a capture covered this interface while the connection ran and does not show the packet. */
function unseenStatus(ctx: TraceContext, seen: readonly Packet[], node: string, iface: string | undefined) {
  return seen.length === 0 && iface !== undefined && covers(ctx, node, iface) ? ('missing' as const) : undefined;
}

/** `master cni0` on the veth's `ip link` line proves it is a bridge port. */
function portEvidence(ctx: TraceContext, veth: string, bridge: string): Evidence[] {
  return ctx.model
    .all('HostInterface')
    .filter((hostInterface) => hostInterface.name === veth && hostInterface.master === bridge)
    .flatMap((hostInterface) => hostInterface.evidence);
}

/**
 * pod eth0 → host veth → bridge (or, for hostNetwork pods, the node's own stack). Returns the actor
 * the packet is at.
 */
export function podToBridge(
  ctx: TraceContext,
  phase: FlowPhase,
  pod: Pod,
  leg: Leg,
): { at: string; time?: number; sent?: Packet } {
  const node = nodeOf(ctx, pod);
  if (pod.hostNetwork) {
    const at = ctx.b.actor(nodeActor(node, pod.ip ? [pod.ip] : undefined));
    return { at };
  }
  const podId = ctx.b.actor(podActor(pod));
  const veth = vethFor(ctx, pod);
  const seen = sightings(ctx, { node, iface: veth.known ? veth.name : undefined }, ['P', 'In'], leg);
  // Inside the pod, the packet leaving its eth0 is the same hop seen from the pod's end of the pair.
  const leaving = seen.length ? [] : inPod(ctx, pod, leg);
  const bridge = bridgeOf(ctx, node);
  const bridgeId = ctx.b.actor(bridgeActor(node, bridge.name, bridge.address));
  const contradicted = veth.rivals.length > 0;
  const whereSeen = seen.length
    ? ' (the capture shows it there with direction P: sent by the pod)'
    : leaving.length
      ? ` (a capture inside ${pod.name} shows it leaving eth0)`
      : '';
  ctx.b.step(phase, {
    from: podId,
    to: veth.id,
    kind: leg.kind ?? 'packet',
    label: leg.label,
    explanation: contradicted
      ? `Evidence disagrees about ${pod.name}'s host-side veth: ${veth.name} vs ${veth.rivalNames.join(', ')}.`
      : `${pod.name} sends from its eth0; the other end of the veth pair, ${veth.name}, sits in the node's ` +
        `root namespace${whereSeen}.`,
    evidence: [
      // the first sighting: the packet the label names (later ones of the leg are other segments)
      ...few(
        [...seen, ...leaving].flatMap((packet) => packet.evidence),
        1,
      ),
      ...few(notPackets(veth.evidence)),
      ...veth.rivals,
    ],
    status: contradicted
      ? 'contradicted'
      : unseenStatus(ctx, [...seen, ...leaving], node, veth.known ? veth.name : undefined),
    time: seen[0] ? packetTime(seen[0]) : leaving[0] ? packetTime(leaving[0]) : undefined,
  });
  const port = veth.known ? portEvidence(ctx, veth.name, bridge.name) : [];
  ctx.b.step(phase, {
    from: veth.id,
    to: bridgeId,
    kind: leg.kind ?? 'packet',
    label: `${veth.name} is a port of ${bridge.name}`,
    explanation:
      `A veth enslaved to a bridge hands every frame to the bridge (\`master ${bridge.name}\`); ` +
      'the bridge looks up the destination MAC.',
    // A frame received on a bridge port is the bridge's: the sighting on the veth proves this hop too.
    evidence: [
      ...few(
        seen.map((packet) => packet.evidence[0]),
        1,
      ),
      ...(port.length ? port : bridge.evidence),
    ],
  });
  return { at: bridgeId, time: seen[0] ? packetTime(seen[0]) : undefined, sent: seen[0] };
}

/** bridge → the pod's host veth → pod eth0. `from` is where the packet is now (bridge, routing, node). */
export function bridgeToPod(ctx: TraceContext, phase: FlowPhase, way: { from: string; pod: Pod; leg: Leg }): void {
  const { from, pod, leg } = way;
  const node = nodeOf(ctx, pod);
  const podId = ctx.b.actor(podActor(pod));
  if (pod.hostNetwork) {
    ctx.b.step(phase, {
      from,
      to: podId,
      kind: leg.kind ?? 'packet',
      label: leg.label,
      explanation: `${pod.name} uses the host network: the node's own stack receives it, no veth.`,
      evidence: pod.evidence,
    });
    return;
  }
  const bridge = bridgeOf(ctx, node);
  const bridgeId = ctx.b.actor(bridgeActor(node, bridge.name, bridge.address));
  if (from !== bridgeId) {
    const route = ctx.model
      .all('Route')
      .find(
        (candidate) =>
          candidate.dev === bridge.name &&
          pod.ip &&
          cidrContains(candidate.destination, pod.ip) &&
          (!candidate.host || candidate.host === node),
      );
    // The routed packet leaving through the bridge device itself (`cni0 Out`) proves this hop.
    const onBridge = sightings(ctx, { node, iface: bridge.name }, ['Out'], leg);
    ctx.b.step(phase, {
      from,
      to: bridgeId,
      kind: 'route',
      label: route ? `${route.destination} dev ${bridge.name}` : `local pod subnet → ${bridge.name}`,
      explanation:
        `The node routes its own pod subnet onto the bridge (a connected route on ${bridge.name})` +
        `${onBridge.length ? '; the capture shows the packet leaving through it' : ''}.`,
      evidence: [
        ...few(
          onBridge.flatMap((packet) => packet.evidence),
          1,
        ),
        ...(route
          ? route.evidence
          : onBridge.length
            ? []
            : [
                derivedEvidence(
                  `the bridge plugin gives ${bridge.name} the node's pod-subnet gateway address, so the ` +
                    'subnet is directly connected',
                ),
              ]),
      ],
      // A routed packet for a pod of this node leaves through the bridge device itself (after a DNAT the
      // bridge may instead hand it on directly: then only a pod veth shows it). A capture that covered
      // the bridge while the connection ran and shows it on neither never saw it get that far.
      // Only for a connection that got no answer: one that worked got there in a form the capture
      // may not show (a reply bridged before conntrack restores its address).
      status: failedConnection(ctx)
        ? unseenStatus(ctx, [...towardPods(ctx, node, bridge.name, leg), ...inPod(ctx, pod, leg)], node, bridge.name)
        : undefined,
      time: onBridge[0] ? packetTime(onBridge[0]) : undefined,
    });
  }
  const veth = vethFor(ctx, pod);
  const outs = sightings(ctx, { node, iface: veth.known ? veth.name : undefined }, ['Out'], leg);
  const floodedOn = outs.length ? ctx.corr.floodOf.get(outs[0]) : undefined;
  const contradicted = veth.rivals.length > 0;
  ctx.b.step(phase, {
    from: bridgeId,
    to: veth.id,
    kind: leg.kind ?? 'packet',
    label: leg.label,
    explanation: floodedOn
      ? 'The bridge did not know the destination MAC yet, so it flooded the frame out of ' +
        `${floodedOn.interfaces.length} ports; ${veth.name} is the one that leads to ${pod.name}.`
      : `The bridge forwards the frame out of the port where it learned ${pod.name}'s MAC.`,
    evidence: [
      ...few(
        outs.flatMap((packet) => packet.evidence),
        1,
      ),
      ...few(notPackets(veth.evidence), 2),
      ...veth.rivals,
    ],
    status: contradicted ? 'contradicted' : unseenStatus(ctx, outs, node, veth.known ? veth.name : undefined),
    time: outs[0] ? packetTime(outs[0]) : undefined,
  });
  // Inside the pod, the packet arriving on its eth0 proves the delivery from the pod's end.
  const arrived = outs.length ? outs : inPod(ctx, pod, leg);
  ctx.b.step(phase, {
    from: veth.id,
    to: podId,
    kind: leg.kind ?? 'packet',
    label: `delivered to ${pod.name} eth0`,
    explanation:
      `Whatever leaves ${veth.name} comes out of eth0 inside ${pod.name}'s network namespace` +
      `${outs.length === 0 && arrived.length ? ` (a capture inside ${pod.name} shows it arriving)` : ''}.`,
    evidence: arrived.length
      ? few(
          arrived.flatMap((packet) => packet.evidence),
          1,
        )
      : few(notPackets(veth.evidence), 1),
  });
}
