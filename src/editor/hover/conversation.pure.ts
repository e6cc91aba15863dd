import {
  correlate,
  correlateOptionsOf,
  declaredClaims,
  dnsQuestions,
  isUnicastIp,
  looksLikeVeth,
  vethOwnership,
  type CorrelateOptions,
  type Correlation,
  type DnsQuestion,
  type Flood,
  type NatPair,
  type PacketGroup,
  type VethClaim,
  type VethOwnership,
} from '../../flow/correlate';
import { packetAddresses, type ClusterModel, type Packet, type PacketTable } from '../../model';

/**
 * The correlation a hover needs for one packet, computed on demand (no `vscode`): only the packets
 * of the document that touch the hovered packet's (unicast) addresses are built and correlated. Everything a
 * packet hover says about its group (same packet on other interfaces), its NAT partner and the veth
 * owners of its addresses comes from packets carrying those addresses, so this set gives the same
 * answers as correlating the whole document:
 * - a group holds sightings with one `samePacketKey`, which includes the addresses (or ARP fields);
 * - a NAT pair shares the source (forward) or the destination (reply) with the packet;
 * - every veth claim about an IP comes from a packet with that IP as src, dst or ARP address.
 * The one answer that can need other traffic is who owns the veth the packet was seen on, when that
 * pod is neither end of the packet (a flooded frame on a third pod's veth): its address is taken
 * from the model's declared veths, from the claims in this set, or else from a bounded look at the
 * packets of that veth nearest to the hovered one, wherever they are in the capture; the packets of
 * those addresses are then added, so their claims are whole.
 */

/** A run of the document's packets: a capture's table, or the plain Packet facts between captures. */
export interface Segment {
  table: PacketTable;
}

/** Where a built packet sits in the document. */
export interface PacketPlace {
  segment: number;
  row: number;
}

/** What the hover of one packet reads. */
export interface Conversation {
  corr: Correlation;
  groupOf: Map<Packet, PacketGroup>;
  natOf: Map<Packet, NatPair>;
  floodOf: ReadonlyMap<Packet, Flood>;
  /** Veth ownership of the addresses whose claims are all in `corr` (the packet's, and its interface's owners). */
  veths: Map<string, VethOwnership>;
  /** The question of a DNS packet of the conversation: an answer printed without it gets its query's. */
  dnsQuestion: (p: Packet) => DnsQuestion | undefined;
}

/** Packets of the hovered one's veth (nearest to it) read to find who owns the veth when nothing else tells. */
export const VETH_LOOK_ROWS = 2000;
/** Conversations kept per document version (hovers move around a few conversations at a time). */
const MAX_CACHED = 64;

/** Sets `key` in a cache of at most MAX_CACHED entries (the oldest goes first); returns `value`. */
function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/**
 * The addresses whose packets make up `p`'s conversation: its addresses without multicast and
 * broadcast ones (ff02::2 or 224.0.0.251 is in the packets of every host on the link). Nothing is lost:
 * a group's key holds the unicast address too, NAT pairs and veth claims are about unicast addresses.
 * A packet with no unicast address keeps them all.
 */
export function conversationAddresses(p: Packet): Set<string> {
  const all = packetAddresses(p);
  const unicast = new Set([...all].filter(isUnicastIp));
  return unicast.size > 0 ? unicast : all;
}

/** Sorted union of two sorted row lists. */
function mergeRows(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
  }
  return out;
}

export class ConversationFinder {
  private readonly cache = new Map<string, Conversation>();
  /** The rows touching an address set and their correlation, shared by the hovers of one conversation on several interfaces. */
  private readonly bases = new Map<string, { rows: number[][]; packets: Packet[]; corr: Correlation }>();
  private readonly options: Required<CorrelateOptions>;
  private declared?: VethClaim[];

  constructor(
    private readonly segments: readonly Segment[],
    private readonly placeOf: (p: Packet) => PacketPlace | undefined,
    private readonly model: ClusterModel,
  ) {
    this.options = correlateOptionsOf(model);
  }

  /** The correlation around `p`, cached by its addresses (and by its interface when that is a veth). */
  around(p: Packet): Conversation {
    const ips = conversationAddresses(p);
    const iface = looksLikeVeth(p.interface, this.options.vethNames) ? p.interface! : '';
    const place = this.placeOf(p);
    // An address-less packet has no conversation but its own row.
    const key = ips.size > 0 ? `${[...ips].sort().join(' ')}|${iface}` : `#${place?.segment}:${place?.row}|${iface}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const baseKey = key.slice(0, key.lastIndexOf('|'));
    let base = this.bases.get(baseKey);
    if (!base) {
      const rows = this.touching(ips);
      if (place && !rows[place.segment].includes(place.row))
        rows[place.segment] = mergeRows(rows[place.segment], [place.row]);
      const packets = this.built(rows, place ? [] : [p]);
      base = { rows, packets, corr: correlate(packets, this.options) };
      remember(this.bases, baseKey, base);
    }
    return remember(this.cache, key, this.compute(p, ips, iface, place, base.rows, base.packets, base.corr));
  }

  private compute(
    p: Packet,
    ips: Set<string>,
    iface: string,
    place: PacketPlace | undefined,
    rows: number[][],
    packets: Packet[],
    corr: Correlation,
  ): Conversation {
    const complete = new Set(ips);
    if (iface) {
      const declared = this.declaredClaims();
      const others = new Set<string>();
      const owned = (claims: readonly VethClaim[]) => {
        for (const c of claims) if (c.iface === iface && !ips.has(c.ip)) others.add(c.ip);
      };
      owned(declared);
      owned(corr.vethClaims);
      const ownedByOwn = [
        ...vethOwnership([...declared, ...corr.vethClaims].filter((c) => ips.has(c.ip))).values(),
      ].some((o) => o.iface === iface);
      // Nobody in sight owns this veth: look at the veth's own traffic nearest to the hovered row
      // (bounded). A claim from it only names a candidate: the answer comes from all its packets below.
      if (others.size === 0 && !ownedByOwn && place)
        owned(this.correlateRows(this.window(place, iface), []).vethClaims);
      if (others.size > 0) {
        const more = this.touching(others);
        corr = this.correlateRows(
          rows.map((r, s) => mergeRows(r, more[s])),
          place ? [] : [p],
        );
        for (const ip of others) complete.add(ip);
      }
    }
    const groupOf = new Map<Packet, PacketGroup>();
    for (const g of corr.groups) for (const q of g.packets) groupOf.set(q, g);
    const natOf = new Map<Packet, NatPair>();
    for (const n of corr.natPairs) {
      natOf.set(n.before, n);
      natOf.set(n.after, n);
    }
    // Claims about other addresses seen in this set are partial: keep only the whole ones.
    const veths = vethOwnership([...this.declaredClaims(), ...corr.vethClaims].filter((c) => complete.has(c.ip)));
    // A DNS answer and its query share the client's address: both are among the packets, in document order.
    const dnsQuestion = (q: Packet) => dnsQuestions(packets)(q);
    return { corr, groupOf, natOf, floodOf: corr.floodOf, veths, dnsQuestion };
  }

  private declaredClaims(): VethClaim[] {
    return (this.declared ??= declaredClaims(this.model));
  }

  /** Per segment, the sorted rows touching `ips`. */
  private touching(ips: ReadonlySet<string>): number[][] {
    return this.segments.map((s) => (ips.size > 0 ? s.table.touching(ips) : []));
  }

  /** The VETH_LOOK_ROWS packets seen on `iface` nearest to `place`, in its segment only. */
  private window(place: PacketPlace, iface: string): number[][] {
    return this.segments.map((s, i) =>
      i === place.segment ? s.table.onInterface(iface, place.row, VETH_LOOK_ROWS) : [],
    );
  }

  /** Builds the rows in document order (plus `extra`, packets with no known place) and correlates them. */
  private correlateRows(rows: readonly number[][], extra: readonly Packet[]): Correlation {
    return correlate(this.built(rows, extra), this.options);
  }

  /** The packets of the rows in document order, then `extra` (packets with no known place). */
  private built(rows: readonly number[][], extra: readonly Packet[]): Packet[] {
    const packets: Packet[] = [];
    rows.forEach((list, s) => {
      for (const i of list) packets.push(this.segments[s].table.packet(i));
    });
    for (const p of extra) if (!packets.includes(p)) packets.push(p);
    return packets;
  }
}
