import type { Packet } from '../../model';
import { connectionKey, packetTime } from './packetKey';

/**
 * TCP connections that use the same 5-tuple one after the other (a client bound to one port, as
 * `curl --local-port` does, or ports reused on a busy client or masquerading node): each SYN with
 * an initial sequence number of its own opens a new connection on the tuple, and conntrack makes a
 * new entry for it (kube-proxy's DNAT may send it to another endpoint). Told apart, they are not one
 * connection with the later ones' packets taken for retransmissions.
 *
 * Found from the handshakes alone: only tuples whose SYNs (or SYN-ACKs) carry more than one ISN are
 * split. A handshake packet belongs to the generation of its ISN; any other packet to the last
 * generation that began at or before it on the clock of its own capture (the capture's own
 * handshake of that generation when it saw one, else the earliest anywhere: clocks of different
 * nodes may differ a little). A packet a capture shows before its own first handshake of the
 * tuple belongs to an earlier connection, whose handshake was not captured (generation -1).
 */
export class TupleReuse {
  private constructor(private readonly split: Map<string, Generations>) {}

  /**
   * The reused tuples in `packets` (`frameOf`: the frame of the connection a packet carries, the
   * inner one of a VXLAN packet; `streamOf`: which capture, one clock, a packet comes from), or
   * undefined when no tuple carries two connections. (reconstructConnections asks only after it met
   * a second ISN on a tuple: most captures have none.)
   */
  static of(
    packets: readonly Packet[],
    frameOf: (packet: Packet) => Packet,
    streamOf: (position: number) => number,
  ): TupleReuse | undefined {
    const handshakes = new Map<string, Map<number, Handshake>>();
    for (let position = 0; position < packets.length; position++) {
      const frame = frameOf(packets[position]);
      const isn = isnOf(frame);
      const key = isn === undefined ? undefined : connectionKey(frame);
      const time = key === undefined ? undefined : (packetTime(frame) ?? packetTime(packets[position]));
      if (key === undefined || time === undefined) continue;
      let byIsn = handshakes.get(key);
      if (!byIsn) handshakes.set(key, (byIsn = new Map<number, Handshake>()));
      let handshake = byIsn.get(isn!);
      if (!handshake) byIsn.set(isn!, (handshake = { isn: isn!, start: time, startIn: new Map() }));
      handshake.start = Math.min(handshake.start, time);
      const stream = streamOf(position);
      const known = handshake.startIn.get(stream);
      if (known === undefined || time < known) handshake.startIn.set(stream, time);
    }
    const split = new Map<string, Generations>();
    for (const [key, byIsn] of handshakes)
      if (byIsn.size > 1) {
        const ordered = [...byIsn.values()].sort((first, second) => first.start - second.start);
        split.set(key, { ordered, byIsn: new Map(ordered.map((handshake, index) => [handshake.isn, index])) });
      }
    return split.size > 0 ? new TupleReuse(split) : undefined;
  }

  /** Whether connections on tuple `key` (connectionKey) are told apart. */
  splits(key: string): boolean {
    return this.split.has(key);
  }

  /**
   * Which connection on tuple `key` a packet belongs to: 0, 1, … in the order they began, or -1 for
   * one before the first whose handshake its capture did not show. (`frame` as `of` took it.)
   */
  generationOf(key: string, frame: Packet, packet: Packet, stream: number): number {
    const generations = this.split.get(key)!;
    const isn = isnOf(frame);
    if (isn !== undefined) {
      const known = generations.byIsn.get(isn);
      if (known !== undefined) return known;
    }
    const time = packetTime(frame) ?? packetTime(packet);
    if (time === undefined) return 0;
    let chosen = -1;
    generations.ordered.forEach((handshake, index) => {
      if ((handshake.startIn.get(stream) ?? handshake.start) <= time) chosen = index;
    });
    // before every connection's start: an earlier one only if this capture saw the first one begin
    if (chosen < 0 && !generations.ordered[0].startIn.has(stream)) return 0;
    return chosen;
  }
}

interface Handshake {
  isn: number;
  /** Earliest capture time of a SYN or SYN-ACK carrying the ISN, and the earliest in each capture. */
  start: number;
  startIn: Map<number, number>;
}

interface Generations {
  ordered: Handshake[];
  byIsn: Map<number, number>;
}

/** The client's initial sequence number a handshake packet carries: a SYN's seq, a SYN-ACK's ack - 1. */
export function isnOf(frame: Packet): number | undefined {
  const tcp = frame.tcp;
  if (frame.protocol !== 'tcp' || !tcp) return undefined;
  if (tcp.flags === 'S') return tcp.seq;
  if (tcp.flags === 'S.' && tcp.ack !== undefined) return tcp.ack - 1;
  return undefined;
}
