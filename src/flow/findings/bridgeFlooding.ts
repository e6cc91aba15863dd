import type { TraceContext } from '../context';
import type { Finding } from '../types';

/** The same unicast frame `Out` on many veths: the bridge had no fdb entry for the destination MAC yet. */
export function bridgeFlooding(ctx: TraceContext): Finding[] {
  return ctx.corr.floods.slice(0, 3).map((f) => {
    const owner = ctx.veths.get(f.dst);
    return {
      id: 'bridge-flooding',
      severity: 'info' as const,
      title: 'The bridge flooded a unicast frame',
      message: `A packet to ${f.dst} left on ${f.interfaces.length} veths at once${owner ? `; only ${owner.iface} leads to ${f.dst}` : ''}. The bridge (cni0) did not know the destination MAC yet (unknown unicast), so it sent the frame out of every port; other pods drop it because the MAC is not theirs. The following ARP/traffic teaches the bridge the port, and later frames go to one veth.`,
      evidence: f.group.packets
        .filter((q) => q.direction === 'Out')
        .slice(0, 4)
        .flatMap((q) => q.evidence),
    };
  });
}
