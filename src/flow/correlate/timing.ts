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
    .map((packet) => ({ packet, time: packetTime(packet) }))
    .filter((sighting): sighting is { packet: Packet; time: number } => sighting.time !== undefined);
  if (!timed.length) return [];
  const t0 = timed[0].time;
  return timed.map((sighting, i) => ({
    interface: sighting.packet.interface,
    direction: sighting.packet.direction,
    // Round to whole microseconds: tcpdump prints µs, floating point adds noise.
    afterUs: Math.round((sighting.time - t0) * 1e6),
    deltaUs: i === 0 ? 0 : Math.round((sighting.time - timed[i - 1].time) * 1e6),
  }));
}

/**
 * The first and last capture time of `packets` (undefined when none is timed). A loop, not
 * `Math.min(...)`: a connection or capture can hold more packets than a call takes arguments.
 */
export function timeSpan(packets: Iterable<Packet>): { first: number; last: number } | undefined;
/** The same of the packets `packetOf` gives of `items` (no list of them made). */
export function timeSpan<T>(
  items: Iterable<T>,
  packetOf: (item: T) => Packet,
): { first: number; last: number } | undefined;
export function timeSpan<T>(
  items: Iterable<T>,
  packetOf?: (item: T) => Packet,
): { first: number; last: number } | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const time = packetTime(packetOf ? packetOf(item) : (item as Packet));
    if (time === undefined) continue;
    if (time < first) first = time;
    if (time > last) last = time;
  }
  return first <= last ? { first, last } : undefined;
}
