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

/** One bit of `has` that two protocols use, each with its own meaning (HAS.DNS_RESPONSE, HAS.TCP_HTTP_ON_NEXT_LINE). */
const FLAG = 512;

/** Bits of `has`: which payload a row holds, and flags and numbers named per protocol below. */
export const HAS = {
  TCP: 1,
  DNS: 2,
  ICMP: 4,
  ARP: 8,
  /** A DNS response. */
  DNS_RESPONSE: FLAG,
  /** The `HTTP` placeholder of a -v request (the next line holds the request). */
  TCP_HTTP_ON_NEXT_LINE: FLAG,
} as const;

/**
 * A number a protocol keeps in one of the shared `u` columns: the `has` bit that says it is there,
 * and its slot in RecordScanner.wide for a value that does not fit 32 bits.
 */
export interface NumberField {
  readonly bit: number;
  readonly slot: number;
}

/** Slots of RecordScanner.wide for the plus-one columns (`length`, `ttl`, `ipId`). */
export const LENGTH_SLOT = 0;
export const TTL_SLOT = 1;
export const IP_ID_SLOT = 2;

const U1: NumberField = { bit: 16, slot: 3 };
const U2: NumberField = { bit: 32, slot: 4 };
const U3: NumberField = { bit: 64, slot: 5 };
const U4: NumberField = { bit: 128, slot: 6 };
const U5: NumberField = { bit: 256, slot: 7 };

/** Which shared column holds which protocol's number: read and written through Chunk's getters of the same name. */
export const TCP_SEQ = U1;
export const TCP_SEQ_END = U2;
export const TCP_ACK = U3;
export const TCP_WIN = U4;
export const TCP_MSS = U5;
export const ICMP_ID = U1;
export const ICMP_SEQ = U2;
/** The DNS id is always present (its bit is set with HAS.DNS); the three counts come together. */
export const DNS_ID = U1;
export const DNS_ANSWERS = U2;
export const DNS_AUTHORITIES = U3;
export const DNS_ADDITIONALS = U4;
/** The ARP operation (ARP_REQUEST …) is always present with HAS.ARP. */
export const ARP_OP = U1;
/** A VXLAN or OTV network id: its own bit, in U5's column (a UDP row never has an MSS). */
export const UDP_VNI: NumberField = { bit: 1024, slot: U5.slot };

/** Codes of `net`, `proto` and the ARP operation (ARP_OP), and what each stands for. */
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
  /**
   * Endpoints: see RecordScanner.endpoint (negative: IPv4 address id and port; positive: text id + 1 in the table of
   * kind `epKind`).
   */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** 0: TCP/UDP (with ports), 1: ICMP (no ports), 2: decided from the text. */
  readonly epKind: Uint8Array;
  /** Values + 1. */
  readonly length: Int32Array;
  readonly ipId: Int32Array;
  readonly ttl: Int16Array;
  /**
   * The payload columns, shared by the protocols: strings (ids + 1) in k1–k4, numbers in u1–u5,
   * offsets + 1 in the record text in a–d. Only this file knows which protocol keeps what where:
   * the rest of the parser reads and writes them through the getters below (`tcpSeq`, `arpTarget` …).
   */
  readonly k1: Int32Array;
  readonly k2: Int32Array;
  readonly k3: Int32Array;
  readonly k4: Int32Array;
  readonly u1: Uint32Array;
  readonly u2: Uint32Array;
  readonly u3: Uint32Array;
  readonly u4: Uint32Array;
  readonly u5: Uint32Array;
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

  // TCP: flags, numbers (present when their `has` bit is set), options [from, to), http from (trimmed).
  get tcpFlags(): Int32Array {
    return this.k1;
  }
  get tcpSeq(): Uint32Array {
    return this.u1;
  }
  get tcpSeqEnd(): Uint32Array {
    return this.u2;
  }
  get tcpAck(): Uint32Array {
    return this.u3;
  }
  get tcpWin(): Uint32Array {
    return this.u4;
  }
  get tcpMss(): Uint32Array {
    return this.u5;
  }
  get tcpOptionsFrom(): Int32Array {
    return this.a;
  }
  get tcpOptionsTo(): Int32Array {
    return this.b;
  }
  get tcpHttpFrom(): Int32Array {
    return this.c;
  }

  // ICMP: type, echo id and seq, detail [from, to).
  get icmpType(): Int32Array {
    return this.k1;
  }
  get icmpId(): Uint32Array {
    return this.u1;
  }
  get icmpSeq(): Uint32Array {
    return this.u2;
  }
  get icmpDetailFrom(): Int32Array {
    return this.a;
  }
  get icmpDetailTo(): Int32Array {
    return this.b;
  }

  // ARP: the address asked for, who asks (`tell`), the MAC a reply gives, the operation.
  get arpTarget(): Int32Array {
    return this.k1;
  }
  get arpSender(): Int32Array {
    return this.k2;
  }
  get arpMac(): Int32Array {
    return this.k3;
  }
  get arpOp(): Uint32Array {
    return this.u1;
  }

  // DNS: flags, question type and name, response code, id and the answer/authority/additional counts.
  get dnsFlags(): Int32Array {
    return this.k1;
  }
  get dnsQtype(): Int32Array {
    return this.k2;
  }
  get dnsQname(): Int32Array {
    return this.k3;
  }
  get dnsRcode(): Int32Array {
    return this.k4;
  }
  get dnsId(): Uint32Array {
    return this.u1;
  }
  get dnsAnswers(): Uint32Array {
    return this.u2;
  }
  get dnsAuthorities(): Uint32Array {
    return this.u3;
  }
  get dnsAdditionals(): Uint32Array {
    return this.u4;
  }

  /** UDP: the VXLAN or OTV network id. */
  get udpVni(): Uint32Array {
    return this.u5;
  }

  /** Any packet: `info` runs from here to the record's end. */
  get infoFrom(): Int32Array {
    return this.d;
  }

  /**
   * Copies what row j of `from` says about its packet into row i (not where the record is, its
   * stamp, direction, interface or inner frame); offsets into the record text move by `shift`.
   */
  copyPacket(slot: number, from: Chunk, fromSlot: number, shift: number): void {
    this.srcMac[slot] = from.srcMac[fromSlot];
    this.dstMac[slot] = from.dstMac[fromSlot];
    this.net[slot] = from.net[fromSlot];
    this.proto[slot] = from.proto[fromSlot];
    this.has[slot] = from.has[fromSlot];
    this.src[slot] = from.src[fromSlot];
    this.dst[slot] = from.dst[fromSlot];
    this.epKind[slot] = from.epKind[fromSlot];
    this.length[slot] = from.length[fromSlot];
    this.ipId[slot] = from.ipId[fromSlot];
    this.ttl[slot] = from.ttl[fromSlot];
    this.k1[slot] = from.k1[fromSlot];
    this.k2[slot] = from.k2[fromSlot];
    this.k3[slot] = from.k3[fromSlot];
    this.k4[slot] = from.k4[fromSlot];
    this.u1[slot] = from.u1[fromSlot];
    this.u2[slot] = from.u2[fromSlot];
    this.u3[slot] = from.u3[fromSlot];
    this.u4[slot] = from.u4[fromSlot];
    this.u5[slot] = from.u5[fromSlot];
    this.a[slot] = from.a[fromSlot] === 0 ? 0 : from.a[fromSlot] + shift;
    this.b[slot] = from.b[fromSlot] === 0 ? 0 : from.b[fromSlot] + shift;
    this.c[slot] = from.c[fromSlot] === 0 ? 0 : from.c[fromSlot] + shift;
    this.d[slot] = from.d[fromSlot] === 0 ? 0 : from.d[fromSlot] + shift;
  }

  /** A chunk twice as large holding the same rows. */
  doubled(): Chunk {
    const next = new Chunk(Math.min(this.capacity * 2, CHUNK_SIZE));
    const to = next.columns();
    this.columns().forEach((col, k) => to[k].set(col));
    return next;
  }

  /** Zeroes row i: a record that turned out not to be a packet leaves it for the next one. */
  clear(slot: number): void {
    for (const col of this.columns()) col[slot] = 0;
  }

  /** Every column, in declaration order. */
  private columns(): Column[] {
    return Object.values(this).filter((value): value is Column => ArrayBuffer.isView(value));
  }
}
