import { moveEvidence, type LineMapping, type Sourced } from './evidence';
import type { Packet } from './packet';

/**
 * The packets of one capture, held as a table rather than as objects: a capture can have millions
 * of lines, and one object per packet (plus its evidence, endpoints and payload details) costs
 * several times the text it came from. A table keeps each field in a column and builds a Packet
 * only when somebody asks for it; the same index always gives back the same object.
 */
export interface PacketTable {
  /** Packets in capture order. A VXLAN/OTV packet's inner frame belongs to it (`inner`), not to the count. */
  readonly size: number;
  /** Packet `i` (0-based) with its evidence; built on first use, then the same object every time. */
  packet(i: number): Packet;
  /** All packets, in order (builds those not built yet). */
  all(): Packet[];
  /**
   * The packets of `rows` (ascending), the objects `packet` gives, read in one walk: for a table
   * whose `packet` must first find where a row is (a capture in pieces), none elsewhere.
   */
  packetsOf?(rows: readonly number[]): Packet[];
  /** 1-based line where packet `i` starts (its evidence line), without building it. */
  lineOf(i: number): number;
  /** Capture clock (seconds) of packet `i` (its `t`), without building it. */
  timeOf(i: number): number | undefined;
  /**
   * Indices of the packets that have one of `ips` as source, destination or ARP address, in the
   * packet or in its inner frame, found without building the others.
   */
  touching(ips: ReadonlySet<string>): number[];
  /** Index of the first packet that `isMssSyn`, or -1: found without building the others. */
  firstMssSyn(): number;
  /**
   * Indices of the packets seen on interface `name` (`-i any`), at most `max` of them, those
   * nearest to packet `near` (ascending), found without building the others.
   */
  onInterface(name: string, near: number, max: number): number[];
  /**
   * Moves evidence to where the text really was, for text that was cut out of flattened lines
   * (see src/ingest/transcript/lineMap.ts). `at` maps a 1-based line of the parsed text to the
   * file's line and the 0-based column its piece starts at; undefined leaves the line as is.
   */
  remapLines(at: LineMapping): void;
}

/**
 * A packet capture (tcpdump text output) as one fact. Its evidence spans the capture; each packet
 * inside carries the evidence of its own line(s).
 */
export interface Capture extends Sourced {
  kind: 'Capture';
  packets: PacketTable;
  /** The host the capture ran on, when a transcript prompt names it (`root@node1:/# tcpdump …`). */
  host?: string;
  /** The tcpdump command line, when the transcript shows it (which interface, which filter). */
  command?: string;
}

/** Packets held as objects already (tests, small inputs, other sources) behind the table interface. */
export class ArrayPacketTable implements PacketTable {
  constructor(private readonly list: Packet[]) {}
  get size(): number {
    return this.list.length;
  }
  packet(index: number): Packet {
    return this.list[index];
  }
  all(): Packet[] {
    return this.list;
  }
  lineOf(index: number): number {
    return this.list[index].evidence[0]?.line ?? 0;
  }
  timeOf(index: number): number | undefined {
    return this.list[index].t;
  }
  touching(ips: ReadonlySet<string>): number[] {
    const out: number[] = [];
    this.list.forEach((packet, i) => {
      if (packetTouches(packet, ips)) out.push(i);
    });
    return out;
  }
  firstMssSyn(): number {
    return this.list.findIndex(isMssSyn);
  }
  onInterface(name: string, near: number, max: number): number[] {
    return nearestRows(this.list.length, near, max, (index) => this.list[index].interface === name);
  }
  remapLines(at: LineMapping): void {
    const seen = new Set<object>();
    const fix = (packet: Packet | undefined) => {
      if (!packet) return;
      for (const evidence of packet.evidence) {
        if (seen.has(evidence)) continue;
        seen.add(evidence);
        moveEvidence(evidence, at);
      }
      fix(packet.inner);
    };
    for (const packet of this.list) fix(packet);
  }
}

/**
 * The rows in [0, size) that `matches`, at most `max` of them, nearest to `near` (ties: the earlier
 * first), in ascending order. Reads outward from `near`, so a match close by stops the search early.
 */
export function nearestRows(size: number, near: number, max: number, matches: (i: number) => boolean): number[] {
  const before: number[] = [];
  const after: number[] = [];
  let lo = Math.min(near, size) - 1;
  let hi = Math.max(near, 0);
  while (before.length + after.length < max && (lo >= 0 || hi < size)) {
    if (lo >= 0 && (hi >= size || near - lo <= hi - near)) {
      if (matches(lo)) before.push(lo);
      lo--;
    } else {
      if (matches(hi)) after.push(hi);
      hi++;
    }
  }
  return before.reverse().concat(after);
}

/** Every address of a packet: source and destination of it and of its inner frame, ARP target and sender. */
export function packetAddresses(packet: Packet): Set<string> {
  const out = new Set<string>();
  for (let x: Packet | undefined = packet; x; x = x.inner) {
    if (x.src?.ip) out.add(x.src.ip);
    if (x.dst?.ip) out.add(x.dst.ip);
    if (x.arp?.targetIp !== undefined) out.add(x.arp.targetIp);
    if (x.arp?.senderIp !== undefined) out.add(x.arp.senderIp);
  }
  return out;
}

/** Whether one of a packet's addresses (`packetAddresses`) is one of `ips`. */
export function packetTouches(packet: Packet, ips: ReadonlySet<string>): boolean {
  for (const ip of packetAddresses(packet)) if (ips.has(ip)) return true;
  return false;
}

/** The packets among facts: Packet facts as they are, Capture facts expanded in order. */
export function packetsOf(facts: Iterable<{ kind: string }>): Packet[] {
  const out: Packet[] = [];
  for (const fact of facts) {
    if (fact.kind === 'Packet') out.push(fact as Packet);
    else if (fact.kind === 'Capture') for (const packet of (fact as Capture).packets.all()) out.push(packet);
  }
  return out;
}

/** A TCP SYN (or SYN-ACK) that advertises its MSS option: what tells the pod network's MTU. */
export function isMssSyn(packet: Packet): boolean {
  return packet.tcp?.mss !== undefined && packet.tcp.flags.includes('S');
}
