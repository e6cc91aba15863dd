import { at, charE, END, findE, isMacAtE, readUintE, skipSpacesE, wordEndE } from './bounded';
import {
  ARP_OTHER,
  HAS,
  NET_ARP,
  NET_IP,
  NET_IP6,
  NET_OTHER,
  PROTO_ARP,
  PROTO_ICMP,
  PROTO_ICMP6,
  PROTO_OTHER,
  PROTO_TCP,
  PROTO_UDP,
  type Chunk,
} from './chunk';
import { EndpointTable, hasPort } from './endpointTable';
import { HEADER, protoCode, readHeader } from './ipHeader';
import { readArp, readDns, readIcmp, readTcp, trailingLength, type DnsAnswer } from './payloads';
import { SpanInterner } from './spanInterner';

const U32 = 0xffffffff;

/**
 * Reads one tcpdump record into row `i` of a chunk: every field the capture prints, as numbers,
 * interned-string ids or offsets into the record text (payloads.ts reads what follows the
 * addresses). Nothing per packet is allocated on the common paths, which is what makes a
 * million-line capture cheap to hold.
 *
 * Layout: `[STAMP] [IFACE DIR] [link: ifindex N MAC | MAC > MAC,] ethertype X (0x..), length N: ]`
 * then `IP|IP6 [(-v header)] SRC > DST: PAYLOAD` or `ARP, ...`.
 */

export class RecordScanner {
  /** Interface names, MACs, flags, ICMP types, ARP addresses, DNS names and types. */
  readonly strings = new SpanInterner();
  /** Source and destination addresses and ports. */
  readonly eps = new EndpointTable();
  /** DNS answer lists by row (few rows have them). */
  readonly answers = new Map<number, DnsAnswer[]>();
  /** Values that do not fit their column (a sequence number past 2^32 in mangled text): `row * 8 + field`. */
  readonly wide = new Map<number, number>();
  /** Ids of the ICMP types whose id and seq are read. */
  readonly echoRequest: number;
  readonly echoReply: number;
  /** The row being written (chunk and index in it) and its key in the side maps; for payloads.ts. */
  c!: Chunk;
  i = 0;
  row = 0;

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
  scan(
    s: string,
    p: number,
    e: number,
    c: Chunk,
    i: number,
    row: number,
    stampEnd: number,
    t: number,
    jumpAt: number,
    jumpEnd: number,
    end: number,
  ): string | undefined {
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
      c.clear(i);
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
    const hit =
      this.lastOk &&
      s === this.lastS &&
      len === this.lastLen &&
      stamped === this.lastStamped &&
      sameText(s, p, this.lastAt, len);
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
    c.srcMac[i] = f.srcMac[j];
    c.dstMac[i] = f.dstMac[j];
    c.net[i] = f.net[j];
    c.proto[i] = f.proto[j];
    c.has[i] = f.has[j];
    c.src[i] = f.src[j];
    c.dst[i] = f.dst[j];
    c.epKind[i] = f.epKind[j];
    c.length[i] = f.length[j];
    c.ipId[i] = f.ipId[j];
    c.ttl[i] = f.ttl[j];
    c.k1[i] = f.k1[j];
    c.k2[i] = f.k2[j];
    c.k3[i] = f.k3[j];
    c.k4[i] = f.k4[j];
    c.u1[i] = f.u1[j];
    c.u2[i] = f.u2[j];
    c.u3[i] = f.u3[j];
    c.u4[i] = f.u4[j];
    c.u5[i] = f.u5[j];
    c.a[i] = f.a[j] === 0 ? 0 : f.a[j] + d;
    c.b[i] = f.b[j] === 0 ? 0 : f.b[j] + d;
    c.c[i] = f.c[j] === 0 ? 0 : f.c[j] + d;
    c.d[i] = f.d[j] === 0 ? 0 : f.d[j] + d;
    if (this.wide.size > 0)
      for (let k = 0; k < 8; k++) {
        const v = this.wide.get(this.lastKey * 8 + k);
        if (v !== undefined) this.wide.set(this.row * 8 + k, v);
      }
    if ((f.has[j] & HAS.DNS) !== 0) {
      const answers = this.answers.get(this.lastKey);
      if (answers !== undefined) this.answers.set(this.row, answers);
    }
    this.jumped = this.lastJumped;
  }

  /** Id + 1 of the string s[a, b). */
  id(s: string, a: number, b: number): number {
    return this.strings.span(s, a, b) + 1;
  }

  /** An offset stored in a span column: relative to the record, plus one. */
  rel(k: number): number {
    return k - this.base + 1;
  }

  /** Stores a number that should fit 32 bits; keeps it aside when it does not. */
  u32(col: Uint32Array, field: number, v: number): void {
    if (v <= U32) col[this.i] = v;
    else {
      col[this.i] = 0;
      this.wide.set(this.row * 8 + field, v);
    }
  }

  /** Stores v + 1 when it is below `max` (what the column holds); else -1, and keeps v aside. */
  plus1(col: Int32Array | Int16Array, field: number, v: number, max = 0x7ffffffe): void {
    if (v < max) col[this.i] = v + 1;
    else {
      col[this.i] = -1;
      this.wide.set(this.row * 8 + field, v);
    }
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
      network =
        n === 4 && at(s, p + 10, e, 'IPv4')
          ? NET_IP
          : n === 4 && at(s, p + 10, e, 'IPv6')
            ? NET_IP6
            : n === 3 && at(s, p + 10, e, 'ARP')
              ? NET_ARP
              : NET_OTHER;
      const colon = findE(s, ': ', et, e);
      if (colon < 0) return this.other(et, stamped, network);
      p = colon + 2;
    } else if (at(s, p, e, 'IP ')) {
      network = NET_IP;
      p += 3;
    } else if (at(s, p, e, 'IP6 ')) {
      network = NET_IP6;
      p += 4;
    } else if (at(s, p, e, 'ARP, ')) {
      network = NET_ARP;
      p += 5;
    } else if (stamped) {
      return this.other(p, true, NET_OTHER);
    } else {
      return 'not a tcpdump packet line';
    }
    if (network === NET_ARP) {
      c.net[i] = NET_ARP;
      c.proto[i] = PROTO_ARP;
      const op = readArp(this, s, p, e);
      trailingLength(this, s, p, e);
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
      if (ttlAt >= 0) this.plus1(c.ttl, 1, readUintE(s, ttlAt, q), 0x7ffe);
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
    if (charE(s, q, e) === 91) {
      // [udp sum ok] / [bad udp cksum ...] / [icmp6 sum ok]
      const close = findE(s, '] ', q, e);
      if (close > 0) q = close + 2;
    }
    if (at(s, q, e, 'HBH ')) q += 4;
    let kind: number;
    if (at(s, q, e, 'Flags [')) kind = PROTO_TCP;
    else if (quietTcp(s, q, e) >= 0) kind = PROTO_TCP;
    else if (at(s, q, e, 'ICMP')) kind = PROTO_ICMP;
    // a later fragment (`ip-proto-17`) carries no transport header, so no ports
    else if (proto >= 0 && !at(s, q, e, 'ip-proto-')) kind = proto;
    else kind = hasPort(s, p, gt) && hasPort(s, gt + 3, colon) ? PROTO_UDP : PROTO_OTHER;
    const epKind = kind === PROTO_TCP || kind === PROTO_UDP ? 0 : kind === PROTO_ICMP ? 1 : 2;
    c.epKind[i] = epKind;
    const src = this.eps.code(s, p, gt, epKind);
    const dst = this.eps.code(s, gt + 3, colon, epKind);
    c.src[i] = src;
    c.dst[i] = dst;
    if (kind === PROTO_TCP) {
      c.proto[i] = PROTO_TCP;
      const quiet = quietTcp(s, q, e);
      // -q: `tcp N`, only the payload length
      if (quiet >= 0) this.plus1(c.length, 0, quiet);
      else if (!at(s, q, e, 'Flags [') || !readTcp(this, s, q, e)) c.d[i] = this.rel(q);
      return undefined;
    }
    if (kind === PROTO_ICMP) {
      const six = at(s, q, e, 'ICMP6');
      c.proto[i] = six || c.net[i] === NET_IP6 ? PROTO_ICMP6 : PROTO_ICMP;
      if (at(s, q, e, 'ICMP')) {
        readIcmp(this, s, q + (six ? 5 : 4), e);
        trailingLength(this, s, q, e);
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
          if (v >= 0) {
            c.has[i] |= HAS.VNI;
            this.u32(c.u5, 7, v);
          }
        }
        c.d[i] = this.rel(q);
        return undefined;
      }
      const sp = this.eps.portOf(src, 0);
      const dp = this.eps.portOf(dst, 0);
      if ((sp === 53 || dp === 53 || sp === 5353 || dp === 5353) && readDns(this, s, q, e)) return undefined;
      c.d[i] = this.rel(q);
      return undefined;
    }
    c.proto[i] = PROTO_OTHER;
    c.d[i] = this.rel(q);
    return undefined;
  }
}

/** `tcp N` at q, all that is left of the record (what -q prints for TCP): N, else -1. */
function quietTcp(s: string, q: number, e: number): number {
  if (!at(s, q, e, 'tcp ')) return -1;
  const n = readUintE(s, q + 4, e);
  return END === e ? n : -1;
}

/** Length of each direction word, by its code (see chunk.ts DIRECTIONS). */
export const DIR_LEN = [0, 2, 3, 1, 1, 1];

/** Direction code at `i` (before `e`): 1 In, 2 Out, 3 P, 4 B, 5 M, 0 none. */
export function direction(s: string, i: number, e: number): number {
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

/** s[a, a + n) === s[b, b + n). */
function sameText(s: string, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}
