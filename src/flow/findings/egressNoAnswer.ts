import type { Evidence } from '../../model';
import type { TraceContext } from '../context';
import { endpointKey, ipOf, portOf, type Sighting } from '../correlate/connections';
import { arrivalElsewhere, podMasquerade, uplinkExit } from '../families/egress';
import { nodeOfPodIp } from '../correlate/sites';
import type { Finding } from '../types';
import { breakAt, findStep, firstMissing, linesOf } from './breaks';
import { inputRuleDropping, ruleText } from './hostFirewall';

/**
 * A pod's connection to an address outside the cluster got no answer. When its packet left the node
 * with the pod's own address (nothing masqueraded it, drawn as a contradicted masquerade), that is the
 * cause: nothing outside the cluster routes the pod network back (`egress-not-masqueraded`). Else the
 * packet left as the node and nothing came back from outside (`external-no-answer`, at the missing
 * answer): the destination or a firewall beyond the cluster. Both stop at the answer that never came.
 */
export function egressNoAnswer(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.outcome !== 'no-reply') return [];
  const destination = ipOf(connection.original.to);
  const leaving = uplinkExit(connection, destination);
  if (!leaving || nodeOfPodIp(ctx.model, destination) !== undefined) return [];
  if (ctx.model.services.some((svc) => svc.clusterIP === destination)) return [];
  const node = leaving.site!.node!;
  const podIp = ipOf(connection.client);
  const sentFrom = leaving.frame.src?.ip;
  const sentAs = endpointKey(leaving.frame.src?.ip, leaving.frame.src?.port);
  const arrived = arrivalElsewhere(connection, { destination, node, sentAs });
  const tries = connection.sightings.filter(
    (sighting) => sighting.packet === leaving.packet || sameSpot(sighting, leaving),
  ).length;
  const sentTimes = tries > 1 ? ` (sent ${tries} times)` : '';
  if (sentFrom === podIp && nodeOfPodIp(ctx.model, podIp) !== undefined) {
    // Drawn contradicted where it left unmasqueraded; the flow stops where the answer never came.
    const at = firstMissing(ctx.b, 'reply');
    if (!at || !findStep(ctx.b, (step) => step.kind === 'nat' && step.status === 'contradicted', 'connect')) return [];
    const rules = podMasquerade(ctx, node, podIp).listed;
    const flannelOff = ctx.model.all('Cni').filter((cni) => cni.ipMasq === false && (!cni.node || cni.node === node));
    const theirRoutes = arrived ? ctx.model.all('Route').filter((route) => route.host === arrived.site?.node) : [];
    const evidence: Evidence[] = [
      ...linesOf([leaving.packet, arrived?.packet]),
      ...rules.flatMap((rule) => rule.evidence),
      ...flannelOff.flatMap((cni) => cni.evidence),
      ...theirRoutes.flatMap((route) => route.evidence),
    ];
    const network = ctx.model.all('Cni').find((cni) => cni.network)?.network ?? 'POD-CIDR';
    return [
      {
        id: 'egress-not-masqueraded',
        severity: 'error',
        title: `${node} sends pod traffic out unmasqueraded`,
        message:
          `The packet to ${destination} leaves ${node}'s ${leaving.packet.interface ?? 'uplink'} with the pod's own ` +
          `address ${podIp}${sentTimes}` +
          (arrived ? ` and reaches ${arrived.site?.node}` : '') +
          ', but no answer comes back: outside the cluster nothing routes the pod network to this node. ' +
          `Pod traffic leaving the pod network must be masqueraded to ${node}'s address` +
          (rules.length ? `; ${node}'s POSTROUTING chain (pasted) has no MASQUERADE or SNAT rule for ${podIp}` : '') +
          (flannelOff.length ? '; Flannel runs with ipMasq off' : '') +
          '.',
        evidence,
        fix:
          `Run flanneld with --ip-masq (kube-flannel.yml sets it), which adds \`-s ${network} ! -d ${network} -j ` +
          `MASQUERADE\` to nat POSTROUTING on every node; or make the outside network route ${network} to the nodes.`,
        ...breakAt(ctx.b, at, 'missing', evidence),
      },
    ];
  }
  const at = firstMissing(ctx.b, 'reply');
  if (!at) return [];
  // The destination's own firewall, when its INPUT chain was pasted from it.
  const protocol = connection.protocol;
  const rule =
    arrived?.site?.node && sentFrom && protocol !== 'icmp'
      ? inputRuleDropping(ctx, {
          node: arrived.site.node,
          protocol,
          port: portOf(connection.original.to),
          sender: sentFrom,
        })
      : undefined;
  const counted = rule?.packets !== undefined ? ` (its counter: ${rule.packets} packets)` : '';
  const evidence = [...linesOf([leaving.packet, arrived?.packet]), ...(rule?.evidence ?? [])];
  return [
    {
      id: 'external-no-answer',
      severity: 'warning',
      title: `No answer from ${connection.original.to} (outside the cluster)`,
      message:
        `The packet left ${node}'s ${leaving.packet.interface ?? 'uplink'} as ${sentFrom ?? 'the node'}${sentTimes}` +
        (rule
          ? ` and reached ${arrived?.site?.node}, whose INPUT chain ${rule.target === 'REJECT' ? 'rejects' : 'drops'} ` +
            `it: \`${ruleText(rule)}\`${counted}. The cluster did its part.`
          : arrived
            ? ` and reached ${arrived.site?.node}, which did not answer: nothing listens there, or its firewall drops it.`
            : '; nothing came back. The cluster did its part: the destination, or a firewall between, drops it.'),
      evidence,
      fix: rule
        ? `Accept ${protocol.toUpperCase()} ${portOf(connection.original.to)} from ${sentFrom} in ` +
          `${arrived?.site?.node}'s INPUT chain before that rule.`
        : arrived
          ? `Check ${arrived.site?.node}: the service on port ${portOf(connection.original.to)} and its firewall.`
          : `Check ${destination} and every firewall between ${node} and it (security groups, network ACLs); ` +
            `a capture on ${destination} tells whether the packet arrives.`,
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}

/** Two sightings of the same hop (interface, direction, host): a packet sent again. */
function sameSpot(left: Sighting, right: Sighting): boolean {
  return (
    left.packet !== right.packet &&
    left.packet.interface === right.packet.interface &&
    left.packet.direction === right.packet.direction &&
    left.site === right.site &&
    left.frame.src?.ip === right.frame.src?.ip &&
    left.frame.dst?.ip === right.frame.dst?.ip &&
    left.frame.tcp?.flags === right.frame.tcp?.flags
  );
}
