import type { Endpoint4 } from '../../../model';
import { endpoint, isIPv4, isServiceName } from '../endpoints';
import { Interner, isDigit } from '../scan';
import { at, charE, END, findE, isMacAtE, isSpace, lastFindE, readUintE, skipSpacesE, wordEndE } from './bounded';
import { ARP_OTHER, ARP_REPLY, ARP_REQUEST, HAS, NET_ARP, NET_IP, NET_IP6, NET_OTHER, PROTO_ARP, PROTO_ICMP, PROTO_ICMP6, PROTO_OTHER, PROTO_TCP, PROTO_UDP, type Chunk } from './chunk';
import { SpanInterner } from './spanInterner';

/**
 * Reads one tcpdump record (its first line, with the address line of `-v` already appended) into
 * row `i` of a chunk: every field the capture prints, as numbers, interned-string ids or offsets
 * into the record text. Nothing per packet is allocated on the common paths, which is what makes a
 * million-line capture cheap to hold.
 *
 * Layout: `[STAMP] [IFACE DIR] [link: ifindex N MAC | MAC > MAC,] ethertype X (0x..), length N: ]`
 * then `IP|IP6 [(-v header)] SRC > DST: PAYLOAD` or `ARP, ...`.
 */

const RCODES = ['NXDomain', 'ServFail', 'Refused', 'FormErr', 'NotImp', 'YXDomain', 'YXRRSet', 'NXRRSet', 'NotAuth', 'NotZone', 'BadVers'];
const RR_TYPES = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'TXT', 'MX', 'NS', 'SOA', 'OPT', 'HINFO', 'CAA', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'SVCB']);
const U32 = 0xffffffff;

export type DnsAnswer = { type: string; data: string };

export class RecordScanner {
  /** Interface names, MACs, flags, ICMP types, ARP addresses, DNS names and types. */
  readonly strings = new SpanInterner();
  /** IPv4 addresses of `a.b.c.d.port` endpoints, by id, and their numeric value. */
  readonly ipv4: string[] = [];
  private readonly ipv4Num: number[] = [];
  private ipv4Slots = new Int32Array(1024);
  /** Other endpoints by printed text, one table per payload kind (TCP/UDP, ICMP, unknown): see Chunk.epKind. */
  private readonly epText = [new SpanInterner(), new SpanInterner(), new SpanInterner()];
  readonly endpoints: Endpoint4[][] = [[], [], []];
  /** Objects for the numeric endpoints, made when a packet is built (see PacketColumns.endpointOf). */
  readonly numericEndpoints = new Map<number, Endpoint4>();
  /** DNS answer lists by row (few rows have them). */
  readonly answers = new Map<number, DnsAnswer[]>();
  /** Values that do not fit their column (a sequence number past 2^32 in mangled text): `row * 8 + field`. */
  readonly wide = new Map<number, number>();
  private readonly legacy = new Interner();
  private readonly echoRequest: number;
  private readonly echoReply: number;
  /** The row being written and its table-wide index. */
  private c!: Chunk;
  private i = 0;
  private row = 0;

  constructor() {
    this.echoRequest = this.strings.str('echo request');
    this.echoReply = this.strings.str('echo reply');
  }

  /** Where the -v address line is, for a record read in place (see `scan`); -1: none. */
  private jumpAt = -1;
  private jumpEnd = -1;
  /** Set when the record continued on its address line. */
  jumped = false;
  /** Span offsets are stored relative to this (the record's start in the joined text). */
  private base = 0;

  /**
   * Fills the row from the record at s[p, e); returns undefined, or why it is not a packet (the
   * row is then cleared). `s` is the whole capture (or a cut-out record), `p` where the record
   * starts. `stampEnd`/`t`: the timestamp the caller already read there (stampEnd 0: none).
   * `jumpAt`/`jumpEnd`: the -v address line of a record whose first line ends with its IP header,
   * read in place as if it were appended after a space (-1: none); check `jumped` afterwards.
   * `end`: where the record's last line ends (its continuation lines included).
   */
  scan(s: string, p: number, e: number, c: Chunk, i: number, row: number, stampEnd: number, t: number, jumpAt: number, jumpEnd: number, end: number): string | undefined {
    this.c = c;
    this.i = i;
    this.row = row;
    this.base = p;
    this.jumpAt = jumpAt;
    this.jumpEnd = jumpEnd;
    this.jumped = false;
    this.end = end;
    const why = this.fill(s, p, e, stampEnd, t);
    if (why !== undefined) {
      clearRow(c, i);
      this.lastOk = false;
      return why;
    }
    // this row can be repeated by the next record (see `repeats`)
    this.lastOk = true;
    this.lastS = s;
    this.lastC = c;
    this.lastI = i;
    this.lastKey = row;
    this.lastJumped = this.jumped;
    return undefined;
  }

  /*
   * `-i any` prints a packet once per interface it crosses, so a record often says, after its
   * interface and direction, exactly what the record before it said: its fields are then copied
   * from that row instead of being read again (four records in ten of the benchmark's capture).
   */
  private end = 0;
  private lastOk = false;
  private lastS = '';
  private lastC: Chunk | undefined;
  private lastI = 0;
  private lastKey = 0;
  private lastJumped = false;
  private lastStamped = false;
  /** The last row's repeatable part: where it starts in s, its length, and its start relative to its record. */
  private lastAt = 0;
  private lastLen = 0;
  private lastRel = 0;

  /** Stops the next record from copying the last row (whose chunk the caller reuses). */
  forget(): void {
    this.lastOk = false;
  }

  /** Whether the record's rest s[p, end) repeats the last row's; notes it as the next one to compare with. */
  private repeats(s: string, p: number, stamped: boolean): boolean {
    const len = this.end - p;
    const hit = this.lastOk && s === this.lastS && len === this.lastLen && stamped === this.lastStamped && sameText(s, p, this.lastAt, len);
    if (hit) this.copyLast(p - this.base);
    this.lastAt = p;
    this.lastLen = len;
    this.lastRel = p - this.base;
    this.lastStamped = stamped;
    return hit;
  }

  /** Copies the last row's fields into this one; offsets move by how much longer this record's start is. */
  private copyLast(rel: number): void {
    const f = this.lastC!;
    const j = this.lastI;
    const c = this.c;
    const i = this.i;
    const d = rel - this.lastRel;
    c.srcMac[i] = f.srcMac[j]; c.dstMac[i] = f.dstMac[j]; c.net[i] = f.net[j]; c.proto[i] = f.proto[j]; c.has[i] = f.has[j];
    c.src[i] = f.src[j]; c.dst[i] = f.dst[j]; c.epKind[i] = f.epKind[j]; c.length[i] = f.length[j]; c.ipId[i] = f.ipId[j];
    c.ttl[i] = f.ttl[j]; c.k1[i] = f.k1[j]; c.k2[i] = f.k2[j]; c.k3[i] = f.k3[j]; c.k4[i] = f.k4[j];
    c.u1[i] = f.u1[j]; c.u2[i] = f.u2[j]; c.u3[i] = f.u3[j]; c.u4[i] = f.u4[j]; c.u5[i] = f.u5[j];
    c.a[i] = f.a[j] === 0 ? 0 : f.a[j] + d; c.b[i] = f.b[j] === 0 ? 0 : f.b[j] + d;
    c.c[i] = f.c[j] === 0 ? 0 : f.c[j] + d; c.d[i] = f.d[j] === 0 ? 0 : f.d[j] + d;
    if (this.wide.size > 0) for (let k = 0; k < 8; k++) { const v = this.wide.get(this.lastKey * 8 + k); if (v !== undefined) this.wide.set(this.row * 8 + k, v); }
    if ((f.has[j] & HAS.DNS) !== 0) {
      const answers = this.answers.get(this.lastKey);
      if (answers !== undefined) this.answers.set(this.row, answers);
    }
    this.jumped = this.lastJumped;
  }

  private id(s: string, a: number, b: number): number {
    return this.strings.span(s, a, b) + 1;
  }

  /** An offset stored in a span column: relative to the record, plus one. */
  private rel(k: number): number {
    return k - this.base + 1;
  }

  /** Stores a number that should fit 32 bits; keeps it aside when it does not. */
  private u32(col: Uint32Array, field: number, v: number): void {
    if (v <= U32) col[this.i] = v;
    else { col[this.i] = 0; this.wide.set(this.row * 8 + field, v); }
  }

  private plus1(col: Int32Array, field: number, v: number): void {
    if (v < 0x7ffffffe) col[this.i] = v + 1;
    else { col[this.i] = -1; this.wide.set(this.row * 8 + field, v); }
  }

  private fill(s: string, p: number, e: number, stampEnd: number, t: number): string | undefined {
    const c = this.c;
    const i = this.i;
    const stamped = stampEnd > 0;
    if (stamped) {
      c.stampLen[i] = stampEnd - p;
      c.t[i] = t;
      p = skipSpacesE(s, stampEnd, e);
    }
    // -i any: interface and direction columns
    const w1 = wordEndE(s, p, e);
    const p2 = skipSpacesE(s, w1, e);
    const dir = direction(s, p2, e);
    if (dir !== 0 && w1 > p) {
      c.iface[i] = this.id(s, p, w1);
      c.dir[i] = dir;
      p = skipSpacesE(s, p2 + DIR_LEN[dir], e);
    }
    if (this.repeats(s, p, stamped)) return undefined;
    let network: number;
    // -e on -i any: `ifindex 4 f6:ee:66:1d:2b:72 ethertype IPv4 (0x0800), length 104: `
    if (at(s, p, e, 'ifindex ')) {
      readUintE(s, p + 8, e);
      p = skipSpacesE(s, END, e);
    }
    if (isMacAtE(s, p, e)) {
      c.srcMac[i] = this.id(s, p, p + 17);
      p += 17;
      if (at(s, p, e, ' > ') && isMacAtE(s, p + 3, e)) {
        c.dstMac[i] = this.id(s, p + 3, p + 20);
        p += 20;
      }
      if (charE(s, p, e) === 44) p++;
      p = skipSpacesE(s, p, e);
      if (!at(s, p, e, 'ethertype ')) return this.other(p, stamped, NET_OTHER);
      const et = wordEndE(s, p + 10, e);
      const n = et - p - 10;
      network = n === 4 && at(s, p + 10, e, 'IPv4') ? NET_IP : n === 4 && at(s, p + 10, e, 'IPv6') ? NET_IP6 : n === 3 && at(s, p + 10, e, 'ARP') ? NET_ARP : NET_OTHER;
      const colon = findE(s, ': ', et, e);
      if (colon < 0) return this.other(et, stamped, network);
      p = colon + 2;
    } else if (at(s, p, e, 'IP ')) {
      network = NET_IP; p += 3;
    } else if (at(s, p, e, 'IP6 ')) {
      network = NET_IP6; p += 4;
    } else if (at(s, p, e, 'ARP, ')) {
      network = NET_ARP; p += 5;
    } else if (stamped) {
      return this.other(p, true, NET_OTHER);
    } else {
      return 'not a tcpdump packet line';
    }
    if (network === NET_ARP) {
      c.net[i] = NET_ARP;
      c.proto[i] = PROTO_ARP;
      const op = this.arp(s, p, e);
      this.trailingLength(s, p, e);
      if (op === ARP_OTHER) c.d[i] = this.rel(p);
      return undefined;
    }
    if (network === NET_OTHER) return this.other(p, true, network);
    c.net[i] = network;
    return this.ip(s, p, e);
  }

  /** A packet whose network layer is not decoded: the rest of the line is its info. */
  private other(p: number, isPacket: boolean, network: number): string | undefined {
    if (!isPacket) return 'not a tcpdump packet line';
    this.c.net[this.i] = network;
    this.c.proto[this.i] = PROTO_OTHER;
    this.c.d[this.i] = this.rel(p);
    return undefined;
  }

  private ip(s: string, p: number, e: number): string | undefined {
    const c = this.c;
    const i = this.i;
    /** The transport the -v header names (a PROTO_ code), -1: none or another. */
    let proto = -1;
    if (s.charCodeAt(p) === 40 && p < e) {
      // -v header: `(tos 0x0, ttl 64, id 8860, offset 0, flags [DF], proto ICMP (1), length 84)`
      const q = readHeader(s, p, e);
      const ttlAt = HEADER.ttl;
      if (ttlAt >= 0) { const v = readUintE(s, ttlAt, q); if (v < 32766) c.ttl[i] = v + 1; else { c.ttl[i] = -1; this.wide.set(this.row * 8 + 1, v); } }
      const idAt = HEADER.id;
      if (idAt >= 0) this.plus1(c.ipId, 2, readUintE(s, idAt, q));
      const prAt = HEADER.proto;
      if (prAt >= 0) proto = protoCode(s, prAt, q);
      if (q === e - 1 && this.jumpAt >= 0) {
        // the addresses are on the next line: read on there, with offsets as in "first line + ' ' + it"
        this.base = this.jumpAt - (e - this.base) - 1;
        p = this.jumpAt;
        e = this.jumpEnd;
        this.jumped = true;
      } else p = skipSpacesE(s, q + 1, e);
    }
    const stamped = c.stampLen[i] !== 0;
    const gt = findE(s, ' > ', p, e);
    if (gt < 0) return stamped ? this.other(p, true, c.net[i]) : 'no "SRC > DST" in an IP line';
    let colon = findE(s, ': ', gt + 3, e);
    let payloadAt: number;
    if (colon < 0) {
      if (s.charCodeAt(e - 1) !== 58) return stamped ? this.other(p, true, c.net[i]) : 'no ":" after the destination';
      colon = e - 1;
      payloadAt = e;
    } else payloadAt = colon + 2;
    // what the payload says decides whether the endpoints carry ports
    let q = payloadAt;
    if (charE(s, q, e) === 91) { // [udp sum ok] / [bad udp cksum ...] / [icmp6 sum ok]
      const close = findE(s, '] ', q, e);
      if (close > 0) q = close + 2;
    }
    if (at(s, q, e, 'HBH ')) q += 4;
    let kind: number;
    if (at(s, q, e, 'Flags [')) kind = PROTO_TCP;
    else if (at(s, q, e, 'ICMP')) kind = PROTO_ICMP;
    else if (proto >= 0) kind = proto;
    else kind = hasPort(s, p, gt) && hasPort(s, gt + 3, colon) ? PROTO_UDP : PROTO_OTHER;
    const epKind = kind === PROTO_TCP || kind === PROTO_UDP ? 0 : kind === PROTO_ICMP ? 1 : 2;
    c.epKind[i] = epKind;
    const src = this.endpoint(s, p, gt, epKind);
    const dst = this.endpoint(s, gt + 3, colon, epKind);
    c.src[i] = src;
    c.dst[i] = dst;
    if (kind === PROTO_TCP) {
      c.proto[i] = PROTO_TCP;
      if (!at(s, q, e, 'Flags [') || !this.tcp(s, q, e)) c.d[i] = this.rel(q);
      return undefined;
    }
    if (kind === PROTO_ICMP) {
      const six = at(s, q, e, 'ICMP6');
      c.proto[i] = six || c.net[i] === NET_IP6 ? PROTO_ICMP6 : PROTO_ICMP;
      if (at(s, q, e, 'ICMP')) {
        this.icmp(s, q + (six ? 5 : 4), e);
        this.trailingLength(s, q, e);
      } else c.d[i] = this.rel(q);
      return undefined;
    }
    if (kind === PROTO_UDP) {
      c.proto[i] = PROTO_UDP;
      if (at(s, q, e, 'UDP, length ')) {
        const n = readUintE(s, q + 12, e);
        if (n >= 0) this.plus1(c.length, 0, n);
        return undefined;
      }
      const otv = at(s, q, e, 'OTV, ');
      if (otv || at(s, q, e, 'VXLAN, ')) {
        const key = otv ? 'instance ' : 'vni ';
        const k = findE(s, key, q, e);
        if (k > 0) {
          const v = readUintE(s, k + key.length, e);
          if (v >= 0) { c.has[i] |= HAS.VNI; this.u32(c.u5, 7, v); }
        }
        c.d[i] = this.rel(q);
        return undefined;
      }
      const sp = this.portOf(src, 0);
      const dp = this.portOf(dst, 0);
      if ((sp === 53 || dp === 53 || sp === 5353 || dp === 5353) && this.dns(s, q, e)) return undefined;
      c.d[i] = this.rel(q);
      return undefined;
    }
    c.proto[i] = PROTO_OTHER;
    c.d[i] = this.rel(q);
    return undefined;
  }

  /**
   * The endpoint printed at [a, b), as stored in Chunk.src/dst: `a.b.c.d.port` (the bulk of a capture)
   * becomes -(address id * 65536 + port) - 1, read from the digits without a lookup of the whole
   * text; anything else is an id + 1 in the table of distinct texts of its kind.
   */
  private endpoint(s: string, a: number, b: number, kind: number): number {
    if (kind !== 1) {
      const code = this.numericEndpoint(s, a, b);
      if (code < 0) return code;
    }
    const table = this.epText[kind];
    const id = table.span(s, a, b);
    const list = this.endpoints[kind];
    if (id === list.length) list.push(endpoint(table.values[id], kind === 0 ? true : kind === 1 ? false : undefined, this.legacy));
    return id + 1;
  }

  /** The port of a stored endpoint (undefined when it has none). */
  portOf(code: number, kind: number): number | undefined {
    return code < 0 ? (-code - 1) & 0xffff : code === 0 ? undefined : this.endpoints[kind][code - 1].port;
  }

  /** The address of a stored endpoint. */
  ipOf(code: number, kind: number): string | undefined {
    return code < 0 ? this.ipv4[Math.floor((-code - 1) / 65536)] : code === 0 ? undefined : this.endpoints[kind][code - 1].ip;
  }

  /**
   * `a.b.c.d.port` in canonical form (no leading zeros, parts ≤ 255, port ≤ 65535) → its code, or 0
   * for any other text (names, IPv6, odd numbers), which the text table then handles.
   */
  private numericEndpoint(s: string, a: number, b: number): number {
    let k = a;
    let ip = 0;
    for (let part = 0; part < 5; part++) {
      const start = k;
      let v = 0;
      while (k < b) {
        const ch = s.charCodeAt(k);
        if (ch < 48 || ch > 57) break;
        v = v * 10 + (ch - 48);
        k++;
      }
      const n = k - start;
      if (n === 0 || (n > 1 && s.charCodeAt(start) === 48)) return 0;
      if (part === 4) {
        if (k !== b || n > 5 || v > 65535) return 0;
        const id = this.ipv4Id(ip);
        return id < 32768 ? -(id * 65536 + v) - 1 : 0;
      }
      if (n > 3 || v > 255 || k >= b || s.charCodeAt(k) !== 46) return 0;
      k++;
      ip = ip * 256 + v;
    }
    return 0;
  }

  private ipv4Id(ip: number): number {
    const slots = this.ipv4Slots;
    const mask = slots.length - 1;
    let k = Math.imul(ip | 0, 0x9e3779b1) >>> 0 & mask;
    for (;;) {
      const slot = slots[k];
      if (slot === 0) break;
      if (this.ipv4Num[slot - 1] === ip) return slot - 1;
      k = (k + 1) & mask;
    }
    const id = this.ipv4.length;
    this.ipv4.push(`${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`);
    this.ipv4Num.push(ip);
    slots[k] = id + 1;
    if (this.ipv4.length * 2 > mask) {
      const next = new Int32Array(slots.length * 2);
      const m = next.length - 1;
      for (let n = 0; n < this.ipv4Num.length; n++) {
        let j = Math.imul(this.ipv4Num[n] | 0, 0x9e3779b1) >>> 0 & m;
        while (next[j] !== 0) j = (j + 1) & m;
        next[j] = n + 1;
      }
      this.ipv4Slots = next;
    }
    return id;
  }

  /** `length N` as the last field of a summary (TCP/UDP/ICMP/ARP print it there). */
  /** `length N` as the last field of a summary (TCP/UDP/ICMP/ARP print it there). */
  private trailingLength(s: string, from: number, e: number): void {
    const k = lastFindE(s, 'length ', from, e);
    if (k < 0) return;
    const n = readUintE(s, k + 7, e);
    if (n >= 0) this.plus1(this.c.length, 0, n);
  }

  /**
   * `Flags [P.], [cksum 0x.. (correct), ]seq 1:95, ack 1, win 507, options [mss 1410,...], length 94[: HTTP: GET / HTTP/1.1]`
   * `p` points at `Flags [`. False when the flags never close.
   */
  private tcp(s: string, p: number, e: number): boolean {
    const close = findE(s, ']', p + 7, e);
    if (close < 0) return false;
    const c = this.c;
    const i = this.i;
    c.has[i] |= HAS.TCP;
    c.k1[i] = this.id(s, p + 7, close);
    let k = close + 1;
    while (k < e) {
      // each field: ", name value"
      if (s.charCodeAt(k) !== 44) break;
      k = skipSpacesE(s, k + 1, e);
      const ch = charE(s, k, e);
      if (ch === 115 && at(s, k, e, 'seq ')) { // seq a[:b]
        const a = readUintE(s, k + 4, e);
        if (a < 0) break;
        c.has[i] |= HAS.U1; this.u32(c.u1, 3, a);
        k = END;
        if (charE(s, k, e) === 58) {
          const b = readUintE(s, k + 1, e);
          if (b >= 0) { c.has[i] |= HAS.U2; this.u32(c.u2, 4, b); k = END; }
        }
      } else if (ch === 97 && at(s, k, e, 'ack ')) {
        const a = readUintE(s, k + 4, e);
        if (a < 0) break;
        c.has[i] |= HAS.U3; this.u32(c.u3, 5, a);
        k = END;
      } else if (ch === 119 && at(s, k, e, 'win ')) {
        const a = readUintE(s, k + 4, e);
        if (a < 0) break;
        c.has[i] |= HAS.U4; this.u32(c.u4, 6, a);
        k = END;
      } else if (ch === 111 && at(s, k, e, 'options [')) {
        const end = findE(s, ']', k + 9, e);
        if (end < 0) break;
        c.a[i] = this.rel(k + 9);
        c.b[i] = this.rel(end);
        if (at(s, k + 9, e, 'mss ')) {
          // the digits stop at the closing bracket at the latest
          const m = readUintE(s, k + 13, e);
          if (m >= 0) { c.has[i] |= HAS.U5; this.u32(c.u5, 7, m); }
        }
        k = end + 1;
      } else if (ch === 108 && at(s, k, e, 'length ')) {
        const n = readUintE(s, k + 7, e);
        if (n < 0) break;
        this.plus1(c.length, 0, n);
        k = END;
        // `length 94: HTTP: GET / HTTP/1.1` or `length 74: HTTP, length: 74` (-v, request on the next line)
        if (at(s, k, e, ': HTTP: ')) c.c[i] = this.rel(k + 8);
        else if (at(s, k, e, ': HTTP')) c.has[i] |= HAS.FLAG;
        break;
      } else {
        // cksum 0x1681 (incorrect -> 0x4a05), urg 1, sackOK ...: skip to the next top-level comma
        let depth = 0;
        while (k < e) {
          const d = s.charCodeAt(k);
          if (d === 40 || d === 91) depth++;
          else if (d === 41 || d === 93) depth--;
          else if (d === 44 && depth <= 0) break;
          k++;
        }
      }
    }
    return true;
  }

  /**
   * DNS summaries as tcpdump prints them after `src > dst: `:
   *   query    `12345+ [1au] A? a-app.default.svc.cluster.local. (49)`
   *   response `12345*- 3/0/0 A 10.244.0.150, A 10.244.0.151 (108)`, `12345 NXDomain*- 0/1/0 (104)`
   *   -v       `12345*- q: A? name. 1/0/0 name. [30s] A 10.103.129.86 (98)`
   * False (and nothing written) when it is not one.
   */
  private dns(s: string, p: number, e: number): boolean {
    const id = readUintE(s, p, e);
    if (id < 0 || id > 65535) return false;
    let k = END;
    // flag characters glued to the id
    const flagsAt = k;
    while (k < e) {
      const ch = s.charCodeAt(k);
      if (ch === 32) break;
      if (ch === 43 || ch === 42 || ch === 45 || ch === 124 || ch === 36 || ch === 33 || ch === 37) { k++; continue; }
      return false;
    }
    const c = this.c;
    const i = this.i;
    let flags = k > flagsAt ? s.slice(flagsAt, k) : undefined;
    let response = false;
    c.has[i] |= HAS.DNS | HAS.U1;
    c.u1[i] = id;
    k = skipSpacesE(s, k, e);
    let sawQuestion = false;
    while (k < e) {
      const we = wordEndE(s, k, e);
      const ch = s.charCodeAt(k);
      if (ch === 40) break; // (len)
      if (ch === 91) { k = skipSpacesE(s, we, e); continue; } // [1au], [b2&3=0x..]
      const rcode = rcodeAt(s, k, we);
      if (rcode !== undefined && we - k === rcode.length) { c.k4[i] = this.strings.str(rcode) + 1; response = true; k = skipSpacesE(s, we, e); continue; }
      const n = we - k;
      if (n > 1 && ch === 42 || n === 1 && ch === 45 || n === 2 && ch === 42 && s.charCodeAt(k + 1) === 45 || n === 1 && ch === 124) {
        // flags printed after an rcode: `NXDomain*-`
        flags = (flags ?? '') + s.slice(k, we); k = skipSpacesE(s, we, e); continue;
      }
      if (n === 2 && ch === 113 && s.charCodeAt(k + 1) === 58) { response = true; k = skipSpacesE(s, we, e); continue; } // q:
      if (n > 0 && s.charCodeAt(we - 1) === 63 && !sawQuestion) {
        sawQuestion = true;
        c.k2[i] = this.id(s, k, we - 1);
        const ns = skipSpacesE(s, we, e);
        const ne = wordEndE(s, ns, e);
        if (ns < e && s.charCodeAt(ns) !== 40) { c.k3[i] = this.id(s, ns, ne); k = skipSpacesE(s, ne, e); } else k = ns;
        continue;
      }
      if (isDigit(ch) && countsAt(s, k, we)) {
        const a = findE(s, '/', k, we);
        const b = findE(s, '/', a + 1, we);
        const f = findE(s, '/', b + 1, we);
        c.has[i] |= HAS.U2 | HAS.U3 | HAS.U4;
        this.u32(c.u2, 4, Number(s.slice(k, a)));
        this.u32(c.u3, 5, Number(s.slice(a + 1, b)));
        this.u32(c.u4, 6, Number(s.slice(b + 1, f >= 0 ? f : we)));
        response = true;
        k = skipSpacesE(s, we, e);
        const answers = readAnswers(s, k, e);
        if (answers.list.length) this.answers.set(this.row, answers.list);
        k = answers.end;
        continue;
      }
      // an RCODE glued to flags (`NXDomain*-`)
      if (rcode !== undefined) {
        c.k4[i] = this.strings.str(rcode) + 1;
        response = true;
        if (we - k > rcode.length) flags = (flags ?? '') + s.slice(k + rcode.length, we);
        k = skipSpacesE(s, we, e);
        continue;
      }
      k = skipSpacesE(s, we, e);
    }
    if (flags !== undefined) c.k1[i] = this.strings.str(flags) + 1;
    if (response) c.has[i] |= HAS.FLAG;
    return true;
  }

  /**
   * `ICMP echo request, id 39, seq 0, length 64`, `ICMP 10.244.0.53 udp port 9999 unreachable, length 86`,
   * `ICMP time exceeded in-transit, length 92`, `ICMP6, echo request, id 1, seq 0, length 64`,
   * `ICMP6, neighbor solicitation, who has fd00::53, length 32`. `p` points after `ICMP`/`ICMP6`.
   */
  private icmp(s: string, p: number, e: number): void {
    const c = this.c;
    const i = this.i;
    c.has[i] |= HAS.ICMP;
    let k = p;
    if (charE(s, k, e) === 44) k++;
    k = skipSpacesE(s, k, e);
    const comma = findE(s, ',', k, e);
    const headEnd = comma < 0 ? e : comma;
    let type: number;
    if (endsWithAt(s, k, headEnd, ' unreachable') || at(s, k, e, 'destination unreachable') && headEnd - k >= 23) {
      c.a[i] = this.rel(k);
      c.b[i] = this.rel(e);
      const head = s.slice(k, headEnd);
      const which = / (port|host|net|protocol|proto)\b/.exec(head) ?? /unreachable (port|host|net|protocol|address|route)/.exec(s.slice(k, Math.min(k + 80, e)));
      type = this.strings.str(which ? `${which[1] === 'proto' ? 'protocol' : which[1]} unreachable` : 'unreachable');
    } else if (at(s, k, e, 'time exceeded') && headEnd - k >= 13) {
      type = this.strings.str('time exceeded');
      c.a[i] = this.rel(k);
      c.b[i] = this.rel(headEnd);
    } else type = this.strings.span(s, k, headEnd);
    c.k1[i] = type + 1;
    if (comma >= 0 && (type === this.echoRequest || type === this.echoReply)) {
      const idAt = findE(s, 'id ', comma, e);
      if (idAt > 0) { const v = readUintE(s, idAt + 3, e); if (v >= 0) { c.has[i] |= HAS.U1; this.u32(c.u1, 3, v); } }
      const seqAt = findE(s, 'seq ', comma, e);
      if (seqAt > 0) { const v = readUintE(s, seqAt + 4, e); if (v >= 0) { c.has[i] |= HAS.U2; this.u32(c.u2, 4, v); } }
    }
  }

  /**
   * `Request who-has 10.244.0.54 tell 10.244.0.53, length 28`, `Reply 10.244.0.54 is-at ae:cb:f3:eb:3a:b9 (oui Unknown), length 28`,
   * with -v prefixed by `Ethernet (len 6), IPv4 (len 4), `. `p` points at the operation. Returns the operation.
   */
  private arp(s: string, p: number, e: number): number {
    const c = this.c;
    const i = this.i;
    c.has[i] |= HAS.ARP | HAS.U1;
    let k = p;
    if (at(s, k, e, 'Ethernet (')) {
      // the first `Request ` or `Reply `
      for (let r = findE(s, 'Re', k, e); r >= 0; r = findE(s, 'Re', r + 1, e)) {
        if (at(s, r, e, 'Request ') || at(s, r, e, 'Reply ')) { k = r; break; }
      }
    }
    if (at(s, k, e, 'Request who-has ')) {
      c.u1[i] = ARP_REQUEST;
      const ts = k + 16;
      const te = wordEndE(s, ts, e);
      c.k1[i] = this.id(s, ts, withoutComma(s, ts, te));
      const tell = findE(s, ' tell ', te, e);
      if (tell >= 0) c.k2[i] = this.id(s, tell + 6, withoutComma(s, tell + 6, wordEndE(s, tell + 6, e)));
      // `who-has X (MAC) tell Y`
      const paren = skipSpacesE(s, te, e);
      if (charE(s, paren, e) === 40 && isMacAtE(s, paren + 1, e)) c.k3[i] = this.id(s, paren + 1, paren + 18);
      return ARP_REQUEST;
    }
    if (at(s, k, e, 'Reply ')) {
      c.u1[i] = ARP_REPLY;
      const ts = k + 6;
      const te = wordEndE(s, ts, e);
      c.k1[i] = this.id(s, ts, te);
      const is = findE(s, ' is-at ', te, e);
      if (is >= 0) {
        const m = is + 7;
        c.k3[i] = isMacAtE(s, m, e) ? this.id(s, m, m + 17) : this.id(s, m, withoutComma(s, m, wordEndE(s, m, e)));
      }
      return ARP_REPLY;
    }
    c.u1[i] = ARP_OTHER;
    return ARP_OTHER;
  }
}

/** Length of each direction word, by its code (see chunk.ts DIRECTIONS). */
const DIR_LEN = [0, 2, 3, 1, 1, 1];

/** Direction code at `i` (before `e`): 1 In, 2 Out, 3 P, 4 B, 5 M, 0 none. */
function direction(s: string, i: number, e: number): number {
  const ch = charE(s, i, e);
  const n = charE(s, i + 1, e);
  if (ch === 80 || ch === 66 || ch === 77) return n === 32 || n === -1 ? (ch === 80 ? 3 : ch === 66 ? 4 : 5) : 0;
  if (ch === 73 && n === 110) return wordEnds(s, i + 2, e) ? 1 : 0;
  if (ch === 79 && n === 117 && charE(s, i + 2, e) === 116) return wordEnds(s, i + 3, e) ? 2 : 0;
  return 0;
}

/** A space or the end at `k`. */
function wordEnds(s: string, k: number, e: number): boolean {
  const x = charE(s, k, e);
  return x === 32 || x === -1;
}

/** `s.startsWith(w, k)`, with the first character compared inline: most tests fail there, cheaply. */
function starts(s: string, k: number, w: string): boolean {
  return s.charCodeAt(k) === w.charCodeAt(0) && s.startsWith(w, k);
}

const isWordChar = (ch: number): boolean => (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95;

/** Where the values of the -v header's fields start (-1: absent): see `readHeader`. */
const HEADER = { ttl: -1, id: -1, proto: -1 };

/**
 * One pass over the -v header `(...)` at p: returns the index of its closing parenthesis (or `e`)
 * and notes in HEADER the first `ttl N` or `hlim N`, `id N`, and `proto W` or `next-header W` —
 * each key at a word start and followed by a digit (a word character for the protocol), as
 * `\b(?:ttl|hlim) (\d+)` would find them in the header.
 */
function readHeader(s: string, p: number, e: number): number {
  HEADER.ttl = -1; HEADER.id = -1; HEADER.proto = -1;
  let depth = 0;
  let prevWord = false;
  let q = p;
  for (; q < e; q++) {
    const ch = s.charCodeAt(q);
    if (ch === 40) depth++;
    else if (ch === 41) { if (--depth === 0) break; }
    else if (!prevWord && q > p) {
      // a value cannot run past the closing parenthesis: it is no digit or word character
      if (ch === 116 && HEADER.ttl < 0) HEADER.ttl = valueAt(s, q, e, 'ttl ', true);
      else if (ch === 104 && HEADER.ttl < 0) HEADER.ttl = valueAt(s, q, e, 'hlim ', true);
      else if (ch === 105 && HEADER.id < 0) HEADER.id = valueAt(s, q, e, 'id ', true);
      else if (ch === 112 && HEADER.proto < 0) HEADER.proto = valueAt(s, q, e, 'proto ', false);
      else if (ch === 110 && HEADER.proto < 0) HEADER.proto = valueAt(s, q, e, 'next-header ', false);
    }
    prevWord = isWordChar(ch);
  }
  return q;
}

/** Where the value after `key` at `k` starts, when a digit (or word character) follows it before `to`; else -1. */
function valueAt(s: string, k: number, to: number, key: string, digits: boolean): number {
  const v = k + key.length;
  if (v >= to || !s.startsWith(key, k)) return -1;
  const c = s.charCodeAt(v);
  return (digits ? isDigit(c) : isWordChar(c)) ? v : -1;
}

/** The protocol word of the -v header: `TCP`, `UDP`, `ICMP` or `ICMPv6` as a PROTO_ code, else -1. */
function protoCode(s: string, a: number, to: number): number {
  let b = a;
  while (b < to && isWordChar(s.charCodeAt(b))) b++;
  const n = b - a;
  if (n === 3 && at(s, a, b, 'TCP')) return PROTO_TCP;
  if (n === 3 && at(s, a, b, 'UDP')) return PROTO_UDP;
  if ((n === 4 && at(s, a, b, 'ICMP')) || (n === 6 && at(s, a, b, 'ICMPv6'))) return PROTO_ICMP;
  return -1;
}

/** s[a, a + n) === s[b, b + n). */
function sameText(s: string, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}

/** Zeroes a row that turned out not to be a packet, so the next record can use it. */
export function clearRow(c: Chunk, i: number): void {
  c.stampLen[i] = 0; c.t[i] = 0; c.dir[i] = 0; c.net[i] = 0; c.proto[i] = 0; c.has[i] = 0; c.iface[i] = 0; c.srcMac[i] = 0;
  c.dstMac[i] = 0; c.src[i] = 0; c.dst[i] = 0; c.epKind[i] = 0; c.length[i] = 0; c.ipId[i] = 0; c.ttl[i] = 0; c.k1[i] = 0;
  c.k2[i] = 0; c.k3[i] = 0; c.k4[i] = 0; c.u1[i] = 0; c.u2[i] = 0; c.u3[i] = 0; c.u4[i] = 0; c.u5[i] = 0; c.a[i] = 0;
  c.b[i] = 0; c.c[i] = 0; c.d[i] = 0; c.inner[i] = 0;
}

/** Whether s[from, end) ends with `suffix`. */
function endsWithAt(s: string, from: number, end: number, suffix: string): boolean {
  return end - from >= suffix.length && s.startsWith(suffix, end - suffix.length);
}

function withoutComma(s: string, a: number, b: number): number {
  return b > a && s.charCodeAt(b - 1) === 44 ? b - 1 : b;
}

/** The RCODE a word starts with, if any. */
function rcodeAt(s: string, a: number, b: number): string | undefined {
  const ch = s.charCodeAt(a);
  if (!(ch >= 65 && ch <= 90)) return undefined;
  for (const r of RCODES) if (b - a >= r.length && s.startsWith(r, a)) return r;
  return undefined;
}

/** `N/N/N`: digits and slashes, two slashes at least, no empty first parts, not ending in a slash. */
function countsAt(s: string, a: number, b: number): boolean {
  const x = findE(s, '/', a, b);
  if (x < 0) return false;
  const y = findE(s, '/', x + 1, b);
  if (x <= a || y < 0 || y >= b || y <= x + 1 || y === b - 1) return false;
  for (let k = a; k < b; k++) { const ch = s.charCodeAt(k); if (!(isDigit(ch) || ch === 47)) return false; }
  return true;
}

/** `A 10.244.0.150, A 10.244.0.151` (also `name. [30s] A 10.103.129.86` with -v) up to ` (len)`. */
function readAnswers(s: string, i: number, e: number): { list: DnsAnswer[]; end: number } {
  const list: DnsAnswer[] = [];
  let end = lastFindE(s, ' (', i, e);
  if (end < 0) end = e;
  // -vv appends the authority/additional sections: `... ns: ... ar: . OPT UDPsize=1232`
  const ns = findE(s, ' ns: ', i, end);
  const ar = findE(s, ' ar: ', i, end);
  const sect = ns < 0 ? ar : ar < 0 ? ns : Math.min(ns, ar);
  const bodyEnd = sect >= 0 ? sect : end;
  for (let a = i; ;) {
    const sep = findE(s, ', ', a, bodyEnd);
    answerIn(s, a, sep < 0 ? bodyEnd : sep, list);
    if (sep < 0) break;
    a = sep + 2;
  }
  return { list, end };
}

/** One answer, `[name. [ttl]] TYPE data`, in s[a, b): its first word that is a record type, and what follows it. */
function answerIn(s: string, a: number, b: number, list: DnsAnswer[]): void {
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  for (let w = a; w < b;) {
    let we = w;
    while (we < b && s.charCodeAt(we) !== 32) we++;
    const c = s.charCodeAt(w);
    if (we - w <= 6 && c >= 65 && c <= 90 && RR_TYPES.has(s.slice(w, we))) {
      const type = s.slice(w, we);
      // a type with nothing after it, and EDNS's OPT pseudo-record, are not answers
      if (we < b && type !== 'OPT') list.push({ type, data: s.slice(we + 1, b) });
      return;
    }
    w = we + 1;
  }
}

/** Whether printed `host.port` text at [a, b) ends with a port (numeric, or a name after an IPv4/IPv6 host). */
function hasPort(s: string, a: number, b: number): boolean {
  let dot = b - 1;
  while (dot >= a && s.charCodeAt(dot) !== 46) dot--;
  if (dot < a) return false;
  if (dot + 1 < b && isDigit(s.charCodeAt(dot + 1))) return true;
  const text = s.slice(a, b);
  return isServiceName(text.slice(dot + 1 - a)) || text.indexOf(':') >= 0 || isIPv4(text.slice(0, dot - a));
}
