import type { Evidence } from '../../model';
import type { TraceContext } from '../context';
import { dnsQuestions } from '../correlate/dnsQuestions';
import type { Finding } from '../types';

/**
 * ndots:5 makes most names "relative": the resolver sends one query per search suffix
 * (each NXDOMAIN) before the name as typed. Fires when the resolv.conf or NXDOMAIN
 * answers for search-expanded names are in the evidence.
 */
export function dnsSearchAmplification(
  ctx: TraceContext,
  typed: string | undefined,
  failed: string[],
  ndots: number,
  configEvidence: Evidence[],
): Finding[] {
  // an NXDOMAIN answer names its question only with -vv; else its query does (dnsQuestions). The DNS
  // exchanges precede the flow's connection, so they are read from all the trace's packets.
  const question = dnsQuestions(ctx.allPackets);
  const nx = ctx.allPackets.filter((p) => {
    if (!p.dns?.response || !/nxdomain/i.test(p.dns.rcode ?? '')) return false;
    const q = question(p)?.name.replace(/\.$/, '');
    return q !== undefined && failed.includes(q);
  });
  const observedConfig = configEvidence.some((e) => e.source === 'log' || e.source === 'cluster');
  if (!typed || failed.length === 0 || (!observedConfig && nx.length === 0)) return [];
  return [
    {
      id: 'dns-search-amplification',
      severity: 'warning',
      title: `ndots:${ndots}: ${failed.length} failing DNS queries before the real one`,
      message: `'${typed}' has fewer than ${ndots} dots, so the resolver first tries ${failed.join(', ')} (each answered NXDOMAIN, and each doubled for A and AAAA) before the name itself. Write the name with a trailing dot ('${typed.replace(/\.$/, '')}.') or lower ndots in the pod's dnsConfig to send one query.`,
      evidence: [...configEvidence, ...nx.slice(0, 3).flatMap((p) => p.evidence)],
    },
  ];
}
