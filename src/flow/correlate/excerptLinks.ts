import type { Packet } from '../../model';
import { packetTime } from './packetKey';

/** What excerptLinks needs of a leg: its place in the link list and the packets it holds. */
export interface UnopenedLeg {
  /** The leg's entry in the list of legs being linked. */
  index: number;
  leg: { sightings: readonly { frame: Packet; packet: Packet }[] };
}

/**
 * Pairs of TCP legs that are NAT versions of one connection, found without its handshake (give only
 * legs no SYN or SYN-ACK was seen on: the ISN links the others). A pasted excerpt starts after the
 * SYNs, and tcpdump prints every later packet with numbers relative to the ISN, which no longer
 * tell connections apart: `seq 1:67, ack 1` begins every request.
 *
 * NAT rewrites addresses and ports only. A packet and its NAT version share flags, relative
 * numbers (each tcpdump counts a tuple from the first packet it saw of it: the SYN, when it saw the
 * connection open), length and the TCP timestamp option (`TS val … ecr …`: the sender's millisecond
 * clock plus an offset), and are printed within `SAME_PACKET_WITHIN` seconds of each other (captures
 * on one node share a clock; nodes' clocks further apart than that leave their forms unpaired). A
 * capture that began while the connection ran counts each form from another packet: flags, length
 * and timestamps alone then match them. Their ends differ as NAT makes them differ: each end is kept
 * or moved to another address (DNAT moves the server's, SNAT the client's, a NodePort both); an end
 * that kept its address but changed its port is another connection from the same client.
 *
 * The legs that hold one such print (two, or three: a NodePort reply's form between the two) are
 * linked when every two of them differ so, unless a leg's partners are not all partners of each
 * other: equal packets of concurrent connections (a burst of equal requests under clock-only
 * timestamps, sent in one millisecond) name no one. Packets without the timestamp option
 * (`net.ipv4.tcp_timestamps=0`) pair only a DNAT's two forms, keyed by the end it keeps: one end
 * kept, the other moved from an address a client addresses (a ClusterIP or a NodePort, as
 * `addressed` says) to another.
 */
export function excerptLinks(legs: readonly UnopenedLeg[], addressed?: (endpoint: string) => boolean): ExcerptLink[] {
  const byPrint = new Map<string, PrintedIn[]>();
  for (const leg of legs) {
    // the first packets of a leg meet its other forms' (a capture shows each packet in every form it took)
    const every = leg.leg.sightings;
    const sightings = every.length > PACKETS_PER_LEG ? every.slice(0, PACKETS_PER_LEG) : every;
    for (const { frame, packet } of sightings) {
      const tcp = frame.tcp;
      if (!tcp) continue;
      const stamp = tcp.options === undefined ? undefined : TIMESTAMP.exec(tcp.options)?.groups;
      if (!stamp && !addressed) continue;
      const printed: PrintedIn = {
        leg: leg.index,
        time: packetTime(packet),
        sender: `${frame.src?.ip}:${frame.src?.port}`,
        receiver: `${frame.dst?.ip}:${frame.dst?.port}`,
        stamped: stamp !== undefined,
      };
      const print = `${tcp.flags}|${tcp.seq}|${tcp.seqEnd}|${tcp.ack}|${frame.length}|`;
      if (stamp) {
        add(byPrint, `${print}${stamp.value}|${stamp.echo}`, printed);
        // a capture that began while the connection ran counts each form from its own first packet
        add(byPrint, `${tcp.flags}|${frame.length}|${stamp.value}|${stamp.echo}`, printed);
      } else {
        // every request of a burst prints alike: the end a DNAT keeps (sender or receiver) tells them apart
        add(byPrint, `${print}from ${printed.sender}`, printed);
        add(byPrint, `${print}to ${printed.receiver}`, printed);
      }
    }
  }
  // an edge for every two legs that all hold one packet, as NAT forms of it
  const partners = new Map<number, Set<number>>();
  const senders = new Map<string, ExcerptLink>();
  const partnersOf = (index: number) => {
    let set = partners.get(index);
    if (!set) partners.set(index, (set = new Set<number>()));
    return set;
  };
  for (const printed of byPrint.values()) {
    if (printed.length < 2 || printed.length > MOST_FORMS || !allForms(printed, addressed)) continue;
    for (const one of printed)
      for (const other of printed) {
        if (one.leg >= other.leg) continue;
        partnersOf(one.leg).add(other.leg);
        partnersOf(other.leg).add(one.leg);
        if (!senders.has(`${one.leg}|${other.leg}`))
          senders.set(`${one.leg}|${other.leg}`, { legs: [one.leg, other.leg], senders: [one.sender, other.sender] });
      }
  }
  // a leg whose partners are not all partners of each other met packets of another connection
  const clear = (index: number) => {
    const set = partners.get(index)!;
    for (const one of set) for (const other of set) if (one < other && !partners.get(one)!.has(other)) return false;
    return true;
  };
  const links: ExcerptLink[] = [];
  for (const link of senders.values()) if (clear(link.legs[0]) && clear(link.legs[1])) links.push(link);
  return links;
}

/** Whether every two of one print's legs hold it within SAME_PACKET_WITHIN, with ends NAT made differ. */
function allForms(printed: readonly PrintedIn[], addressed?: (endpoint: string) => boolean): boolean {
  for (const one of printed)
    for (const other of printed) {
      if (one.leg >= other.leg) continue;
      if (one.time !== undefined && other.time !== undefined && Math.abs(one.time - other.time) > SAME_PACKET_WITHIN)
        return false;
      if (!natForms(one, other, addressed)) return false;
    }
  return true;
}

/**
 * The most forms one packet takes: a NodePort's request arriving (client → node) and leaving DNATed
 * and masqueraded; its reply also between the two where a bridge's netfilter undoes the masquerade
 * first (`cni0 In`: pod → client).
 */
const MOST_FORMS = 3;

/** Two legs of one connection, and the sender of one packet in each: the same end of the connection. */
export interface ExcerptLink {
  legs: [number, number];
  senders: [string, string];
}

/** Files `printed` under `print` once per leg (up to one more leg than MOST_FORMS: too many). */
function add(byPrint: Map<string, PrintedIn[]>, print: string, printed: PrintedIn): void {
  const seen = byPrint.get(print);
  if (!seen) byPrint.set(print, [printed]);
  else if (seen.length <= MOST_FORMS && !seen.some((other) => other.leg === printed.leg)) seen.push(printed);
}

/** One leg's packet with a given print: when, and between which ends (`ip:port`). */
interface PrintedIn {
  leg: number;
  time?: number;
  sender: string;
  receiver: string;
  stamped: boolean;
}

/** Whether two legs' packets differ as NAT makes a packet differ (see excerptLinks). */
function natForms(one: PrintedIn, other: PrintedIn, addressed?: (endpoint: string) => boolean): boolean {
  const sender = endChange(one.sender, other.sender);
  const receiver = endChange(one.receiver, other.receiver);
  if (sender === 'port only' || receiver === 'port only') return false;
  if (one.stamped) return true;
  // unstamped: a DNAT's two forms only, the moved end once a Service address
  if (sender === 'kept') return receiver === 'moved' && addressed!(one.receiver) !== addressed!(other.receiver);
  return receiver === 'kept' && addressed!(one.sender) !== addressed!(other.sender);
}

function endChange(one: string, other: string): 'kept' | 'moved' | 'port only' {
  if (one === other) return 'kept';
  return one.slice(0, one.lastIndexOf(':')) === other.slice(0, other.lastIndexOf(':')) ? 'port only' : 'moved';
}

/** tcpdump's print of the timestamp option: `TS val 3722463986 ecr 2893581529`. */
const TIMESTAMP = /TS val (?<value>\d+) ecr (?<echo>\d+)/;

/** How many of a leg's packets are compared (a long connection's later packets add nothing but time). */
const PACKETS_PER_LEG = 64;

/** How far apart (seconds, one capture's clock) a packet and its NAT version can be printed. */
const SAME_PACKET_WITHIN = 0.01;
