import type { Packet } from '../../model';

/** The question of a DNS packet: the name and type it asks about. */
export interface DnsQuestion {
  name: string;
  type?: string;
}

/** The question a DNS packet prints itself (queries; answers only with -vv). */
export function printedQuestion(packet: Packet): DnsQuestion | undefined {
  return packet.dns?.qname ? { name: packet.dns.qname, type: packet.dns.qtype } : undefined;
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
  const pairing = new DnsPairing();
  const paired = new Map<Packet, DnsQuestion>();
  for (const packet of packets) {
    const dnsQuestion = pairing.read(packet);
    if (dnsQuestion) paired.set(packet, dnsQuestion);
  }
  const question = (packet: Packet): DnsQuestion | undefined => printedQuestion(packet) ?? paired.get(packet);
  cache.set(packets, question);
  return question;
}

/**
 * dnsQuestions one packet at a time, in capture order: `read` files a query and gives an answer
 * printed without its question the question of its query among the packets read before it.
 */
export class DnsPairing {
  // The latest query of each (address, port, id): nested maps of the parser's own strings and
  // numbers (their hashes are kept) rather than a key string built for each packet.
  private readonly asked = new Map<string, Map<number | undefined, Map<number, DnsQuestion>>>();

  /** The question of an answer without one (undefined for queries, answers with one, others). */
  read(packet: Packet): DnsQuestion | undefined {
    const dns = packet.dns;
    if (!dns) return undefined;
    if (!dns.response) {
      if (dns.qname && packet.src) {
        const { ip, port } = packet.src;
        let byPort = this.asked.get(ip);
        if (!byPort) this.asked.set(ip, (byPort = new Map<number | undefined, Map<number, DnsQuestion>>()));
        let byId = byPort.get(port);
        if (!byId) byPort.set(port, (byId = new Map<number, DnsQuestion>()));
        byId.set(dns.id, { name: dns.qname, type: dns.qtype });
      }
      return undefined;
    }
    if (dns.qname || !packet.dst) return undefined;
    return this.asked.get(packet.dst.ip)?.get(packet.dst.port)?.get(dns.id);
  }
}
