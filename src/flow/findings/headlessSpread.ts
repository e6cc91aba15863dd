import { isHeadless, namespaceOf, serviceDnsName, type Evidence, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

const norm = (name: string) => name.replace(/\.$/, '').toLowerCase();

/**
 * "The headless Service load-balances": it does not; DNS answers every ready pod IP,
 * the client connects to the first, and CoreDNS (`loadbalance` plugin) or the resolver
 * changes the order between queries.
 */
export function headlessSpread(ctx: TraceContext, services: readonly Service[] = ctx.model.services): Finding[] {
  const out: Finding[] = [];
  for (const svc of services.filter(isHeadless)) {
    const name = serviceDnsName(svc.name, namespaceOf(svc), ctx.model.clusterDomain);
    const lookups = ctx.model
      .all('DnsLookup')
      .filter(
        (lookup) =>
          norm(lookup.question.name) === name &&
          lookup.answers.filter((answer) => answer.type === 'A' || answer.type === 'AAAA').length >= 2,
      );
    const orders = new Set(lookups.map((lookup) => lookup.answers.map((answer) => answer.data).join(',')));
    const podNames = new Set(ctx.model.podsSelectedBy(svc).map((pod) => pod.name));
    const access = ctx.model
      .all('HttpAccess')
      .filter((candidate) => candidate.server && podNames.has(candidate.server));
    const servers = new Set(access.map((access) => access.server));
    if (!lookups.length && servers.size < 2) continue;
    const lb = ctx.model.all('ClusterDns').find((dnsConfig) => dnsConfig.loadbalance);
    const evidence: Evidence[] = [
      ...lookups.flatMap((lookup) => lookup.evidence),
      ...access.slice(0, 6).flatMap((access) => access.evidence),
      ...(lb?.evidence ?? []),
      ...svc.evidence.slice(0, 1),
    ];
    const parts = [
      lookups.length ? `${name} answers ${lookups[0].answers.length} A records (one per ready pod)` : '',
      orders.size > 1 ? `in different orders across lookups (${[...orders].join(' vs ')})` : '',
      servers.size >= 2 ? `and requests landed on ${[...servers].join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const rotation = lb
      ? ' (CoreDNS loadbalance plugin rotates it)'
      : ' (CoreDNS `loadbalance` rotates answers round-robin when enabled; resolvers may also shuffle)';
    out.push({
      id: 'headless-dns-spread',
      severity: 'info',
      title: 'A headless Service seems to load-balance',
      message:
        `${parts}. No proxy is involved: the client takes the first address of the DNS answer, and ` +
        `the order changes between queries${rotation}` +
        '. Each new connection re-resolves, so traffic spreads; one long-lived connection stays on one pod.',
      evidence,
    });
  }
  return out;
}
