import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, findStep } from './breaks';

const sameMac = (left: string | undefined, right: string | undefined) =>
  left !== undefined && right !== undefined && left.toLowerCase() === right.toLowerCase();

/**
 * The connection's frames come out of the receiving node's VXLAN device addressed to another host:
 * the sender wrapped them for a VTEP MAC the receiver's device no longer has (it was recreated, by a
 * flanneld restart, with a new address) and the sender's neighbour entry was never rewritten. When
 * the sender's `ip neigh` and the receiver's `ip link` are pasted, the two MACs are named.
 */
export function vtepMacStale(ctx: TraceContext): Finding[] {
  const at = findStep(ctx.b, (step) => step.kind === 'decap' && step.status === 'contradicted');
  if (!at) return [];
  const receiver = /^vxlan:(?<node>[^/]+)\/(?<dev>.+)$/.exec(at.step.to)?.groups;
  const sender = findStep(ctx.b, (step) => step.kind === 'encap' && step.to.startsWith('vxlan:'))?.step.to;
  const senderNode = sender ? /^vxlan:(?<node>[^/]+)\//.exec(sender)?.groups?.node : undefined;
  if (!receiver || !senderNode) return [];
  const device = ctx.model
    .all('HostInterface')
    .find((candidate) => candidate.host === receiver.node && candidate.name === receiver.dev && candidate.mac);
  const entries = ctx.model
    .all('Neighbor')
    .filter((neighbor) => neighbor.host === senderNode && neighbor.dev === receiver.dev && neighbor.lladdr);
  const stale = device ? entries.find((neighbor) => !sameMac(neighbor.lladdr, device.mac)) : undefined;
  const current = device ? entries.find((neighbor) => sameMac(neighbor.lladdr, device.mac)) : undefined;
  const evidence = [...at.step.evidence, ...(stale?.evidence ?? []), ...(device?.evidence ?? [])];
  const macs =
    stale && device && !current
      ? ` ${senderNode}'s neighbour entry for ${stale.ip} on ${receiver.dev} says ${stale.lladdr}; ` +
        `${receiver.node}'s ${receiver.dev} is ${device.mac}.`
      : ` Compare \`ip neigh show dev ${receiver.dev}\` on ${senderNode} with \`ip link show ${receiver.dev}\` ` +
        `on ${receiver.node}.`;
  return [
    {
      id: 'vtep-mac-stale',
      severity: 'error',
      title: `${senderNode} sends to an old VTEP MAC of ${receiver.node}`,
      message:
        `The packets cross to ${receiver.node} and come out of its ${receiver.dev} addressed to another host ` +
        `(P), so its kernel drops them: ${senderNode} wraps them for a MAC that ${receiver.node}'s ` +
        `${receiver.dev} no longer has (recreated with a new address, by a flanneld restart).${macs}`,
      evidence,
      fix:
        `Restart flanneld on ${senderNode} (it rewrites its neighbour and FDB entries from ${receiver.node}'s ` +
        'flannel.alpha.coreos.com/backend-data annotation, the VtepMAC), or replace the entries by hand.',
      ...breakAt(ctx.b, at, 'contradicted', evidence),
    },
  ];
}
