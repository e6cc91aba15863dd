import type { Packet } from '../../model';
import type { ConnectionOutcome } from '../types';
import { connectionKey, packetTime } from './packetKey';
import { timeSpan } from './timing';
import type { CaptureSite } from './sites';

/** A packet of a connection as one capture saw it, with the form it had there. */
export interface Sighting {
  /** The line's packet: for a VXLAN-wrapped sighting, the outer packet. */
  packet: Packet;
  /** The packet of the connection itself (the inner frame of a VXLAN sighting). */
  frame: Packet;
  site?: CaptureSite;
  /** True when the frame was seen inside a VXLAN packet on the underlay. */
  encapsulated: boolean;
}

/** One 5-tuple of a connection (both directions): the original, the DNATed or the masqueraded form. */
export interface ConnectionLeg {
  key: string;
  /** `ip:port` of the side that sent the leg's first packet, and of the other side. */
  from: string;
  to: string;
  sightings: Sighting[];
}

/**
 * One connection as every capture shows it: every NAT version (legs), on every interface and node,
 * in both directions. TCP legs are linked by the client's initial sequence number (NAT rewrites
 * addresses and ports, never sequence numbers); UDP and ICMP legs by the client's address and port
 * and the DNS id or ICMP id that NAT keeps.
 */
export interface Connection {
  protocol: 'tcp' | 'udp' | 'icmp';
  legs: ConnectionLeg[];
  /** The leg the client sent first (earliest first packet). */
  original: ConnectionLeg;
  client: string;
  /** Every sighting, in capture-time order (untimed ones last, in input order). */
  sightings: Sighting[];
  outcome: ConnectionOutcome;
  start?: number;
  end?: number;
}

/** The address of an `ip:port` endpoint as connections name them. */
export const ipOf = (endpoint: string): string => endpoint.slice(0, endpoint.lastIndexOf(':'));

/** The port of an `ip:port` endpoint as connections name them. */
export const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/** `ip:port` as connections name their ends (a missing part left empty: a key, not a label). */
export function endpointKey(ip: string | undefined, port: number | undefined): string {
  return `${ip ?? ''}:${port ?? ''}`;
}

/** What links NAT versions of one connection: the client's ISN (TCP), DNS id or ICMP id with the client. */
function linkKeys(leg: ConnectionLeg, protocol: string): string[] {
  const keys = new Set<string>();
  for (const { frame } of leg.sightings) {
    const tcp = frame.tcp;
    if (protocol === 'tcp' && tcp) {
      if (tcp.flags === 'S' && tcp.seq !== undefined) keys.add(`isn|${tcp.seq}`);
      else if (tcp.flags === 'S.' && tcp.ack !== undefined) keys.add(`isn|${tcp.ack - 1}`);
    } else if (protocol === 'udp' && frame.dns) {
      const client = frame.dns.response ? frame.dst : frame.src;
      keys.add(`dns|${frame.dns.id}|${client?.port ?? ''}`);
    } else if (protocol === 'icmp' && frame.icmp?.id !== undefined) {
      keys.add(`icmp|${frame.icmp.id}|${frame.icmp.seq ?? ''}`);
    }
  }
  return [...keys];
}

function outcomeOf(protocol: string, sightings: readonly Sighting[]): ConnectionOutcome {
  const frames = sightings.map((sighting) => sighting.frame);
  if (protocol !== 'tcp') {
    if (frames.some((packet) => packet.protocol === 'icmp' && /unreachable|exceeded/i.test(packet.icmp?.type ?? '')))
      return 'unreachable';
    const first = frames[0];
    const replied = frames.some(
      (packet) =>
        packet.src?.ip !== first?.src?.ip || packet.src?.port !== first?.src?.port || packet.dns?.response === true,
    );
    return replied ? 'answered' : 'no-reply';
  }
  const flags = frames.map((packet) => packet.tcp?.flags ?? '');
  const synAck = flags.some((flag) => flag === 'S.');
  const rst = flags.some((flag) => flag.includes('R'));
  const fins = flags.filter((flag) => flag.includes('F'));
  if (rst) return synAck ? 'reset' : 'refused';
  if (!synAck) return flags.some((flag) => flag === 'S') ? 'no-reply' : 'unknown';
  return fins.length >= 2 ? 'closed' : 'established';
}

class Links {
  private readonly parent: number[] = [];
  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(index: number): number {
    let root = index;
    while (this.parent[root] !== root) root = this.parent[root];
    while (this.parent[index] !== root) {
      const next = this.parent[index];
      this.parent[index] = root;
      index = next;
    }
    return root;
  }
  join(first: number, second: number): void {
    this.parent[this.find(first)] = this.find(second);
  }
}

/**
 * Reconstructs the connections in `packets` (any number of captures and nodes): TCP, UDP and
 * ICMP packets grouped by 5-tuple into legs, legs of one connection linked across NAT.
 * `addressed` says which `ip:port` ends a client addresses that NAT then rewrites (ClusterIPs,
 * NodePorts): it picks the original form when the client's own packets were not captured.
 * Linear in the number of packets (plus sorting each connection's sightings).
 */
export function reconstructConnections(
  packets: readonly Packet[],
  siteOf: ReadonlyMap<Packet, CaptureSite> = new Map(),
  addressed?: (endpoint: string) => boolean,
): Connection[] {
  const legs = new Map<string, LegState>();
  const order: LegState[] = [];
  for (const packet of packets) {
    const encapsulated = packet.inner !== undefined && packet.inner.network === 'ip';
    const frame = encapsulated ? packet.inner! : packet;
    const protocol = frame.protocol;
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') continue;
    const key = connectionKey(frame);
    if (!key) continue;
    let state = legs.get(key);
    if (!state) {
      const leg: ConnectionLeg = {
        key,
        from: endpointKey(frame.src?.ip, frame.src?.port),
        to: endpointKey(frame.dst?.ip, frame.dst?.port),
        sightings: [],
      };
      state = { leg, protocol, sawSyn: false, sawHandshake: false };
      legs.set(key, state);
      order.push(state);
    }
    // A handshake seen after the leg started decides who the client is: the SYN's sender, else the
    // SYN-ACK's receiver (a capture that shows a NAT form only in the replies, as `-i cni0` does).
    const flags = frame.tcp?.flags;
    if (flags === 'S' && !state.sawSyn) {
      state.leg.from = endpointKey(frame.src?.ip, frame.src?.port);
      state.leg.to = endpointKey(frame.dst?.ip, frame.dst?.port);
    } else if (flags === 'S.' && !state.sawHandshake) {
      state.leg.from = endpointKey(frame.dst?.ip, frame.dst?.port);
      state.leg.to = endpointKey(frame.src?.ip, frame.src?.port);
    }
    if (flags === 'S') state.sawSyn = true;
    if (flags === 'S' || flags === 'S.') state.sawHandshake = true;
    state.leg.sightings.push({ packet, frame, site: siteOf.get(packet), encapsulated });
  }

  const links = new Links();
  const byLinkKey = new Map<string, number>();
  for (const state of order) {
    const index = links.add();
    for (const linkKey of linkKeys(state.leg, state.protocol)) {
      const known = byLinkKey.get(linkKey);
      if (known === undefined) byLinkKey.set(linkKey, index);
      else links.join(index, known);
    }
  }

  const groups = new Map<number, LegState[]>();
  order.forEach((state, index) => {
    const root = links.find(index);
    const list = groups.get(root);
    if (list) list.push(state);
    else groups.set(root, [state]);
  });

  const connections: Connection[] = [];
  for (const group of groups.values()) {
    const protocol = group[0].protocol;
    const byTime = legsByTime(group);
    // The form the client addressed: the first one seen, unless a capture missed the client's side
    // and a later leg from the same client goes to an address the client can have chosen (a
    // ClusterIP or a node's NodePort, as `addressed` says) while the first goes to a pod.
    const first = byTime[0];
    const original =
      addressed && !addressed(first.to)
        ? (byTime.find((leg) => leg.from === first.from && addressed(leg.to)) ?? first)
        : first;
    if (original !== first) {
      byTime.splice(byTime.indexOf(original), 1);
      byTime.unshift(original);
    }
    const sightings = inTimeOrder(group.length === 1 ? group[0].leg.sightings.slice() : group.flatMap(sightingsOf));
    const span = timeSpan(sightings.map((sighting) => sighting.packet));
    connections.push({
      protocol,
      legs: byTime,
      original,
      client: original.from,
      sightings,
      outcome: outcomeOf(protocol, sightings),
      start: span?.first,
      end: span?.last,
    });
  }
  connections.sort((connection, other) => (connection.start ?? Infinity) - (other.start ?? Infinity));
  return connections;
}

/** A leg while connections are rebuilt: its protocol and whether a SYN (or SYN-ACK) was seen yet. */
interface LegState {
  leg: ConnectionLeg;
  protocol: Connection['protocol'];
  sawSyn: boolean;
  sawHandshake: boolean;
}

const sightingsOf = (state: LegState): Sighting[] => state.leg.sightings;

/** The legs of one connection by the time of their first packet (untimed ones last). */
function legsByTime(group: readonly LegState[]): ConnectionLeg[] {
  if (group.length === 1) return [group[0].leg];
  const firstTime = new Map(
    group.map((state) => [
      state.leg,
      timeSpan(state.leg.sightings.map((sighting) => sighting.packet))?.first ?? Number.POSITIVE_INFINITY,
    ]),
  );
  return group.map((state) => state.leg).sort((leg, other) => firstTime.get(leg)! - firstTime.get(other)!);
}

/**
 * Sightings sorted by capture time (untimed ones last, in input order). Sightings already in
 * order, every one timed (one capture's own packets), are left as they are: the sort would not move them.
 */
function inTimeOrder(sightings: Sighting[]): Sighting[] {
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (const sighting of sightings) {
    const time = packetTime(sighting.packet);
    if (time === undefined || time < previous) {
      sorted = false;
      break;
    }
    previous = time;
  }
  if (!sorted)
    sightings.sort(
      (sighting, other) => (packetTime(sighting.packet) ?? Infinity) - (packetTime(other.packet) ?? Infinity),
    );
  return sightings;
}

/** The destination after DNAT: a leg that keeps the client's address and port but goes elsewhere. */
export function translatedLeg(connection: Connection): ConnectionLeg | undefined {
  return connection.legs.find((leg) => leg !== connection.original && leg.to !== connection.original.to);
}

/** The client's address after SNAT/MASQUERADE: a leg whose sender is not the client. */
export function masqueradedLeg(connection: Connection): ConnectionLeg | undefined {
  return connection.legs.find((leg) => leg !== connection.original && ipOf(leg.from) !== ipOf(connection.client));
}

/** Every packet (outer packets of VXLAN sightings included) of the connection. */
export function connectionPackets(connection: Connection): Packet[] {
  return connection.sightings.map((sighting) => sighting.packet);
}
