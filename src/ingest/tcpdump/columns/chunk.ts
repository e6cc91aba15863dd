/**
 * One block of rows of the packet table, one typed array per field. Blocks have a fixed size so
 * that the table grows without copying and wastes at most one block; only the first one starts
 * small and doubles (a pasted capture of ten packets should not cost two megabytes).
 *
 * Encoding: typed arrays start zeroed, so "absent" is 0 everywhere — ids, lengths and offsets are
 * stored plus one; numbers that can legitimately be 0 say they are present in `has`.
 */
export const CHUNK_BITS = 14;
export const CHUNK_SIZE = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK_SIZE - 1;

/** Bits of `has`. */
export const HAS = {
  TCP: 1,
  DNS: 2,
  ICMP: 4,
  ARP: 8,
  U1: 16,
  U2: 32,
  U3: 64,
  U4: 128,
  U5: 256,
  /** DNS: a response. TCP: `http` was the `HTTP` placeholder of a -v request (the next line holds it). */
  FLAG: 512,
  VNI: 1024,
} as const;

/** Codes of `net`, `proto` and the ARP operation (u1), and what each stands for. */
export const NETWORKS = ['ip', 'ip6', 'arp', 'other'] as const;
export const NET_IP = 0;
export const NET_IP6 = 1;
export const NET_ARP = 2;
export const NET_OTHER = 3;
export const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmp6', 'arp', 'other'] as const;
export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_ICMP = 2;
export const PROTO_ICMP6 = 3;
export const PROTO_ARP = 4;
export const PROTO_OTHER = 5;
export const ARP_OPS = ['request', 'reply', 'other'] as const;
export const ARP_REQUEST = 0;
export const ARP_REPLY = 1;
export const ARP_OTHER = 2;
/** Codes of `dir` (0: no direction column). */
export const DIRECTIONS = [undefined, 'In', 'Out', 'P', 'B', 'M'] as const;

type Column = Int32Array | Uint32Array | Int16Array | Uint16Array | Uint8Array | Float64Array;

export class Chunk {
  /** Offset in the text where the record's first line (or piece of a flattened line) starts, and its length. */
  readonly at: Int32Array;
  readonly len: Int32Array;
  /** Offset just past the record's last continuation line (= at + len for a one-line record). */
  readonly endAt: Int32Array;
  /** 1-based lines where the record starts and ends (its inner frame included). */
  readonly line: Int32Array;
  readonly endLine: Int32Array;
  /** Seconds (since midnight for time-of-day stamps); `stampLen` 0 = no timestamp. */
  readonly t: Float64Array;
  readonly stampLen: Uint8Array;
  readonly dir: Uint8Array;
  readonly net: Uint8Array;
  readonly proto: Uint8Array;
  readonly has: Uint16Array;
  /** String ids + 1 (interface, link-layer addresses). */
  readonly iface: Int32Array;
  readonly srcMac: Int32Array;
  readonly dstMac: Int32Array;
  /** Endpoints: see RecordScanner.endpoint (negative: IPv4 address id and port; positive: text id + 1 in the table of kind `epKind`). */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** 0: TCP/UDP (with ports), 1: ICMP (no ports), 2: decided from the text. */
  readonly epKind: Uint8Array;
  /** Values + 1. */
  readonly length: Int32Array;
  readonly ipId: Int32Array;
  readonly ttl: Int16Array;
  /**
   * Payload strings (ids + 1), by protocol — TCP: k1 flags. ICMP: k1 type. ARP: k1 target, k2 sender,
   * k3 MAC. DNS: k1 flags, k2 qtype, k3 qname, k4 rcode.
   */
  readonly k1: Int32Array;
  readonly k2: Int32Array;
  readonly k3: Int32Array;
  readonly k4: Int32Array;
  /**
   * Payload numbers, present when their `has` bit is set — TCP: seq, seqEnd, ack, win, mss.
   * ICMP: id, seq. DNS: id, counts (u2..u4). ARP: u1 operation. UDP: u5 VXLAN/OTV network id.
   */
  readonly u1: Uint32Array;
  readonly u2: Uint32Array;
  readonly u3: Uint32Array;
  readonly u4: Uint32Array;
  readonly u5: Uint32Array;
  /**
   * Offsets + 1 in the record text — TCP: options [a, b), http from c (trimmed). ICMP: detail [a, b).
   * Any packet: `info` from d to the end.
   */
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly c: Int32Array;
  readonly d: Int32Array;
  /** Row + 1 of the inner frame (VXLAN/OTV) in the inner table. */
  readonly inner: Int32Array;

  constructor(readonly capacity: number = CHUNK_SIZE) {
    this.at = new Int32Array(capacity);
    this.len = new Int32Array(capacity);
    this.endAt = new Int32Array(capacity);
    this.line = new Int32Array(capacity);
    this.endLine = new Int32Array(capacity);
    this.t = new Float64Array(capacity);
    this.stampLen = new Uint8Array(capacity);
    this.dir = new Uint8Array(capacity);
    this.net = new Uint8Array(capacity);
    this.proto = new Uint8Array(capacity);
    this.has = new Uint16Array(capacity);
    this.iface = new Int32Array(capacity);
    this.srcMac = new Int32Array(capacity);
    this.dstMac = new Int32Array(capacity);
    this.src = new Int32Array(capacity);
    this.dst = new Int32Array(capacity);
    this.epKind = new Uint8Array(capacity);
    this.length = new Int32Array(capacity);
    this.ipId = new Int32Array(capacity);
    this.ttl = new Int16Array(capacity);
    this.k1 = new Int32Array(capacity);
    this.k2 = new Int32Array(capacity);
    this.k3 = new Int32Array(capacity);
    this.k4 = new Int32Array(capacity);
    this.u1 = new Uint32Array(capacity);
    this.u2 = new Uint32Array(capacity);
    this.u3 = new Uint32Array(capacity);
    this.u4 = new Uint32Array(capacity);
    this.u5 = new Uint32Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.c = new Int32Array(capacity);
    this.d = new Int32Array(capacity);
    this.inner = new Int32Array(capacity);
  }

  /** A chunk twice as large holding the same rows. */
  doubled(): Chunk {
    const next = new Chunk(Math.min(this.capacity * 2, CHUNK_SIZE));
    const to = next.columns();
    this.columns().forEach((col, k) => to[k].set(col));
    return next;
  }

  /** Zeroes row i: a record that turned out not to be a packet leaves it for the next one. */
  clear(i: number): void {
    for (const col of this.columns()) col[i] = 0;
  }

  /** Every column, in declaration order. */
  private columns(): Column[] {
    return Object.values(this).filter((v): v is Column => ArrayBuffer.isView(v));
  }
}
