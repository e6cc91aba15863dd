import type { Packet } from '../../model';

/** The question of a DNS packet: the name and type it asks about. */
export interface DnsQuestion {
  name: string;
  type?: string;
}

const cache = new WeakMap<readonly Packet[], (p: Packet) => DnsQuestion | undefined>();

/**
 * The question of each DNS packet among `packets` (capture order). tcpdump prints an answer's
 * question only with -vv, so `22262 NXDomain 0/0/0` tells which name failed only through the query
 * it answers: `22262+ A? name.` with the same id, sent from the address and port the answer goes
 * back to. The latest such query before the answer counts (a resolver sends A and AAAA from one
 * port, with new ids). An answer whose query is not among the packets has no question here.
 * Computed once per packet list.
 */
export function dnsQuestions(packets: readonly Packet[]): (p: Packet) => DnsQuestion | undefined {
  const known = cache.get(packets);
  if (known) return known;
  const asked = new Map<string, DnsQuestion>();
  const paired = new Map<Packet, DnsQuestion>();
  for (const packet of packets) {
    const dns = packet.dns;
    if (!dns) continue;
    if (!dns.response) {
      if (dns.qname && packet.src)
        asked.set(`${dns.id} ${packet.src.ip} ${packet.src.port}`, { name: dns.qname, type: dns.qtype });
    } else if (!dns.qname && packet.dst) {
      const dnsQuestion = asked.get(`${dns.id} ${packet.dst.ip} ${packet.dst.port}`);
      if (dnsQuestion) paired.set(packet, dnsQuestion);
    }
  }
  const question = (packet: Packet): DnsQuestion | undefined =>
    packet.dns?.qname ? { name: packet.dns.qname, type: packet.dns.qtype } : paired.get(packet);
  cache.set(packets, question);
  return question;
}
