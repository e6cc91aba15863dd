import type { Evidence, Packet } from '../../model';
import type { TraceContext } from '../context';
import { DnsPairing } from '../correlate/dnsQuestions';
import type { Finding } from '../types';

const failedCache = new WeakMap<readonly Packet[], Map<string, Packet[]>>();

/** How many NXDOMAIN answers the finding cites. */
const CITED = 3;

/**
 * The first NXDOMAIN answers among `packets` (capture order, at most CITED) to one of the `failed`
 * names, once per packet list and list of names: every flow of a trace asks about the same names,
 * and a long capture is read only as far as the first answers.
 */
function failedAnswers(packets: readonly Packet[], failed: readonly string[]): Packet[] {
  let byNames = failedCache.get(packets);
  if (!byNames) failedCache.set(packets, (byNames = new Map<string, Packet[]>()));
  const key = failed.join('\n');
  const known = byNames.get(key);
  if (known) return known;
  const names = new Set(failed);
  const pairing = new DnsPairing();
  const answers: Packet[] = [];
  for (const packet of packets) {
    if (answers.length === CITED) break;
    const question = pairing.read(packet);
    const dns = packet.dns;
    if (!dns?.response || !/nxdomain/i.test(dns.rcode ?? '')) continue;
    const asked = dns.qname ? dns.qname : question?.name;
    const name = asked?.replace(/\.$/, '');
    if (name !== undefined && names.has(name)) answers.push(packet);
  }
  byNames.set(key, answers);
  return answers;
}

/**
 * ndots:5 makes most names "relative": the resolver sends one query per search suffix
 * (each NXDOMAIN) before the name as typed. Fires when the resolv.conf or NXDOMAIN
 * answers for search-expanded names are in the evidence.
 */
export function dnsSearchAmplification(
  ctx: TraceContext,
  asked: { typed: string | undefined; failed: string[]; ndots: number; configEvidence: Evidence[] },
): Finding[] {
  const { typed, failed, ndots, configEvidence } = asked;
  // an NXDOMAIN answer names its question only with -vv; else its query does (dnsQuestions). The DNS
  // exchanges precede the flow's connection, so they are read from all the trace's packets.
  if (!typed || failed.length === 0) return [];
  const nx = failedAnswers(ctx.allPackets, failed);
  const observedConfig = configEvidence.some((item) => item.source === 'log' || item.source === 'cluster');
  if (!observedConfig && nx.length === 0) return [];
  return [
    {
      id: 'dns-search-amplification',
      // Extra queries cost time, they break nothing: an explanation, not an alarm.
      severity: 'info',
      title: `ndots:${ndots}: ${failed.length} failing DNS queries before the real one`,
      message:
        `'${typed}' has fewer than ${ndots} dots, so the resolver first tries ${failed.join(', ')} ` +
        '(each answered NXDOMAIN, and each doubled for A and AAAA) before the name itself. Write the ' +
        `name with a trailing dot ('${typed.replace(/\.$/, '')}.') or lower ndots in the pod's ` +
        'dnsConfig to send one query.',
      evidence: [...configEvidence, ...nx.flatMap((packet) => packet.evidence)],
    },
  ];
}
