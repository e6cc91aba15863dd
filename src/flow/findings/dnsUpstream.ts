import type { Evidence, Packet } from '../../model';
import type { TraceContext } from '../context';
import { sitedPackets } from '../correlate/sites';
import { linesOf } from './breaks';
import { inputRuleDropping, ruleText } from './hostFirewall';

const norm = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** What CoreDNS did with a name it did not answer: it asked its upstream, which did not answer either. */
export interface UpstreamSilence {
  message: string;
  evidence: Evidence[];
  fix: string;
}

/**
 * CoreDNS received the client's queries for `name` and forwarded them (its Corefile's `forward`) to a
 * resolver outside the pod network, which never answered: every query CoreDNS sent for that name (A,
 * AAAA, retries) is in the captures, no answer with their DNS ids is. Where a capture on the resolver
 * shows them arriving, and its INPUT chain was pasted, the rule that drops them is named.
 */
export function upstreamSilent(ctx: TraceContext, coreDnsIp: string, name: string): UpstreamSilence | undefined {
  // CoreDNS's own packets are not the client's: read them (and the upstream's) from the captures.
  const mine = sitedPackets(ctx.model, new Set([coreDnsIp])).packets;
  const forwarded = mine.filter(
    (packet) =>
      packet.dns?.response === false &&
      packet.src?.ip === coreDnsIp &&
      packet.dst?.port === 53 &&
      norm(packet.dns.qname ?? '') === norm(name),
  );
  const upstream = forwarded[0]?.dst?.ip;
  if (!upstream) return undefined;
  const ids = new Set(forwarded.map((packet) => packet.dns!.id));
  const around = sitedPackets(ctx.model, new Set([upstream]));
  const answered = around.packets.some(
    (packet) => packet.dns?.response === true && packet.src?.ip === upstream && ids.has(packet.dns.id),
  );
  if (answered) return undefined;
  // As it left the node (masqueraded) and as it arrived where a capture ran on the resolver.
  const asked = around.packets.filter(
    (packet) => packet.dns?.response === false && packet.dst?.ip === upstream && ids.has(packet.dns.id),
  );
  const left = asked.filter((packet) => packet.direction === 'Out' && packet.src?.ip !== coreDnsIp);
  const leftAs = left[0];
  const leftFrom = leftAs ? around.siteOf.get(leftAs)?.node : undefined;
  // Arriving on another host than the node it left: a capture on the resolver itself.
  const arrived = asked.find((packet) => {
    const host = around.siteOf.get(packet)?.node;
    return packet.direction === 'In' && host !== undefined && leftFrom !== undefined && host !== leftFrom;
  });
  const resolverHost = arrived ? around.siteOf.get(arrived)?.node : undefined;
  const rule =
    resolverHost && arrived?.src?.ip
      ? inputRuleDropping(ctx, { node: resolverHost, protocol: 'udp', port: 53, sender: arrived.src.ip })
      : undefined;
  const queries = ids.size;
  const sent = left.length > queries ? `, sent ${left.length} times` : '';
  const evidence: Evidence[] = [
    ...linesOf([forwarded[0], leftAs, arrived] as (Packet | undefined)[]),
    ...(rule?.evidence ?? []),
  ];
  return {
    message:
      ` CoreDNS (${coreDnsIp}) received them and forwarded ${name}, a name outside its zones, to its upstream ` +
      `resolver ${upstream}` +
      (leftAs ? ` (leaving as ${leftAs.src?.ip})` : '') +
      `: ${queries} queries${sent}, none answered` +
      (rule
        ? `; ${resolverHost}'s INPUT chain ${rule.target === 'REJECT' ? 'rejects' : 'drops'} them: \`${ruleText(rule)}\`` +
          (rule.packets !== undefined ? ` (its counter: ${rule.packets} packets)` : '')
        : arrived
          ? `; they reach ${resolverHost}, which does not answer`
          : '') +
      '. CoreDNS answers cluster names itself: only the names it forwards fail.',
    evidence,
    fix: rule
      ? `Let DNS from the nodes through on ${resolverHost} (accept UDP and TCP 53 before that rule).`
      : `Make CoreDNS's upstream answer: check ${upstream} and the way to it (the Corefile's \`forward\`, or the ` +
        "nodes' /etc/resolv.conf it inherits with `forward . /etc/resolv.conf`).",
  };
}
