import type { Endpoint4, Packet } from '../../model';
import type { ConnectionOutcome } from '../types';
import { connectionKey, packetTime } from './packetKey';
import { timeSpan } from './timing';
import { SitesOfList, type CaptureSite, type PacketSites } from './sites';
import { isnOf, TupleReuse } from './tupleReuse';
import { excerptLinks } from './excerptLinks';
import { orientLegs } from './legOrientation';

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

/** The outcomes of a connection that got through: set up (and maybe closed), or answered. */
const WORKED: ReadonlySet<ConnectionOutcome> = new Set<ConnectionOutcome>(['closed', 'established', 'answered']);

/** True when the connection got through (its outcome is closed, established or answered). */
export const connectionWorked = (connection: Pick<Connection, 'outcome'>): boolean => WORKED.has(connection.outcome);

/** The address of an `ip:port` endpoint as connections name them. */
export const ipOf = (endpoint: string): string => endpoint.slice(0, endpoint.lastIndexOf(':'));

/** The port of an `ip:port` endpoint as connections name them. */
export const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/** `ip:port` as connections name their ends (a missing part left empty: a key, not a label). */
export function endpointKey(ip: string | undefined, port: number | undefined): string {
  return `${ip ?? ''}:${port ?? ''}`;
}

function outcomeOf(protocol: string, sightings: readonly Sighting[]): ConnectionOutcome {
  if (protocol !== 'tcp') {
    const unreachable = (packet: Packet) =>
      packet.protocol === 'icmp' && /unreachable|exceeded/i.test(packet.icmp?.type ?? '');
    if (sightings.some((sighting) => unreachable(sighting.frame))) return 'unreachable';
    const replied = bothWays(sightings) || sightings.some(({ frame }) => frame.dns?.response === true);
    return replied ? 'answered' : 'no-reply';
  }
  let synAck = false;
  let rst = false;
  let syn = false;
  let fins = 0;
  let clientAcked = false;
  // The same handshake packet twice at one place: sent again, its answer lost.
  let handshakeRepeated = false;
  const handshakeSeen = new Set<string>();
  const client = sightings.find(({ frame }) => frame.tcp?.flags === 'S')?.frame.src;
  for (const { frame, packet, site } of sightings) {
    const flags = frame.tcp?.flags ?? '';
    if (flags === 'S.') synAck = true;
    if (flags === 'S') syn = true;
    if (flags.includes('R')) rst = true;
    if (flags.includes('F')) fins++;
    if (flags !== 'S' && flags.includes('.') && frame.src?.ip === client?.ip && frame.src?.port === client?.port)
      clientAcked = true;
    if (flags === 'S' || flags === 'S.') {
      const where = `${site?.index ?? ''}|${packet.interface ?? ''}|${packet.direction ?? ''}|${flags}`;
      if (handshakeSeen.has(where)) handshakeRepeated = true;
      handshakeSeen.add(where);
    }
  }
  if (rst) return synAck ? 'reset' : 'refused';
  if (syn && !synAck) return 'no-reply';
  // The server answered, the answer never reached the client: it never acknowledged and tried again.
  if (syn && synAck && !clientAcked && handshakeRepeated) return 'no-reply';
  // opened before every capture began: established when packets went both ways
  if (!synAck && !bothWays(sightings)) return 'unknown';
  return fins >= 2 ? 'closed' : 'established';
}

/** Whether the sightings hold packets sent each way (from the first one's sender, and to it). */
function bothWays(sightings: readonly Sighting[]): boolean {
  const first = sightings[0]?.frame.src;
  return sightings.some(({ frame }) => frame.src?.ip !== first?.ip || frame.src?.port !== first?.port);
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
 * What links NAT versions of one connection, and the first leg that carried it: the client's ISN
 * (a SYN's seq, a SYN-ACK's ack - 1), a DNS id with the client's port, an ICMP id and sequence.
 * Numbers in maps, no key string per packet.
 */
class LinkIndex {
  private readonly isn = new Map<number, number>();
  private readonly dns = new Map<number, Map<number | undefined, number>>();
  private readonly icmp = new Map<number, Map<number | undefined, number>>();

  constructor(private readonly links: Links) {}

  /** Links leg `index` with the first leg whose frames carried what `frame` carries. */
  add(frame: Packet, index: number): void {
    const tcp = frame.tcp;
    if (frame.protocol === 'tcp' && tcp) {
      if (tcp.flags === 'S' && tcp.seq !== undefined) this.link(this.isn, tcp.seq, index);
      else if (tcp.flags === 'S.' && tcp.ack !== undefined) this.link(this.isn, tcp.ack - 1, index);
    } else if (frame.protocol === 'udp' && frame.dns) {
      const client = frame.dns.response ? frame.dst : frame.src;
      this.link(LinkIndex.inner(this.dns, frame.dns.id), client?.port, index);
    } else if (frame.protocol === 'icmp' && frame.icmp?.id !== undefined) {
      this.link(LinkIndex.inner(this.icmp, frame.icmp.id), frame.icmp.seq, index);
    }
  }

  private link<K>(first: Map<K, number>, key: K, index: number): void {
    const known = first.get(key);
    if (known === undefined) first.set(key, index);
    else if (known !== index) this.links.join(index, known);
  }

  private static inner(outer: Map<number, Map<number | undefined, number>>, id: number) {
    let byNumber = outer.get(id);
    if (!byNumber) outer.set(id, (byNumber = new Map<number | undefined, number>()));
    return byNumber;
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
  siteOf?: PacketSites,
  addressed?: (endpoint: string) => boolean,
): Connection[] {
  const rebuilt = rebuild({ packets, siteOf, addressed });
  if (rebuilt !== 'tuple reused') return rebuilt;
  // Rare: a tuple carried one connection after another. Again, with each connection told apart.
  const siteAt = sitesAt(packets, siteOf);
  const reuse = TupleReuse.of(packets, frameOf, (position) => siteAt(position)?.index ?? -1);
  return rebuild({ packets, siteOf, addressed, reuse }) as Connection[];
}

/**
 * The sites of `packets` by position: a SitedPackets list's own (no lookup per packet), else by packet;
 * none without `siteOf` (no lookup at all: a lookup in a map gives each packet an identity hash).
 */
function sitesAt(packets: readonly Packet[], siteOf?: PacketSites): (position: number) => CaptureSite | undefined {
  if (!siteOf) return () => undefined;
  const byPosition = siteOf instanceof SitesOfList && siteOf.packets === packets ? siteOf : undefined;
  return byPosition ? (position) => byPosition.at(position) : (position) => siteOf.get(packets[position]);
}

/**
 * The connections of reconstructConnections, with the connections on each tuple `reuse` splits told
 * apart; without `reuse`, 'tuple reused' as soon as a tuple's handshakes carry two ISNs.
 */
function rebuild(input: {
  packets: readonly Packet[];
  siteOf?: PacketSites;
  addressed?: (endpoint: string) => boolean;
  reuse?: TupleReuse;
}): Connection[] | 'tuple reused' {
  const { packets, siteOf, addressed, reuse } = input;
  const legs = new Map<string, LegState>();
  const order: LegState[] = [];
  const links = new Links();
  const linkIndex = new LinkIndex(links);
  // The leg of each (protocol, source, destination) endpoint objects met: the parser shares one
  // object per endpoint, so most packets find their leg without building the key string. (The key
  // of a TCP or UDP packet with both ports depends on nothing else; nothing here changes an endpoint.)
  const byEnds = {
    tcp: new Map<Endpoint4, Map<Endpoint4, LegState>>(),
    udp: new Map<Endpoint4, Map<Endpoint4, LegState>>(),
  };
  const siteAt = sitesAt(packets, siteOf);
  // A tuple that carried one connection after another: each gets legs of its own (see TupleReuse).
  const generations = new Map<LegState, Map<number, LegState>>();
  /** A leg of `key` begun by `frame`, in the order legs were met. */
  const newLeg = (key: string, frame: Packet, protocol: Connection['protocol']): LegState => {
    const { src, dst } = frame;
    const leg: ConnectionLeg = {
      key,
      from: endpointKey(src?.ip, src?.port),
      to: endpointKey(dst?.ip, dst?.port),
      sightings: [],
    };
    const state: LegState = { leg, protocol, index: links.add(), sawSyn: false, sawHandshake: false };
    order.push(state);
    return state;
  };
  for (let position = 0; position < packets.length; position++) {
    const packet = packets[position];
    const frame = frameOf(packet);
    const encapsulated = frame !== packet;
    const protocol = frame.protocol;
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') continue;
    const { src, dst } = frame;
    const ported = protocol !== 'icmp' && src?.port !== undefined && dst?.port !== undefined;
    let state = ported ? byEnds[protocol].get(src)?.get(dst) : undefined;
    if (!state) {
      const key = connectionKey(frame);
      if (!key) continue;
      state = legs.get(key);
      if (!state) {
        state = newLeg(key, frame, protocol);
        legs.set(key, state);
      }
      // Both ways: the key is the same for the reply.
      if (ported) {
        remember(byEnds[protocol], src, dst, state);
        remember(byEnds[protocol], dst, src, state);
      }
    }
    const site = siteAt(position);
    if (reuse?.splits(state.leg.key)) {
      const generation = reuse.generationOf(state.leg.key, frame, packet, site?.index ?? -1);
      let byGeneration = generations.get(state);
      if (!byGeneration) generations.set(state, (byGeneration = new Map<number, LegState>()));
      let own = byGeneration.get(generation);
      if (!own) byGeneration.set(generation, (own = newLeg(state.leg.key, frame, protocol)));
      state = own;
    }
    linkIndex.add(frame, state.index);
    // A handshake seen after the leg started decides who the client is: the SYN's sender, else the
    // SYN-ACK's receiver (a capture that shows a NAT form only in the replies, as `-i cni0` does).
    const flags = frame.tcp?.flags;
    if (!reuse && (flags === 'S' || flags === 'S.')) {
      const isn = isnOf(frame);
      if (state.isn === undefined) state.isn = isn;
      else if (isn !== undefined && isn !== state.isn) return 'tuple reused';
    }
    // An echo request and its reply say it for ICMP as a SYN and a SYN-ACK do for TCP (a capture given
    // first may hold only the reply).
    const echo = protocol === 'icmp' ? frame.icmp?.type : undefined;
    const opens = flags === 'S' || echo === 'echo request';
    const answers = flags === 'S.' || echo === 'echo reply';
    if (opens && !state.sawSyn) {
      state.leg.from = endpointKey(frame.src?.ip, frame.src?.port);
      state.leg.to = endpointKey(frame.dst?.ip, frame.dst?.port);
    } else if (answers && !state.sawHandshake) {
      state.leg.from = endpointKey(frame.dst?.ip, frame.dst?.port);
      state.leg.to = endpointKey(frame.src?.ip, frame.src?.port);
    }
    if (opens) state.sawSyn = true;
    if (opens || answers) state.sawHandshake = true;
    state.leg.sightings.push({ packet, frame, site, encapsulated });
  }

  linkWithoutHandshakes(order, links);
  const withoutHandshake = unopened(order);
  const excerpt = excerptLinks(withoutHandshake, addressed);
  for (const link of excerpt) links.join(link.legs[0], link.legs[1]);
  orientLegs(withoutHandshake, excerpt, addressed);
  const groups = new Map<number, LegState[]>();
  for (const state of order) {
    if (state.leg.sightings.length === 0) continue; // a reused tuple's: its connections have their own
    const root = links.find(state.index);
    const list = groups.get(root);
    if (list) list.push(state);
    else groups.set(root, [state]);
  }

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
    const sightings = inTimeOrder(group.length === 1 ? group[0].leg.sightings.slice() : allSightings(group));
    const span = timeSpan(sightings, packetOf);
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

/**
 * Links the NAT versions of connections no capture saw open (a capture started while they ran): no
 * ISN links them. tcpdump prints a tuple's first packet in a capture with absolute sequence and
 * acknowledgement numbers (the later ones relative to them); a packet and its NAT version are both
 * the first of their tuples when the capture saw the connection first there, so two TCP legs
 * without a handshake whose first packets in one capture carry the same flags, absolute numbers
 * and length are one connection (32 random bits each: chance alone does not make them equal).
 */
function linkWithoutHandshakes(states: readonly LegState[], links: Links): void {
  let firstOf: Map<string, number> | undefined;
  for (const state of states) {
    if (state.protocol !== 'tcp' || state.sawHandshake) continue;
    const streams = new Set<number>();
    for (const { frame, site } of state.leg.sightings) {
      const stream = site?.index ?? -1;
      if (streams.has(stream)) continue;
      streams.add(stream);
      const { seq, ack, flags } = frame.tcp ?? {};
      // relative numbers are small: only a first packet's absolute ones identify it
      if ((seq ?? ack ?? 0) < ABSOLUTE_NUMBERS_FROM) continue;
      const key = `${stream}|${flags}|${seq}|${frame.tcp?.seqEnd}|${ack}|${frame.length}`;
      firstOf ??= new Map<string, number>();
      const known = firstOf.get(key);
      if (known === undefined) firstOf.set(key, state.index);
      else links.join(state.index, known);
    }
  }
}

/** The TCP legs whose handshake no capture showed (excerptLinks links them, orientLegs turns them). */
function unopened(states: readonly LegState[]): LegState[] {
  return states.filter((state) => state.protocol === 'tcp' && !state.sawHandshake && state.leg.sightings.length > 0);
}

/** Below this, a sequence or acknowledgement number is taken for a relative one (see linkWithoutHandshakes). */
const ABSOLUTE_NUMBERS_FROM = 1 << 16;

/** The frame of the connection a packet carries: the inner one of a VXLAN packet, else the packet. */
const frameOf = (packet: Packet): Packet =>
  packet.inner !== undefined && packet.inner.network === 'ip' ? packet.inner : packet;

function remember(byEnds: Map<Endpoint4, Map<Endpoint4, LegState>>, from: Endpoint4, to: Endpoint4, state: LegState) {
  let byTo = byEnds.get(from);
  if (!byTo) byEnds.set(from, (byTo = new Map<Endpoint4, LegState>()));
  byTo.set(to, state);
}

/** A leg while connections are rebuilt: its protocol and whether a SYN (or SYN-ACK) was seen yet. */
interface LegState {
  leg: ConnectionLeg;
  protocol: Connection['protocol'];
  /** The leg's number in the order legs were first seen (its entry in `Links`). */
  index: number;
  /** A SYN (ICMP: an echo request) was seen: its sender is the client. */
  sawSyn: boolean;
  /** A SYN or SYN-ACK (ICMP: an echo request or reply) was seen. */
  sawHandshake: boolean;
  /** The client's ISN its first handshake packet carried (see isnOf). */
  isn?: number;
}

/** The sightings of every leg of a group, leg after leg. */
function allSightings(group: readonly LegState[]): Sighting[] {
  const sightings: Sighting[] = [];
  for (const state of group) for (const sighting of state.leg.sightings) sightings.push(sighting);
  return sightings;
}

const packetOf = (sighting: Sighting): Packet => sighting.packet;

/**
 * The legs of one connection by the time of their first packet the client's end sent (untimed ones
 * last): a request passes the client's form first, a reply last, and a capture that began while the
 * connection ran may show a reply first. A leg without such a packet goes by its first packet.
 */
function legsByTime(group: readonly LegState[]): ConnectionLeg[] {
  if (group.length === 1) return [group[0].leg];
  // each leg beside its time, sorted (a stable sort: legs of one time keep their order), then unwrapped
  const timed = group.map((state) => ({
    leg: state.leg,
    time: firstSent(state.leg) ?? timeSpan(state.leg.sightings, packetOf)?.first ?? Number.POSITIVE_INFINITY,
  }));
  return timed.sort((one, other) => one.time - other.time).map((entry) => entry.leg);
}

/** The capture time of the first packet of `leg` its client's end sent, when one was timed. */
function firstSent(leg: ConnectionLeg): number | undefined {
  let first: number | undefined;
  for (const { frame, packet } of leg.sightings) {
    if (endpointKey(frame.src?.ip, frame.src?.port) !== leg.from) continue;
    const time = packetTime(packet);
    if (time !== undefined && (first === undefined || time < first)) first = time;
  }
  return first;
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

/**
 * The connections of `packets` as reconstructConnections(packets) groups them, taken from `rebuilt`
 * when it can: the connections rebuilt in a list that holds `packets` among others (in the same
 * order), given when the caller has them. They are the same connections when every packet of
 * `packets` is in one of them and none of them holds another packet (other packets can only join
 * legs together, never split them); else `packets` are rebuilt on their own. Each has the same
 * sightings in the same order and the same start and end; the legs, original and outcome are those
 * read with the other packets, and the sightings keep their sites.
 */
export function connectionsAmong(
  packets: readonly Packet[],
  rebuilt?: readonly Connection[],
  siteOf?: PacketSites,
): Connection[] {
  if (!rebuilt) return reconstructConnections(packets, siteOf);
  const wanted = new Set(packets);
  const among: Connection[] = [];
  let sightings = 0;
  for (const connection of rebuilt) {
    let inside = 0;
    for (const sighting of connection.sightings) if (wanted.has(sighting.packet)) inside++;
    if (inside === 0) continue;
    if (inside !== connection.sightings.length) return reconstructConnections(packets, siteOf);
    among.push(connection);
    sightings += inside;
  }
  return sightings === packets.length ? among : reconstructConnections(packets, siteOf);
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
