import type { Evidence, Packet } from '../../model';
import type { TraceContext } from '../context';
import { dnsQuestions } from '../correlate/dnsQuestions';
import type { Finding } from '../types';

const nxdomainCache = new WeakMap<readonly Packet[], { packet: Packet; name: string }[]>();
const failedCache = new WeakMap<readonly Packet[], Map<string, Packet[]>>();

/**
 * The NXDOMAIN answers among `packets` with the name each answers (capture order), once per packet
 * list: a trace of many connections asks once per flow, all over the same packets.
 */
function nxdomainAnswers(packets: readonly Packet[]): { packet: Packet; name: string }[] {
  const known = nxdomainCache.get(packets);
  if (known) return known;
  const question = dnsQuestions(packets);
  const answers: { packet: Packet; name: string }[] = [];
  for (const packet of packets) {
    if (!packet.dns?.response || !/nxdomain/i.test(packet.dns.rcode ?? '')) continue;
    const name = question(packet)?.name.replace(/\.$/, '');
    if (name !== undefined) answers.push({ packet, name });
  }
  nxdomainCache.set(packets, answers);
  return answers;
}

/**
 * The NXDOMAIN answers among `packets` to one of the `failed` names (capture order), once per packet
 * list and list of names: every flow of a trace asks about the same names.
 */
function failedAnswers(packets: readonly Packet[], failed: readonly string[]): Packet[] {
  let byNames = failedCache.get(packets);
  if (!byNames) failedCache.set(packets, (byNames = new Map<string, Packet[]>()));
  const key = failed.join('\n');
  let answers = byNames.get(key);
  if (!answers) {
    const names = new Set(failed);
    answers = nxdomainAnswers(packets)
      .filter((answer) => names.has(answer.name))
      .map((answer) => answer.packet);
    byNames.set(key, answers);
  }
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
  const nx = failedAnswers(ctx.allPackets, failed);
  const observedConfig = configEvidence.some((item) => item.source === 'log' || item.source === 'cluster');
  if (!typed || failed.length === 0 || (!observedConfig && nx.length === 0)) return [];
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
      evidence: [...configEvidence, ...nx.slice(0, 3).flatMap((packet) => packet.evidence)],
    },
  ];
}
