import type { Packet } from '../../model';
import type { PacketGroup } from './correlation';
import { packetTime } from './packetKey';

/** One sighting of a packet and how long after the first sighting it happened. */
export interface HopTime {
  interface?: string;
  direction?: string;
  /** Microseconds since the packet was first seen (0 for the first sighting). */
  afterUs: number;
  /** Microseconds since the previous sighting. */
  deltaUs: number;
}

/** Per-hop timing of one packet across the interfaces it crossed, in capture order. */
export function hopTimes(group: PacketGroup): HopTime[] {
  const timed = group.packets
    .map((packet) => ({ p: packet, t: packetTime(packet) }))
    .filter((x): x is { p: typeof x.p; t: number } => x.t !== undefined);
  if (!timed.length) return [];
  const t0 = timed[0].t;
  return timed.map((x, i) => ({
    interface: x.p.interface,
    direction: x.p.direction,
    // Round to whole microseconds: tcpdump prints µs, floating point adds noise.
    afterUs: Math.round((x.t - t0) * 1e6),
    deltaUs: i === 0 ? 0 : Math.round((x.t - timed[i - 1].t) * 1e6),
  }));
}

/**
 * The first and last capture time of `packets` (undefined when none is timed). A loop, not
 * `Math.min(...)`: a connection or capture can hold more packets than a call takes arguments.
 */
export function timeSpan(packets: Iterable<Packet>): { first: number; last: number } | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const packet of packets) {
    const t = packetTime(packet);
    if (t === undefined) continue;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return first <= last ? { first, last } : undefined;
}
