import type { Packet, Pod } from '../../model';
import { bridgeActor, podActor } from '../actors';
import { bridgeOf, describePacket, nodeOf, sameNode, type TraceContext } from '../context';
import { packetTime } from '../correlate/packetKey';
import type { DstSpec } from '../resolve';
import type { FlowFamily } from '../types';
import { bridgeToPod, podToBridge, type Leg } from './localHops';
import { crossNode, flannelBackend } from './overlay';
import { connectionNotes } from './connection';

/** The first captured packet of a leg gives the arrow its real label. */
export function legBetween(
  ctx: TraceContext,
  ends: { fromIp: string | undefined; toIp: string | undefined; fallback: string; port?: number; reverse?: boolean },
): Leg {
  const { fromIp, toIp, fallback, port, reverse = false } = ends;
  const match = (packet: Packet) =>
    packet.network === 'ip' &&
    !!fromIp &&
    !!toIp &&
    packet.src?.ip === fromIp &&
    packet.dst?.ip === toIp &&
    (port === undefined || (reverse ? packet.src?.port === port : packet.dst?.port === port));
  const first = ctx.packets.find(match);
  return { match, label: first ? describePacket(first) : fallback };
}

export function podToPodFamily(ctx: TraceContext, src: Pod, dst: Pod): FlowFamily {
  if (src.hostNetwork || dst.hostNetwork) return 'host-network';
  if (sameNode(ctx, src, dst)) return 'pod-to-pod';
  return flannelBackend(ctx).backend === 'host-gw' ? 'pod-to-pod-host-gw' : 'pod-to-pod-vxlan';
}

/** One direction: pod → veth → bridge → (other node) → bridge → veth → pod. */
export function podToPodLeg(ctx: TraceContext, phaseName: string, way: { src: Pod; dst: Pod; leg: Leg }): void {
  const { src, dst, leg } = way;
  const phase = ctx.b.phase(phaseName);
  const { at } = podToBridge(ctx, phase, src, leg);
  const local =
    sameNode(ctx, src, dst) || src.hostNetwork || dst.hostNetwork
      ? at
      : crossNode(ctx, phase, { from: at, src, dst, leg });
  bridgeToPod(ctx, phase, { from: local, pod: dst, leg });
}

/** Pod to pod (same node, VXLAN or host-gw): request, reply, and the ARP the capture shows. */
export function tracePodToPod(ctx: TraceContext, src: Pod, dst: Pod, spec: DstSpec): void {
  const proto = spec.protocol ?? (spec.port ? 'TCP' : 'IP');
  const fwd = legBetween(ctx, {
    fromIp: src.ip,
    toIp: dst.ip,
    fallback: `${proto} ${src.ip ?? src.name} → ${dst.ip ?? dst.name}${spec.port ? `:${spec.port}` : ''}`,
    port: spec.port,
  });
  const back = legBetween(ctx, {
    fromIp: dst.ip,
    toIp: src.ip,
    fallback: `reply ${dst.ip ?? dst.name} → ${src.ip ?? src.name}`,
    port: spec.port,
    reverse: true,
  });
  const arpFirst = arpPhaseTime(ctx, src, dst);
  const reqTime = firstTime(ctx, fwd);
  if (arpFirst !== undefined && reqTime !== undefined && arpFirst < reqTime) arpPhase(ctx, src, dst);
  podToPodLeg(ctx, 'request', { src, dst, leg: fwd });
  podToPodLeg(ctx, 'reply', { src: dst, dst: src, leg: back });
  const summary = ctx.b.phase('connection');
  connectionNotes(ctx, summary, {
    clientActor: ctx.b.actor(podActor(src)),
    clientIp: src.ip,
    serverIp: dst.ip,
    port: spec.port,
  });
  if (!(arpFirst !== undefined && reqTime !== undefined && arpFirst < reqTime)) arpPhase(ctx, src, dst);
}

function firstTime(ctx: TraceContext, leg: Leg): number | undefined {
  const packet = ctx.packets.find(leg.match);
  return packet ? packetTime(packet) : undefined;
}

function exchangesBetween(ctx: TraceContext, from: Pod, to: Pod) {
  const ips = new Set([from.ip, to.ip]);
  return ctx.corr.arp.filter(
    (arpExchange) =>
      ips.has(arpExchange.targetIp) && (arpExchange.senderIp === undefined || ips.has(arpExchange.senderIp)),
  );
}

function arpPhaseTime(ctx: TraceContext, from: Pod, to: Pod): number | undefined {
  const arpExchange = exchangesBetween(ctx, from, to)[0];
  return arpExchange?.request?.start ?? arpExchange?.reply?.start;
}

/** ARP as captured: the request is broadcast through the bridge, the reply comes back unicast. */
function arpPhase(ctx: TraceContext, from: Pod, to: Pod): void {
  const exchanges = exchangesBetween(ctx, from, to);
  if (!exchanges.length || !sameNode(ctx, from, to)) return;
  // The ARP frames prove the ARP steps (and nothing else).
  const frames = exchanges.flatMap((arpExchange) => [
    ...(arpExchange.request?.packets ?? []),
    ...(arpExchange.reply?.packets ?? []),
  ]);
  ctx.b.withScope(frames, () => arpSteps(ctx, from, to, exchanges));
}

function arpSteps(ctx: TraceContext, from: Pod, to: Pod, exchanges: ReturnType<typeof exchangesBetween>): void {
  const phase = ctx.b.phase('ARP');
  const node = nodeOf(ctx, from);
  const bridge = bridgeOf(ctx, node);
  const br = ctx.b.actor(bridgeActor(node, bridge.name, bridge.address));
  const byIp = (ip?: string) => (ip === from.ip ? from : ip === to.ip ? to : undefined);
  for (const arpExchange of exchanges) {
    const asker = byIp(arpExchange.senderIp);
    const target = byIp(arpExchange.targetIp);
    if (asker && target && arpExchange.request) {
      const req = arpExchange.request.packets;
      ctx.b.step(phase, {
        from: ctx.b.actor(podActor(asker)),
        to: br,
        kind: 'arp',
        label: describePacket(req[0]),
        explanation:
          `${asker.name} needs ${target.name}'s MAC before it can send unicast frames; the ` +
          'request is a broadcast.',
        evidence: req.filter((packet) => packet.direction === 'P').flatMap((packet) => packet.evidence),
        time: arpExchange.request.start,
      });
      ctx.b.step(phase, {
        from: br,
        to: ctx.b.actor(podActor(target)),
        kind: 'arp',
        label: 'broadcast to every port',
        explanation: 'The bridge sends broadcasts out of all ports; the owner of the address answers.',
        evidence: req.filter((packet) => packet.direction === 'Out').flatMap((packet) => packet.evidence),
      });
    }
    if (target && asker && arpExchange.reply) {
      const rep = arpExchange.reply.packets;
      ctx.b.step(phase, {
        from: ctx.b.actor(podActor(target)),
        to: br,
        kind: 'arp',
        label: describePacket(rep[0]),
        explanation: `${target.name} answers with its MAC (unicast back to the asker).`,
        evidence: rep.filter((packet) => packet.direction === 'P').flatMap((packet) => packet.evidence),
        time: arpExchange.reply.start,
      });
      ctx.b.step(phase, {
        from: br,
        to: ctx.b.actor(podActor(asker)),
        kind: 'arp',
        label: `${arpExchange.targetIp} is-at ${arpExchange.mac ?? 'a MAC not printed'}`,
        explanation: 'The bridge learned both MACs from these frames and forwards the reply to one port.',
        evidence: rep.filter((packet) => packet.direction === 'Out').flatMap((packet) => packet.evidence),
      });
    }
  }
}
