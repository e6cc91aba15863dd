import { namespacedName, type ChainPolicy, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, findStep, linesOf } from './breaks';

const FAILED = new Set(['no-reply', 'unreachable', 'refused']);

/** A nat-table rule kube-proxy wrote (its chains all start with KUBE-). */
const KUBE_CHAIN = /^KUBE-/;

/**
 * kube-proxy writes no rules at all (it is not running, or every sync fails: its log says
 * `Failed to execute iptables-restore`): the node's whole nat table was listed and holds no
 * KUBE-SERVICES chain, while the Service called has endpoints. The SYN keeps its ClusterIP, which no
 * route knows: the node answers ICMP net unreachable, or the packet leaves by the default route.
 * A listing from the other iptables backend proves nothing (see backendMismatch).
 */
export function kubeProxyNoRules(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || !FAILED.has(connection.outcome)) return [];
  const dst = connection.original.to;
  const svc = services.find((service) => service.clusterIP && dst.startsWith(`${service.clusterIP}:`));
  if (!svc || !ctx.model.endpointsOf(svc).length) return [];
  const nodes = new Set(
    connection.sightings.map((sighting) => sighting.site?.node).filter((node): node is string => node !== undefined),
  );
  // The nat table listed in full on a node the connection crossed (iptables-save -t nat, iptables -t nat -L).
  const listing = ctx.model
    .all('ChainPolicy')
    .filter(
      (policy: ChainPolicy) =>
        policy.table === 'nat' && policy.chain === 'PREROUTING' && policy.host && nodes.has(policy.host),
    );
  if (!listing.length) return [];
  // Rules and chains are not tied to a node: those printed in the listing's own file speak for it
  // (another file may be another node's, or another cluster's).
  const uri = listing[0].evidence[0]?.uri;
  const sameFile = (fact: { evidence: readonly { uri: string }[] }) => fact.evidence.some((item) => item.uri === uri);
  const rules = ctx.model.all('NatRule').filter((rule) => rule.table === 'nat' && sameFile(rule));
  if (rules.some((rule) => KUBE_CHAIN.test(rule.chain) || KUBE_CHAIN.test(rule.target))) return [];
  const chains = ctx.model
    .all('NatChain')
    .filter((chain) => chain.table === 'nat' && !chain.deleted && sameFile(chain));
  if (chains.some((chain) => KUBE_CHAIN.test(chain.name))) return [];
  const node = listing[0].host!;
  const backends = ctx.model
    .all('IptablesBackend')
    .filter((backend) => backend.host === undefined || backend.host === node);
  // A legacy listing, or one that warns the legacy tables hold rules too, is no evidence of absence.
  if (backends.some((backend) => backend.backend === 'legacy' || backend.legacyTablesPresent)) return [];
  const errors = ctx.packets.filter(
    (packet) => packet.protocol === 'icmp' && /unreachable/i.test(packet.icmp?.type ?? ''),
  );
  const unDnated = connection.sightings
    .filter((sighting) => sighting.site?.node === node)
    .map((sighting) => sighting.packet);
  const evidence = [
    ...listing[0].evidence,
    ...backends.slice(0, 1).flatMap((backend) => backend.evidence),
    ...linesOf([unDnated.at(-1)]),
    ...linesOf(errors, 1),
  ];
  const failedSyncs = ctx.model.all('ComponentLog').filter((log) => log.event === 'iptables-restore-failed');
  evidence.push(...failedSyncs.slice(0, 1).flatMap((log) => log.evidence));
  const at = findStep(ctx.b, (step) => /KUBE-SERVICES/.test(ctx.b.actorName(step.to)), 'connect');
  const others = services.filter((service) => service !== svc && service.clusterIP).map((service) => service.name);
  const syncState = failedSyncs.length
    ? `kube-proxy fails every sync: its log shows iptables-restore rejecting its rules ${failedSyncs.length} time(s).`
    : 'kube-proxy is not running, or fails every sync (its log then says "Failed to execute iptables-restore").';
  const icmpDetail = errors[0]?.icmp?.detail ? `${errors[0].icmp.detail} ` : '';
  const nodeAnswer = errors.length
    ? `, and ${node}, with no route for it, answers with ICMP ${icmpDetail}unreachable`
    : '';
  return [
    {
      id: 'kube-proxy-no-rules',
      severity: 'error',
      title: `${node} has no kube-proxy rules: kube-proxy is not writing them`,
      message:
        `The nat table listed on ${node} has no KUBE-SERVICES chain and no other kube-proxy rule, ` +
        `while Service ${namespacedName(svc)} (${svc.clusterIP}) has endpoints` +
        `${others.length ? ` (so do ${others.join(', ')})` : ''}: ` +
        `${syncState} Nothing DNATs ${dst}: the packet keeps the ClusterIP${nodeAnswer}.`,
      evidence,
      fix:
        `Get kube-proxy syncing on ${node}: kubectl -n kube-system get pods -l k8s-app=kube-proxy -o ` +
        `wide, then kubectl -n kube-system logs <kube-proxy pod on ${node}>; fix what its ` +
        'iptables-restore rejects (an iptables backend or version kube-proxy does not support, a missing ' +
        'kernel module).',
      ...(at ? breakAt(ctx.b, at, 'contradicted', evidence) : {}),
    },
  ];
}
