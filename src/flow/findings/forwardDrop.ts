import type { ChainPolicy, NatRule } from '../../model';
import type { TraceContext } from '../context';
import { ipOf, translatedLeg } from '../correlate/connections';
import { podByIp } from '../families/endpoints';
import type { ConnectionSummary, Finding } from '../types';
import { endpointContrast } from './endpointSilent';
import { breakAt, firstMissing, linesOf } from './breaks';

/** A rule that lets pod traffic through FORWARD: flanneld's FLANNEL-FWD chain or an ACCEPT in FORWARD itself. */
function acceptsPodTraffic(rule: NatRule): boolean {
  if (rule.table === 'nat') return false;
  if (rule.chain === 'FLANNEL-FWD' || rule.target === 'FLANNEL-FWD') return true;
  return rule.chain === 'FORWARD' && rule.target === 'ACCEPT';
}

/**
 * The node's FORWARD policy is DROP (a Docker install leaves it so) and nothing accepts pod
 * traffic before it (flanneld's FLANNEL-FWD rules are absent): the connection's packet is seen
 * entering the node and never leaving it, and the policy's own counter counts the drops.
 */
export function forwardDrop(ctx: TraceContext, peers: readonly ConnectionSummary[] = []): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.outcome !== 'no-reply') return [];
  const seenOn = new Set(
    connection.sightings.map((sighting) => sighting.site?.node).filter((node): node is string => node !== undefined),
  );
  const policy = ctx.model
    .all('ChainPolicy')
    .find(
      (candidate: ChainPolicy) =>
        candidate.chain === 'FORWARD' &&
        candidate.table === 'filter' &&
        candidate.policy === 'DROP' &&
        (candidate.packets ?? 0) > 0 &&
        candidate.host !== undefined &&
        seenOn.has(candidate.host),
    );
  if (!policy?.host) return [];
  const node = policy.host;
  // Rules pasted from that node (or from a host nothing names).
  const rules = ctx.model.all('NatRule').filter((rule) => !rule.hosts?.length || rule.hosts.includes(node));
  if (rules.some(acceptsPodTraffic)) return [];
  const at = firstMissing(ctx.b, 'connect');
  if (!at || ![at.step.from, at.step.to].some((id) => id.includes(`:${node}/`) || id.endsWith(`:${node}`))) return [];
  const lastSeen = connection.sightings.filter((sighting) => sighting.site?.node === node).at(-1);
  const forwardRules = rules.filter((rule) => rule.table !== 'nat' && rule.chain === 'FORWARD').slice(0, 4);
  // With other connections of the trace served by other endpoints: only the way to this one is cut.
  const target = (translatedLeg(connection) ?? connection.original).to;
  const endpoint = podByIp(ctx, ipOf(target));
  const contrast = endpoint
    ? endpointContrast(peers, { target, pod: endpoint.name, outcome: 'got no reply', faultAt: node })
    : '';
  const evidence = [
    ...policy.evidence,
    ...linesOf([lastSeen?.packet]),
    ...forwardRules.flatMap((rule) => rule.evidence),
  ];
  return [
    {
      id: 'forward-policy-drop',
      severity: 'error',
      title: `${node} drops forwarded pod traffic (FORWARD policy DROP)`,
      message:
        `The packet is seen on ${node} and never leaves it: the filter table's FORWARD chain has ` +
        `policy DROP (${policy.packets} packet(s) dropped by the policy) and no rule accepts the pod ` +
        `network before it (flanneld's FLANNEL-FWD chain is missing).${contrast ? ` ${contrast}` : ''}`,
      evidence,
      fix:
        'Accept pod traffic in FORWARD as flanneld does (iptables -A FORWARD -j FLANNEL-FWD with -s/-d ' +
        `<pod CIDR> -j ACCEPT), or set the policy to ACCEPT (iptables -P FORWARD ACCEPT) on ${node}.`,
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}
