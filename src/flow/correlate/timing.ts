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
    .map((p) => ({ p, t: packetTime(p) }))
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
