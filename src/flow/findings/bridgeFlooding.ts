import type { TraceContext } from '../context';
import type { Finding } from '../types';

/** The same unicast frame `Out` on many veths: the bridge had no fdb entry for the destination MAC yet. */
export function bridgeFlooding(ctx: TraceContext): Finding[] {
  return ctx.corr.floods.slice(0, 3).map((flood) => {
    const owner = ctx.veths.get(flood.dst);
    return {
      id: 'bridge-flooding',
      severity: 'info' as const,
      title: 'The bridge flooded a unicast frame',
      message:
        `A packet to ${flood.dst} left on ${flood.interfaces.length} veths at once` +
        `${owner ? `; only ${owner.iface} leads to ${flood.dst}` : ''}. The bridge (cni0) did not ` +
        'know the destination MAC yet (unknown unicast), so it sent the frame out of every port; ' +
        'other pods drop it because the MAC is not theirs. The following ARP/traffic teaches the ' +
        'bridge the port, and later frames go to one veth.',
      evidence: flood.group.packets
        .filter((packet) => packet.direction === 'Out')
        .slice(0, 4)
        .flatMap((packet) => packet.evidence),
    };
  });
}
