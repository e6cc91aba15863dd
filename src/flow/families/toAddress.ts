import { cidrContains, derivedEvidence, type Pod } from '../../model';
import { nodeActor, routingActor } from '../actors';
import type { FlowBuilder } from '../builder';
import { nodeOf, type TraceContext } from '../context';
import type { Target } from '../resolve';
import { podByIp } from './endpoints';
import { podToBridge } from './localHops';
import { dnsPhase } from './dns';
import { traceEgress } from './egress';

/** Pod → an address that is no Service: a node's own address, a pod by its IP, or something the default route takes. */
export function traceToAddress(
  ctx: TraceContext,
  client: Pod,
  dst: Extract<Target, { kind: 'ip' } | { kind: 'node' }>,
): void {
  const owner = dst.kind === 'node' ? undefined : podByIp(ctx, dst.ip);
  // Typed as a name that a captured DNS answer resolved to this address: its lookup comes first.
  if (dst.kind === 'ip' && dst.dnsName)
    dnsPhase(ctx, client, dst.text, {
      answers: [dst.ip],
      why: `the captured DNS answer for ${dst.dnsName} gives ${dst.ip}, outside the cluster (CoreDNS forwarded it)`,
      evidence: [],
    });
  const phase = ctx.b.phase('connect');
  const dstIp = dst.kind === 'ip' ? dst.ip : (dst.ip ?? dst.node.internalIP);
  const { at } = podToBridge(ctx, phase, client, {
    match: (packet) => packet.src?.ip === client.ip && packet.dst?.ip === dstIp,
    label: `${client.ip ?? client.name} → ${dst.kind === 'ip' ? dst.ip : dst.node.name}`,
  });
  if (dst.kind === 'node')
    toNode(ctx, phase, { from: at, here: nodeOf(ctx, client), node: dst.node.name, ip: dst.ip ?? dst.node.internalIP });
  else if (!owner) traceEgress(ctx, { phase, from: at, node: nodeOf(ctx, client), client, destination: dst.ip });
}
/** Pod → a node's own address: its own node answers locally; another node is reached over the node network. */
function toNode(
  ctx: TraceContext,
  phase: ReturnType<FlowBuilder['phase']>,
  target: { from: string; here: string; node: string; ip?: string },
): void {
  const { from, here, node, ip } = target;
  const routerId = ctx.b.actor(routingActor(here));
  const route = ip
    ? ctx.model
        .all('Route')
        .find(
          (candidate) =>
            candidate.destination !== 'default' &&
            !candidate.dev?.startsWith('cni') &&
            !candidate.dev?.startsWith('flannel') &&
            cidrContains(candidate.destination, ip) &&
            (!candidate.host || candidate.host === here),
        )
    : undefined;
  const local = node === here;
  ctx.b.step(phase, {
    from,
    to: routerId,
    kind: 'route',
    label: local
      ? `${ip ?? node} is local`
      : route
        ? `${route.destination} dev ${route.dev ?? 'unknown'}`
        : `route to ${ip ?? node}`,
    explanation: local
      ? `${node}'s own address: the packet goes up to its stack (INPUT), no further hop.`
      : 'A node address on the underlay network; Flannel masquerades pod sources leaving the pod network ' +
        'when ipMasq is on.',
    evidence: route ? route.evidence : [derivedEvidence("node addresses are on the nodes' own network")],
  });
  const nodeId = ctx.b.actor(nodeActor(node, ip ? [ip] : undefined));
  if (!local)
    ctx.b.step(phase, {
      from: routerId,
      to: nodeId,
      kind: 'packet',
      label: `to ${node} ${ip ?? ''}`.trim(),
      explanation: 'Over the node network, not VXLAN: the destination is not a pod address.',
      evidence: ctx.model.nodes.find((known) => known.name === node)?.evidence ?? [],
    });
}
