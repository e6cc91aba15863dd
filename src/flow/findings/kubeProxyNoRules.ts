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
  const svc = services.find((s) => s.clusterIP && dst.startsWith(`${s.clusterIP}:`));
  if (!svc || !ctx.model.endpointsOf(svc).length) return [];
  const nodes = new Set(connection.sightings.map((s) => s.site?.node).filter((n): n is string => n !== undefined));
  // The nat table listed in full on a node the connection crossed (iptables-save -t nat, iptables -t nat -L).
  const listing = ctx.model
    .all('ChainPolicy')
    .filter((p: ChainPolicy) => p.table === 'nat' && p.chain === 'PREROUTING' && p.host && nodes.has(p.host));
  if (!listing.length) return [];
  // Rules and chains are not tied to a node: those printed in the listing's own file speak for it
  // (another file may be another node's, or another cluster's).
  const uri = listing[0].evidence[0]?.uri;
  const sameFile = (fact: { evidence: readonly { uri: string }[] }) => fact.evidence.some((e) => e.uri === uri);
  const rules = ctx.model.all('NatRule').filter((r) => r.table === 'nat' && sameFile(r));
  if (rules.some((r) => KUBE_CHAIN.test(r.chain) || KUBE_CHAIN.test(r.target))) return [];
  const chains = ctx.model.all('NatChain').filter((c) => c.table === 'nat' && !c.deleted && sameFile(c));
  if (chains.some((c) => KUBE_CHAIN.test(c.name))) return [];
  const node = listing[0].host!;
  const backends = ctx.model.all('IptablesBackend').filter((b) => b.host === undefined || b.host === node);
  // A legacy listing, or one that warns the legacy tables hold rules too, is no evidence of absence.
  if (backends.some((b) => b.backend === 'legacy' || b.legacyTablesPresent)) return [];
  const errors = ctx.packets.filter((p) => p.protocol === 'icmp' && /unreachable/i.test(p.icmp?.type ?? ''));
  const unDnated = connection.sightings.filter((s) => s.site?.node === node).map((s) => s.packet);
  const evidence = [
    ...listing[0].evidence,
    ...backends.slice(0, 1).flatMap((b) => b.evidence),
    ...linesOf([unDnated.at(-1)]),
    ...linesOf(errors, 1),
  ];
  const failedSyncs = ctx.model.all('ComponentLog').filter((l) => l.event === 'iptables-restore-failed');
  evidence.push(...failedSyncs.slice(0, 1).flatMap((l) => l.evidence));
  const at = findStep(ctx.b, (step) => /KUBE-SERVICES/.test(ctx.b.actorName(step.to)), 'connect');
  const others = services.filter((s) => s !== svc && s.clusterIP).map((s) => s.name);
  return [
    {
      id: 'kube-proxy-no-rules',
      severity: 'error',
      title: `${node} has no kube-proxy rules: kube-proxy is not writing them`,
      message: `The nat table listed on ${node} has no KUBE-SERVICES chain and no other kube-proxy rule, while Service ${namespacedName(svc)} (${svc.clusterIP}) has endpoints${others.length ? ` (so do ${others.join(', ')})` : ''}: ${failedSyncs.length ? `kube-proxy fails every sync: its log shows iptables-restore rejecting its rules ${failedSyncs.length} time(s).` : 'kube-proxy is not running, or fails every sync (its log then says "Failed to execute iptables-restore").'} Nothing DNATs ${dst}: the packet keeps the ClusterIP${errors.length ? `, and ${node}, with no route for it, answers with ICMP ${errors[0].icmp?.detail ? `${errors[0].icmp.detail} ` : ''}unreachable` : ''}.`,
      evidence,
      fix: `Get kube-proxy syncing on ${node}: kubectl -n kube-system get pods -l k8s-app=kube-proxy -o wide, then kubectl -n kube-system logs <kube-proxy pod on ${node}>; fix what its iptables-restore rejects (an iptables backend or version kube-proxy does not support, a missing kernel module).`,
      ...(at ? breakAt(ctx.b, at, 'contradicted', evidence) : {}),
    },
  ];
}
