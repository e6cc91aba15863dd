import { namespacedName, type IptablesBackend, type Packet, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { packetTime } from '../correlate/packetKey';
import { breakAt, findStep, linesOf } from './breaks';

const FAILED = new Set(['no-reply', 'unreachable', 'refused']);

/**
 * The node has rules in both iptables backends: iptables-nft warns "iptables-legacy tables present"
 * (or the two `iptables -V` of one node disagree). Both backends' hooks run, and what one lists is
 * not all the kernel does: stale legacy rules left by an older kube-proxy DNAT before the current
 * nf_tables ones. When the capture shows the node sending the connection to an address none of the
 * listed rules names (ARP for it on the bridge), the listing is contradicted there.
 */
export function backendMismatch(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || !FAILED.has(connection.outcome)) return [];
  const nodes = new Set(
    connection.sightings.map((sighting) => sighting.site?.node).filter((node): node is string => node !== undefined),
  );
  const onNode = (backend: IptablesBackend) => backend.host === undefined || nodes.has(backend.host);
  const backends = ctx.model.all('IptablesBackend').filter(onNode);
  const warning = backends.find((backend) => backend.legacyTablesPresent);
  const hosts = new Set(backends.map((backend) => backend.host));
  const mixed = [...hosts].some(
    (host) =>
      new Set(backends.filter((backend) => backend.host === host && backend.backend).map((backend) => backend.backend))
        .size > 1,
  );
  if (!warning && !mixed) return [];
  const node = warning?.host ?? backends[0]?.host ?? [...nodes][0] ?? 'the node';
  const dst = connection.original.to;
  const svc = services.find((service) => service.clusterIP && dst.startsWith(`${service.clusterIP}:`));
  const listed = new Set(
    ctx.model
      .all('NatRule')
      .filter((rule) => rule.dnatTo && (!svc || (rule.comment ?? '').startsWith(namespacedName(svc))))
      .map((rule) => rule.dnatTo!.ip),
  );
  const start = connection.start ?? -Infinity;
  const end = connection.end ?? Infinity;
  const isPodOrNode = (ip: string) => ctx.model.byIp(ip).some((owner) => owner.role === 'node' || owner.role === 'pod');
  const during = (time: number | undefined) => time === undefined || (time >= start - 1 && time <= end + 1);
  // Whom the node (not a pod) asked for while the connection ran: an address no listed rule DNATs to.
  // The trace read only the flow's addresses; this rare case reads the crossed nodes' captures whole.
  const asked: Packet[] = [];
  for (const site of ctx.sites) {
    if (site.node === undefined || !nodes.has(site.node)) continue;
    const table = ctx.model.captures[site.index]?.packets;
    for (let row = 0; table && row < table.size && asked.length < 3; row++) {
      const packet = table.packet(row);
      const arp = packet.arp;
      if (packet.protocol !== 'arp' || arp?.op !== 'request' || !arp.targetIp || !arp.senderIp) continue;
      if (listed.has(arp.targetIp) || isPodOrNode(arp.senderIp) || isPodOrNode(arp.targetIp)) continue;
      if (during(packetTime(packet))) asked.push(packet);
    }
  }
  const target = asked[0]?.arp?.targetIp;
  const evidence = [
    ...(warning?.evidence ?? backends.flatMap((backend) => backend.evidence).slice(0, 2)),
    ...linesOf(asked, 2),
    ...linesOf([connection.original.sightings[0]?.packet]),
  ];
  const at = target
    ? findStep(ctx.b, (step) => step.nat?.type === 'DNAT' && !step.nat.after.startsWith(`${target}:`), 'connect')
    : undefined;
  const seen = target
    ? ` The capture shows ${node} asking ARP for ${target} while the connection runs: no listed rule sends ` +
      `${svc ? namespacedName(svc) : dst} there and no pod has that address, so rules the listing does not ` +
      'show DNAT it — stale rules in the other backend, left by a kube-proxy that used it before.'
    : '';
  const bothBackends = warning
    ? `iptables on ${node} warns "iptables-legacy tables present"`
    : `${node}'s iptables commands report both the nf_tables and the legacy backend`;
  return [
    {
      id: 'iptables-backend-mismatch',
      severity: target ? 'error' : 'warning',
      title: `${node} has rules in both iptables backends: the listing is not all the kernel does`,
      message:
        `${bothBackends}: both sets of rules run, and the pasted listing shows only one. A rule missing from it may ` +
        'live in the other; a stale one there can still DNAT to an old pod (a legacy DNAT wins over ' +
        `the nf_tables one).${seen}`,
      evidence,
      fix:
        `List both (iptables-legacy-save and iptables-nft-save on ${node}); remove the backend kube-proxy ` +
        'no longer uses (iptables-legacy -t nat -F; iptables-legacy -t nat -X, the same for filter) and ' +
        'make kube-proxy, the CNI and Docker use one iptables.',
      ...(at ? breakAt(ctx.b, at, 'contradicted', evidence) : {}),
    },
  ];
}
