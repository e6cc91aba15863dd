import { at, charE, END, findE, ForwardFinder, isMacAtE, readUintE, skipSpacesE, wordEndE } from './bounded';
import {
  ARP_OTHER,
  HAS,
  IP_ID_SLOT,
  LENGTH_SLOT,
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
  TTL_SLOT,
  UDP_VNI,
  type Chunk,
  type NumberField,
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

/**
 * Where a record lies in the text: its first line [at, lineEnd), the timestamp the caller already
 * read there (stampEnd 0: none; `stamp` its seconds), its first continuation line [contFrom, contTo)
 * (-1: none), and where its last line ends (continuation lines included).
 */
export interface RecordSpan {
  at: number;
  lineEnd: number;
  stampEnd: number;
  stamp: number;
  contFrom: number;
  contTo: number;
  endAt: number;
}

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

  /** `' > '` and `': '` after the addresses, searched forward through the text read in place (see `begin`). */
  private readonly arrow = new ForwardFinder(' > ');
  private readonly colonSpace = new ForwardFinder(': ');

  /** The text whose records are read in place from now on, in order (a record cut out of it is another text). */
  begin(text: string): void {
    this.arrow.begin(text);
    this.colonSpace.begin(text);
  }

  /** Where the -v address line is, for a record read in place (see `scan`); -1: none. */
  private jumpAt = -1;
  private jumpEnd = -1;
  /** Set when the record continued on its address line. */
  jumped = false;
  /** Span offsets are stored relative to this (the record's start in the joined text). */
  private base = 0;

  /** Sets the row the next `scan` fills: `slot` of `chunk`, the table's row `row`. */
  target(chunk: Chunk, slot: number, row: number): void {
    this.c = chunk;
    this.i = slot;
    this.row = row;
  }

  /**
   * Fills the target row (see `target`) from `record`, whose text is `text` (the whole capture, or a
   * cut-out record); returns undefined, or why it is not a packet (the row is then cleared). `jump`:
   * the record's first line ends with its IP header, and its first continuation line (its -v address
   * line) is read in place as if it were appended after a space; check `jumped` afterwards.
   */
  scan(text: string, record: RecordSpan, jump: boolean): string | undefined {
    const chunk = this.c;
    const slot = this.i;
    const row = this.row;
    this.base = record.at;
    this.jumpAt = jump ? record.contFrom : -1;
    this.jumpEnd = jump ? record.contTo : -1;
    this.jumped = false;
    this.end = record.endAt;
    const why = this.fill(text, record);
    if (why !== undefined) {
      chunk.clear(slot);
      this.lastOk = false;
      return why;
    }
    // this row can be repeated by the next record (see `repeats`)
    this.lastOk = true;
    this.lastS = text;
    this.lastC = chunk;
    this.lastI = slot;
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
  private repeats(text: string, start: number, stamped: boolean): boolean {
    const len = this.end - start;
    const hit =
      this.lastOk &&
      text === this.lastS &&
      len === this.lastLen &&
      stamped === this.lastStamped &&
      sameText(text, start, this.lastAt, len);
    if (hit) this.copyLast(start - this.base);
    this.lastAt = start;
    this.lastLen = len;
    this.lastRel = start - this.base;
    this.lastStamped = stamped;
    return hit;
  }

  /** Copies the last row's fields into this one; offsets move by how much longer this record's start is. */
  private copyLast(rel: number): void {
    const lastChunk = this.lastC!;
    const lastSlot = this.lastI;
    const chunk = this.c;
    const slot = this.i;
    const shift = rel - this.lastRel;
    chunk.copyPacket(slot, lastChunk, lastSlot, shift);
    if (this.wide.size > 0)
      for (let k = 0; k < 8; k++) {
        const value = this.wide.get(this.lastKey * 8 + k);
        if (value !== undefined) this.wide.set(this.row * 8 + k, value);
      }
    if ((lastChunk.has[lastSlot] & HAS.DNS) !== 0) {
      const answers = this.answers.get(this.lastKey);
      if (answers !== undefined) this.answers.set(this.row, answers);
    }
    this.jumped = this.lastJumped;
  }

  /** Id + 1 of the string s[a, b). */
  id(text: string, from: number, to: number): number {
    return this.strings.span(text, from, to) + 1;
  }

  /** An offset stored in a span column: relative to the record, plus one. */
  rel(start: number): number {
    return start - this.base + 1;
  }

  /** Stores a number that should fit 32 bits and marks it present; keeps it aside when it does not fit. */
  u32(col: Uint32Array, field: NumberField, value: number): void {
    this.c.has[this.i] |= field.bit;
    if (value <= U32) col[this.i] = value;
    else {
      col[this.i] = 0;
      this.wide.set(this.row * 8 + field.slot, value);
    }
  }

  /** Stores v + 1 when it is below `max` (what the column holds); else -1, and keeps v aside. */
  plus1(col: Int32Array | Int16Array, slot: number, value: number, max = 0x7ffffffe): void {
    if (value < max) col[this.i] = value + 1;
    else {
      col[this.i] = -1;
      this.wide.set(this.row * 8 + slot, value);
    }
  }

  private fill(text: string, record: RecordSpan): string | undefined {
    const chunk = this.c;
    const slot = this.i;
    const end = record.lineEnd;
    const stampEnd = record.stampEnd;
    let start = record.at;
    const stamped = stampEnd > 0;
    if (stamped) {
      chunk.stampLen[slot] = stampEnd - start;
      chunk.t[slot] = record.stamp;
      start = skipSpacesE(text, stampEnd, end);
    }
    // -i any: interface and direction columns
    const w1 = wordEndE(text, start, end);
    const p2 = skipSpacesE(text, w1, end);
    const dir = direction(text, p2, end);
    if (dir !== 0 && w1 > start) {
      chunk.iface[slot] = this.id(text, start, w1);
      chunk.dir[slot] = dir;
      start = skipSpacesE(text, p2 + DIR_LEN[dir], end);
    }
    if (this.repeats(text, start, stamped)) return undefined;
    let network: number;
    // -e on -i any: `ifindex 4 f6:ee:66:1d:2b:72 ethertype IPv4 (0x0800), length 104: `
    if (at(text, start, end, 'ifindex ')) {
      readUintE(text, start + 8, end);
      start = skipSpacesE(text, END, end);
    }
    if (isMacAtE(text, start, end)) {
      chunk.srcMac[slot] = this.id(text, start, start + 17);
      start += 17;
      if (at(text, start, end, ' > ') && isMacAtE(text, start + 3, end)) {
        chunk.dstMac[slot] = this.id(text, start + 3, start + 20);
        start += 20;
      }
      if (charE(text, start, end) === 44) start++;
      start = skipSpacesE(text, start, end);
      if (!at(text, start, end, 'ethertype ')) return this.other(start, stamped, NET_OTHER);
      const et = wordEndE(text, start + 10, end);
      const typeLength = et - start - 10;
      network =
        typeLength === 4 && at(text, start + 10, end, 'IPv4')
          ? NET_IP
          : typeLength === 4 && at(text, start + 10, end, 'IPv6')
            ? NET_IP6
            : typeLength === 3 && at(text, start + 10, end, 'ARP')
              ? NET_ARP
              : NET_OTHER;
      const colon = findE(text, ': ', et, end);
      if (colon < 0) return this.other(et, stamped, network);
      start = colon + 2;
    } else if (at(text, start, end, 'IP ')) {
      network = NET_IP;
      start += 3;
    } else if (at(text, start, end, 'IP6 ')) {
      network = NET_IP6;
      start += 4;
    } else if (at(text, start, end, 'ARP, ')) {
      network = NET_ARP;
      start += 5;
    } else if (stamped) {
      return this.other(start, true, NET_OTHER);
    } else {
      return 'not a tcpdump packet line';
    }
    if (network === NET_ARP) {
      chunk.net[slot] = NET_ARP;
      chunk.proto[slot] = PROTO_ARP;
      const op = readArp(this, text, start, end);
      trailingLength(this, text, start, end);
      if (op === ARP_OTHER) chunk.infoFrom[slot] = this.rel(start);
      return undefined;
    }
    if (network === NET_OTHER) return this.other(start, true, network);
    chunk.net[slot] = network;
    return this.ip(text, start, end);
  }

  /** A packet whose network layer is not decoded: the rest of the line is its info. */
  private other(start: number, isPacket: boolean, network: number): string | undefined {
    if (!isPacket) return 'not a tcpdump packet line';
    this.c.net[this.i] = network;
    this.c.proto[this.i] = PROTO_OTHER;
    this.c.infoFrom[this.i] = this.rel(start);
    return undefined;
  }

  private ip(text: string, start: number, end: number): string | undefined {
    const chunk = this.c;
    const slot = this.i;
    /** The transport the -v header names (a PROTO_ code), -1: none or another. */
    let proto = -1;
    if (text.charCodeAt(start) === 40 && start < end) {
      // -v header: `(tos 0x0, ttl 64, id 8860, offset 0, flags [DF], proto ICMP (1), length 84)`
      const headerEnd = readHeader(text, start, end);
      const ttlAt = HEADER.ttl;
      if (ttlAt >= 0) this.plus1(chunk.ttl, TTL_SLOT, readUintE(text, ttlAt, headerEnd), 0x7ffe);
      const idAt = HEADER.id;
      if (idAt >= 0) this.plus1(chunk.ipId, IP_ID_SLOT, readUintE(text, idAt, headerEnd));
      const prAt = HEADER.proto;
      if (prAt >= 0) proto = protoCode(text, prAt, headerEnd);
      if (headerEnd === end - 1 && this.jumpAt >= 0) {
        // the addresses are on the next line: read on there, with offsets as in "first line + ' ' + it"
        this.base = this.jumpAt - (end - this.base) - 1;
        start = this.jumpAt;
        end = this.jumpEnd;
        this.jumped = true;
      } else start = skipSpacesE(text, headerEnd + 1, end);
    }
    const stamped = chunk.stampLen[slot] !== 0;
    const gt = this.arrow.find(text, start, end);
    if (gt < 0) return stamped ? this.other(start, true, chunk.net[slot]) : 'no "SRC > DST" in an IP line';
    let colon = this.colonSpace.find(text, gt + 3, end);
    let payloadAt: number;
    if (colon < 0) {
      if (text.charCodeAt(end - 1) !== 58)
        return stamped ? this.other(start, true, chunk.net[slot]) : 'no ":" after the destination';
      colon = end - 1;
      payloadAt = end;
    } else payloadAt = colon + 2;
    // what the payload says decides whether the endpoints carry ports
    let cursor = payloadAt;
    if (charE(text, cursor, end) === 91) {
      // [udp sum ok] / [bad udp cksum ...] / [icmp6 sum ok]
      const close = findE(text, '] ', cursor, end);
      if (close > 0) cursor = close + 2;
    }
    if (at(text, cursor, end, 'HBH ')) cursor += 4;
    let kind: number;
    if (at(text, cursor, end, 'Flags [')) kind = PROTO_TCP;
    else if (quietTcp(text, cursor, end) >= 0) kind = PROTO_TCP;
    else if (at(text, cursor, end, 'ICMP')) kind = PROTO_ICMP;
    // a later fragment (`ip-proto-17`) carries no transport header, so no ports
    else if (proto >= 0 && !at(text, cursor, end, 'ip-proto-')) kind = proto;
    else kind = hasPort(text, start, gt) && hasPort(text, gt + 3, colon) ? PROTO_UDP : PROTO_OTHER;
    const epKind = kind === PROTO_TCP || kind === PROTO_UDP ? 0 : kind === PROTO_ICMP ? 1 : 2;
    chunk.epKind[slot] = epKind;
    const src = this.eps.code(text, start, gt, epKind);
    const dst = this.eps.code(text, gt + 3, colon, epKind);
    chunk.src[slot] = src;
    chunk.dst[slot] = dst;
    if (kind === PROTO_TCP) {
      chunk.proto[slot] = PROTO_TCP;
      const quiet = quietTcp(text, cursor, end);
      // -q: `tcp N`, only the payload length
      if (quiet >= 0) this.plus1(chunk.length, LENGTH_SLOT, quiet);
      else if (!at(text, cursor, end, 'Flags [') || !readTcp(this, text, cursor, end))
        chunk.infoFrom[slot] = this.rel(cursor);
      return undefined;
    }
    if (kind === PROTO_ICMP) {
      const six = at(text, cursor, end, 'ICMP6');
      chunk.proto[slot] = six || chunk.net[slot] === NET_IP6 ? PROTO_ICMP6 : PROTO_ICMP;
      if (at(text, cursor, end, 'ICMP')) {
        readIcmp(this, text, cursor + (six ? 5 : 4), end);
        trailingLength(this, text, cursor, end);
      } else chunk.infoFrom[slot] = this.rel(cursor);
      return undefined;
    }
    if (kind === PROTO_UDP) {
      chunk.proto[slot] = PROTO_UDP;
      if (at(text, cursor, end, 'UDP, length ')) {
        const value = readUintE(text, cursor + 12, end);
        if (value >= 0) this.plus1(chunk.length, LENGTH_SLOT, value);
        return undefined;
      }
      const otv = at(text, cursor, end, 'OTV, ');
      if (otv || at(text, cursor, end, 'VXLAN, ')) {
        const key = otv ? 'instance ' : 'vni ';
        const found = findE(text, key, cursor, end);
        if (found > 0) {
          const value = readUintE(text, found + key.length, end);
          if (value >= 0) this.u32(chunk.udpVni, UDP_VNI, value);
        }
        chunk.infoFrom[slot] = this.rel(cursor);
        return undefined;
      }
      const sp = this.eps.portOf(src, 0);
      const dp = this.eps.portOf(dst, 0);
      if ((sp === 53 || dp === 53 || sp === 5353 || dp === 5353) && readDns(this, text, cursor, end)) return undefined;
      chunk.infoFrom[slot] = this.rel(cursor);
      return undefined;
    }
    chunk.proto[slot] = PROTO_OTHER;
    chunk.infoFrom[slot] = this.rel(cursor);
    return undefined;
  }
}

/** `tcp N` at q, all that is left of the record (what -q prints for TCP): N, else -1. */
function quietTcp(text: string, start: number, end: number): number {
  if (!at(text, start, end, 'tcp ')) return -1;
  const value = readUintE(text, start + 4, end);
  return END === end ? value : -1;
}

/** Length of each direction word, by its code (see chunk.ts DIRECTIONS). */
export const DIR_LEN = [0, 2, 3, 1, 1, 1];

/** Direction code at `i` (before `e`): 1 In, 2 Out, 3 P, 4 B, 5 M, 0 none. */
export function direction(text: string, start: number, end: number): number {
  const ch = charE(text, start, end);
  const next = charE(text, start + 1, end);
  if (ch === 80 || ch === 66 || ch === 77) return next === 32 || next === -1 ? (ch === 80 ? 3 : ch === 66 ? 4 : 5) : 0;
  if (ch === 73 && next === 110) return wordEnds(text, start + 2, end) ? 1 : 0;
  if (ch === 79 && next === 117 && charE(text, start + 2, end) === 116) return wordEnds(text, start + 3, end) ? 2 : 0;
  return 0;
}

/** A space or the end at `k`. */
function wordEnds(text: string, start: number, end: number): boolean {
  const code = charE(text, start, end);
  return code === 32 || code === -1;
}

/**
 * text[from, from + length) === text[to, to + length), as two slices compared with `===`: V8 compares them natively,
 * in a fraction of a charCodeAt loop's time. On the benchmark's capture three comparisons in four are hits, each over
 * the whole rest of a record (~80 characters): the loop cost ~90 ms of CPU there.
 */
function sameText(text: string, from: number, to: number, length: number): boolean {
  return text.slice(from, from + length) === text.slice(to, to + length);
}
