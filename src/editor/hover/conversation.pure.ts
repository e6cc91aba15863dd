import {
  correlateOptionsOf,
  declaredClaims,
  dnsQuestions,
  hoverCorrelation,
  isUnicastIp,
  looksLikeVeth,
  vethOwnership,
  type CorrelateOptions,
  type DnsQuestion,
  type Flood,
  type HoverCorrelation,
  type NatPair,
  type PacketGroup,
  type VethClaim,
  type VethOwnership,
} from '../../flow/correlate';
import { PacketColumns } from '../../ingest/tcpdump/columns/packetColumns';
import { rowList, SegmentedPackets, type RowList } from '../../ingest/tcpdump/columns/segmentedPackets';
import { packetAddresses, partitionPoint, type ClusterModel, type Packet, type PacketTable } from '../../model';

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
 * On a long capture only the CONVERSATION_ROWS packets of those addresses before and after the
 * hovered one are read, in each capture (in another capture: around the same time): the same packet
 * on other interfaces, its NAT partner and the claims about its addresses sit close in time, and a
 * pod's conversation with kube-dns can be most of a million-line capture (7 s to correlate here).
 * An edit that reads rows of a capture again keeps this work (see carried): each address set's rows
 * move past the edit, and a window's correlation stays when the edit removed or added none of its rows.
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
  corr: HoverCorrelation;
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
/**
 * Packets of a conversation read on each side of the hovered one, per capture (windows start at a
 * multiple of this, so hovers nearby share one).
 */
export const CONVERSATION_ROWS = 1000;
/** The rows a window reads on each side (CONVERSATION_ROWS; tests make it small). */
export const conversationWindow = { rows: CONVERSATION_ROWS };
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
export function conversationAddresses(packet: Packet): Set<string> {
  const all = packetAddresses(packet);
  const unicast = new Set([...all].filter(isUnicastIp));
  return unicast.size > 0 ? unicast : all;
}

/** Sorted union of two sorted row lists. */
function mergeRows(first: readonly number[], second: readonly number[]): number[] {
  const out: number[] = [];
  let firstAt = 0;
  let secondAt = 0;
  while (firstAt < first.length || secondAt < second.length) {
    const row =
      secondAt >= second.length || (firstAt < first.length && first[firstAt] <= second[secondAt])
        ? first[firstAt++]
        : second[secondAt++];
    if (out.length === 0 || out[out.length - 1] !== row) out.push(row);
  }
  return out;
}

/**
 * Rows of one segment an edit read again: its `removed` rows from row `from` became `added` rows,
 * the rows after them are the same packets (their lines moved), `added - removed` rows on.
 */
export interface RowsEdit {
  segment: number;
  from: number;
  removed: number;
  added: number;
}

/** The edit that does `first` then `second` (`second` in the rows `first` left; of one segment). */
export function composeRowsEdits<Edit extends Omit<RowsEdit, 'segment'>>(first: Edit, second: Edit): Edit {
  const from = Math.min(first.from, second.from);
  // the span [from, end) of the rows now, and where it ends in the rows before `first`
  let end = first.from + first.added;
  let oldEnd = first.from + first.removed;
  if (second.from + second.removed > end) {
    oldEnd += second.from + second.removed - end;
    end = second.from + second.removed;
  }
  end += second.added - second.removed;
  return { ...second, from, removed: oldEnd - from, added: end - from };
}

/** Index of the first of sorted `rows` at or after `row`. */
const firstAtOrAfter = (rows: RowList, row: number) => partitionPoint(rows.length, (k) => rows.at(k) < row);

/** The rows of `table` touching `ips` (a capture in pieces: read from its pieces' lists, not copied). */
function touchingRows(table: PacketTable, ips: ReadonlySet<string>): RowList {
  if (ips.size === 0) return rowList([]);
  return table instanceof SegmentedPackets ? table.touchingList(ips) : rowList(table.touching(ips));
}

/** Where the hovered packet is: its place in the document and its time. */
interface Near {
  place?: PacketPlace;
  time?: number;
}

/**
 * First of the 3 × CONVERSATION_ROWS rows read around index `anchor` of a row list (a multiple of
 * CONVERSATION_ROWS).
 */
function windowStart(rows: RowList, anchor: number): number {
  const size = conversationWindow.rows;
  if (rows.length <= 3 * size) return 0;
  const start = (Math.floor(anchor / size) - 1) * size;
  return Math.max(0, Math.min(start, rows.length - 3 * size));
}

/**
 * The rows of a conversation's window and their correlation; `placed` when the hovered packet's row
 * was added; `starts`: where the window starts in each segment's rows touching its addresses.
 */
interface Base {
  rows: number[][];
  starts: number[];
  packets: Packet[];
  corr: HoverCorrelation;
  placed?: true;
}

export class ConversationFinder {
  private readonly cache = new Map<string, Conversation>();
  /**
   * The rows touching an address set and their correlation, shared by the hovers of one
   * conversation on several interfaces.
   */
  private readonly bases = new Map<string, Base>();
  /** All rows touching an address set, per segment. */
  private readonly rowsOf = new Map<string, { ips: ReadonlySet<string>; rows: RowList[] }>();
  private readonly options: Required<CorrelateOptions>;
  private declared?: VethClaim[];

  constructor(
    private readonly segments: readonly Segment[],
    private readonly placeOf: (p: Packet) => PacketPlace | undefined,
    readonly model: ClusterModel,
  ) {
    this.options = correlateOptionsOf(model);
  }

  /** Windows carried over from the finder before an edit (see carried). */
  carriedWindows = 0;

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Windows whose correlation is kept. */
  get windows(): number {
    return this.bases.size;
  }

  /** The correlation around `p`, cached by its addresses, window (and by its interface when that is a veth). */
  around(packet: Packet): Conversation {
    const ips = conversationAddresses(packet);
    const iface = looksLikeVeth(packet.interface, this.options.vethNames) ? packet.interface! : '';
    const place = this.placeOf(packet);
    const near = { place, time: packet.t };
    // An address-less packet has no conversation but its own row.
    const addressKey = ips.size > 0 ? [...ips].sort().join(' ') : `#${place?.segment}:${place?.row}`;
    const all = this.touchingAll(addressKey, ips);
    const starts = all.map((rows, segment) => windowStart(rows, this.anchor(rows, segment, near)));
    const baseKey = `${addressKey}@${starts.join(',')}`;
    const key = `${baseKey}|${iface}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let base = this.bases.get(baseKey);
    if (!base) {
      const rows = all.map((list, segment) =>
        list.slice(starts[segment], starts[segment] + 3 * conversationWindow.rows),
      );
      const placed = place !== undefined && !rows[place.segment].includes(place.row);
      if (placed) rows[place.segment] = mergeRows(rows[place.segment], [place.row]);
      const packets = this.built(rows, place ? [] : [packet]);
      base = { rows, starts, packets, corr: hoverCorrelation(packets, this.options), ...(placed ? { placed } : {}) };
      remember(this.bases, baseKey, base);
    }
    const more = (others: ReadonlySet<string>) => this.touchingNear(others, near);
    return remember(this.cache, key, this.compute({ packet, ips, iface, place, more }, base));
  }

  /**
   * This finder's work for the same document after an edit that read `edit`'s rows again (the
   * segments as they are now, `placeOf` the new index's): the rows of each address set found
   * before, moved past the edit and with the rows read again looked at; the correlation of each
   * window whose address set has no row among those the edit removed or added (its packets are the
   * same, in the same order). The conversations are made again from them (cheap: see compute).
   */
  carried(
    segments: readonly Segment[],
    placeOf: (p: Packet) => PacketPlace | undefined,
    edit: RowsEdit,
  ): ConversationFinder {
    const next = new ConversationFinder(segments, placeOf, this.model);
    next.declared = this.declared;
    const table = segments[edit.segment].table;
    const shift = edit.added - edit.removed;
    const end = edit.from + edit.removed;
    const touched = new Set<string>();
    /** Per address set the edit touched: how many of its rows (in the segment) came before the edit. */
    const untouchedBefore = new Map<string, number>();
    for (const [key, { ips, rows }] of this.rowsOf) {
      if (key.startsWith('#')) continue;
      // the segment's rows now (from its pieces' lists: only the pieces read again are searched)
      const list = rows[edit.segment];
      // the rows found in the table read whole, before it was cut into windows, serve the windows
      const before = this.segments[edit.segment].table;
      if (before !== table && before instanceof PacketColumns && table instanceof SegmentedPackets)
        table.knowTouching(before, ips, list.slice(0, list.length));
      const now = touchingRows(table, ips);
      const removed = firstAtOrAfter(list, end) - firstAtOrAfter(list, edit.from);
      const added = firstAtOrAfter(now, edit.from + edit.added) - firstAtOrAfter(now, edit.from);
      if (removed > 0 || added > 0) {
        touched.add(key);
        untouchedBefore.set(key, firstAtOrAfter(list, edit.from));
      }
      const moved = rows.slice();
      moved[edit.segment] = now;
      next.rowsOf.set(key, { ips, rows: moved });
    }
    for (const [key, base] of this.bases) {
      const addressKey = key.slice(0, key.lastIndexOf('@'));
      if (base.placed || !next.rowsOf.has(addressKey)) continue;
      const before = untouchedBefore.get(addressKey);
      if (before !== undefined) {
        // a window that ends before the edit's first row holds the same rows (the same packets) as before:
        // its address set's rows before the edit are the same, at the same places in its list
        if (base.starts[edit.segment] + 3 * conversationWindow.rows <= before) next.bases.set(key, base);
        continue;
      }
      const rows = base.rows.slice();
      rows[edit.segment] = rows[edit.segment].map((row) => (row >= end ? row + shift : row));
      next.bases.set(key, { ...base, rows });
    }
    next.carriedWindows = next.bases.size;
    return next;
  }

  /** All rows touching `ips`, per segment, cached by their key. */
  private touchingAll(key: string, ips: ReadonlySet<string>): RowList[] {
    const hit = this.rowsOf.get(key);
    if (hit) return hit.rows;
    return remember(this.rowsOf, key, { ips, rows: this.touching(ips) }).rows;
  }

  /** The rows touching `ips` in the window around `near`, per segment. */
  private touchingNear(ips: ReadonlySet<string>, near: Near): number[][] {
    return this.touching(ips).map((rows, segment) => {
      const start = windowStart(rows, this.anchor(rows, segment, near));
      return rows.slice(start, start + 3 * conversationWindow.rows);
    });
  }

  /**
   * Where in `rows` (sorted rows of `segment`) the hovered packet is: at its row in its own
   * segment, at its time in another (the packets are in time order); the middle without a time.
   */
  private anchor(rows: RowList, segment: number, near: Near): number {
    if (rows.length <= 3 * conversationWindow.rows) return 0;
    const table = this.segments[segment].table;
    const below = (row: number) =>
      near.place?.segment === segment ? row < near.place.row : (table.packet(row).t ?? -Infinity) < near.time!;
    if (near.place?.segment !== segment && near.time === undefined) return rows.length >> 1;
    return partitionPoint(rows.length, (index) => below(rows.at(index)));
  }

  private compute(
    around: {
      packet: Packet;
      ips: Set<string>;
      iface: string;
      place: PacketPlace | undefined;
      /** The rows near the hovered packet touching other addresses. */
      more: (ips: ReadonlySet<string>) => number[][];
    },
    base: { rows: number[][]; packets: Packet[]; corr: HoverCorrelation },
  ): Conversation {
    const { packet, ips, iface, place } = around;
    const { rows, packets } = base;
    let corr = base.corr;
    const complete = new Set(ips);
    if (iface) {
      const declared = this.declaredClaims();
      const others = new Set<string>();
      const owned = (claims: readonly VethClaim[]) => {
        for (const claim of claims) if (claim.iface === iface && !ips.has(claim.ip)) others.add(claim.ip);
      };
      owned(declared);
      owned(corr.vethClaims);
      const ownedByOwn = [
        ...vethOwnership([...declared, ...corr.vethClaims].filter((claim) => ips.has(claim.ip))).values(),
      ].some((ownership) => ownership.iface === iface);
      // Nobody in sight owns this veth: look at the veth's own traffic nearest to the hovered row
      // (bounded). A claim from it only names a candidate: the answer comes from all its packets below.
      if (others.size === 0 && !ownedByOwn && place)
        owned(this.correlateRows(this.window(place, iface), []).vethClaims);
      if (others.size > 0) {
        const more = around.more(others);
        corr = this.correlateRows(
          rows.map((segmentRows, s) => mergeRows(segmentRows, more[s])),
          place ? [] : [packet],
        );
        for (const ip of others) complete.add(ip);
      }
    }
    const groupOf = new Map<Packet, PacketGroup>();
    for (const group of corr.groups) for (const member of group.packets) groupOf.set(member, group);
    const natOf = new Map<Packet, NatPair>();
    for (const pair of corr.natPairs) {
      natOf.set(pair.before, pair);
      natOf.set(pair.after, pair);
    }
    // Claims about other addresses seen in this set are partial: keep only the whole ones.
    const veths = vethOwnership(
      [...this.declaredClaims(), ...corr.vethClaims].filter((claim) => complete.has(claim.ip)),
    );
    // A DNS answer and its query share the client's address: both are among the packets, in document order.
    const dnsQuestion = (dnsPacket: Packet) => dnsQuestions(packets)(dnsPacket);
    return { corr, groupOf, natOf, floodOf: corr.floodOf, veths, dnsQuestion };
  }

  private declaredClaims(): VethClaim[] {
    return (this.declared ??= declaredClaims(this.model));
  }

  /** Per segment, the sorted rows touching `ips`. */
  private touching(ips: ReadonlySet<string>): RowList[] {
    return this.segments.map((segment) => touchingRows(segment.table, ips));
  }

  /** The VETH_LOOK_ROWS packets seen on `iface` nearest to `place`, in its segment only. */
  private window(place: PacketPlace, iface: string): number[][] {
    return this.segments.map((segment, i) =>
      i === place.segment ? segment.table.onInterface(iface, place.row, VETH_LOOK_ROWS) : [],
    );
  }

  /** Builds the rows in document order (plus `extra`, packets with no known place) and correlates them. */
  private correlateRows(rows: readonly number[][], extra: readonly Packet[]): HoverCorrelation {
    return hoverCorrelation(this.built(rows, extra), this.options);
  }

  /** The packets of the rows in document order, then `extra` (packets with no known place). */
  private built(rows: readonly number[][], extra: readonly Packet[]): Packet[] {
    const packets: Packet[] = [];
    rows.forEach((list, s) => {
      for (const row of list) packets.push(this.segments[s].table.packet(row));
    });
    for (const packet of extra) if (!packets.includes(packet)) packets.push(packet);
    return packets;
  }
}
