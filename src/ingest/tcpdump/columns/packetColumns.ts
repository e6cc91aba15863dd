import {
  excerptOf,
  nearestRows,
  type ArpInfo,
  type LineMapping,
  type DnsInfo,
  type Evidence,
  type IcmpInfo,
  type Packet,
  type PacketTable,
  type TcpInfo,
} from '../../../model';

import {
  ARP_OPS,
  Chunk,
  CHUNK_BITS,
  CHUNK_MASK,
  CHUNK_SIZE,
  DIRECTIONS,
  DNS_ADDITIONALS,
  DNS_ANSWERS,
  DNS_AUTHORITIES,
  HAS,
  ICMP_ID,
  ICMP_SEQ,
  IP_ID_SLOT,
  LENGTH_SLOT,
  NET_ARP,
  NETWORKS,
  PROTO_TCP,
  PROTOCOLS,
  TCP_ACK,
  TCP_MSS,
  TCP_SEQ,
  TCP_SEQ_END,
  TCP_WIN,
  TTL_SLOT,
  UDP_VNI,
  type NumberField,
} from './chunk';
import { EndpointTable, type EndpointHits } from './endpointTable';
import { joinsAddressLine } from './ipHeader';
import type { RecordScanner } from './recordScanner';

/**
 * The packets of one capture in columns (see chunk.ts), plus what is needed to build a Packet
 * back: the text they were read from and the scanner's string and endpoint tables. A Packet is
 * built from the columns on first use; only its excerpt and free-text fields are cut from the text.
 */
/** Rows the first chunk starts with. */
const FIRST_CHUNK = 64;

export class PacketColumns implements PacketTable {
  readonly chunks: Chunk[] = [];
  size = 0;
  /** Rows whose first line was a piece of a flattened line: the 1-based column it starts at (see remapLines). */
  readonly columns = new Map<number, number>();
  /** The Packets built so far, per chunk (a chunk's array made on its first Packet). */
  private built: ((Packet | undefined)[] | undefined)[] | undefined;
  /** Per chunk, lines its rows moved by that its line columns do not hold yet (see moveLines). */
  private shifts: Int32Array | undefined;

  /**
   * @param inners the table of inner (VXLAN/OTV) frames; undefined for that table itself.
   */
  constructor(
    readonly text: string,
    readonly uri: string,
    readonly scanner: RecordScanner,
    readonly inners: PacketColumns | undefined,
  ) {}

  /** The chunk and index for a new row (the caller fills it, then `commit`s). */
  slot(): Chunk {
    const chunkIndex = this.size >>> CHUNK_BITS;
    if (chunkIndex === this.chunks.length) this.chunks.push(new Chunk(chunkIndex === 0 ? FIRST_CHUNK : CHUNK_SIZE));
    else if (chunkIndex === 0 && this.size === this.chunks[0].capacity) this.chunks[0] = this.chunks[0].doubled();
    return this.chunks[chunkIndex];
  }

  commit(): void {
    this.size++;
  }

  lineOf(index: number): number {
    const chunk = index >>> CHUNK_BITS;
    return this.chunks[chunk].line[index & CHUNK_MASK] + this.shiftOf(chunk);
  }

  /** Packet `index`'s `t` (its stamp in seconds), read from the column. */
  timeOf(index: number): number | undefined {
    const chunk = this.chunks[index >>> CHUNK_BITS];
    const slot = index & CHUNK_MASK;
    return chunk.stampLen[slot] ? chunk.t[slot] : undefined;
  }

  /** 1-based line where packet `i` ends (its -v lines and inner frame included). */
  endLineOf(index: number): number {
    const chunk = index >>> CHUNK_BITS;
    return this.chunks[chunk].endLine[index & CHUNK_MASK] + this.shiftOf(chunk);
  }

  /** Lines every row of chunk `chunk` moved by since its line columns were written (see moveLines). */
  private shiftOf(chunk: number): number {
    const shifts = this.shifts;
    return shifts !== undefined && chunk < shifts.length ? shifts[chunk] : 0;
  }

  /** Writes the chunks' moves (see moveLines) into their line columns: for what reads the columns themselves. */
  settleLines(): void {
    const shifts = this.shifts;
    this.shifts = undefined;
    if (shifts)
      shifts.forEach((shift, index) => {
        if (shift === 0) return;
        const { line, endLine } = this.chunks[index];
        const rows = Math.min(CHUNK_SIZE, this.size - index * CHUNK_SIZE);
        for (let slot = 0; slot < rows; slot++) {
          line[slot] += shift;
          endLine[slot] += shift;
        }
      });
    this.inners?.settleLines();
  }

  packet(index: number): Packet {
    const chunks = (this.built ??= []);
    const built = (chunks[index >>> CHUNK_BITS] ??= new Array<Packet | undefined>(CHUNK_SIZE));
    return (built[index & CHUNK_MASK] ??= this.build(index));
  }

  all(): Packet[] {
    const out = new Array<Packet>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.packet(i);
    return out;
  }

  /** See PacketTable; `from`..`to`: only those rows (a piece of a capture, see SegmentedPackets). */
  touching(ips: ReadonlySet<string>, from = 0, to = this.size): number[] {
    const sc = this.scanner;
    const eps = sc.eps.hits(ips);
    const strHit = sc.strings.values.map((string) => string !== '' && ips.has(string));
    const out: number[] = [];
    for (let i = from; i < to; i++) {
      const inner = this.chunks[i >>> CHUNK_BITS].inner[i & CHUNK_MASK];
      if (
        this.rowTouches(i, eps, strHit) ||
        (inner !== 0 && this.inners !== undefined && this.inners.rowTouches(inner - 1, eps, strHit))
      )
        out.push(i);
    }
    return out;
  }

  /** See PacketTable; `from`..`to`: only those rows, `near` counted from `from` (and so are the rows found). */
  onInterface(name: string, near: number, max: number, from = 0, to = this.size): number[] {
    // the iface column holds an interned id + 1: one number compared per row
    const id = this.scanner.strings.find(name) + 1;
    if (id === 0) return [];
    return nearestRows(to - from, near, max, (index) => {
      const row = from + index;
      return this.chunks[row >>> CHUNK_BITS].iface[row & CHUNK_MASK] === id;
    });
  }

  /** See PacketTable; `from`..`to`: only those rows. */
  firstMssSyn(from = 0, to = this.size): number {
    // the rows a built packet would give `tcp.mss` and `tcp.flags` (see build): the flag strings are few
    const syn = new Map<number, boolean>();
    for (let i = from; i < to; i++) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      const slot = i & CHUNK_MASK;
      if ((chunk.has[slot] & (HAS.TCP | TCP_MSS.bit)) !== (HAS.TCP | TCP_MSS.bit) || chunk.proto[slot] !== PROTO_TCP)
        continue;
      const id = chunk.tcpFlags[slot];
      let hit = syn.get(id);
      if (hit === undefined) syn.set(id, (hit = (this.str(id) ?? '').includes('S')));
      if (hit) return i;
    }
    return -1;
  }

  private rowTouches(index: number, eps: EndpointHits, strHit: boolean[]): boolean {
    const chunk = this.chunks[index >>> CHUNK_BITS];
    const slot = index & CHUNK_MASK;
    const kind = chunk.epKind[slot];
    if (EndpointTable.hit(chunk.src[slot], kind, eps) || EndpointTable.hit(chunk.dst[slot], kind, eps)) return true;
    return (
      (chunk.has[slot] & HAS.ARP) !== 0 &&
      ((chunk.arpTarget[slot] !== 0 && strHit[chunk.arpTarget[slot] - 1]) ||
        (chunk.arpSender[slot] !== 0 && strHit[chunk.arpSender[slot] - 1]))
    );
  }

  remapLines(at: LineMapping): void {
    this.settleLines();
    for (let i = 0; i < this.size; i++) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      const slot = i & CHUNK_MASK;
      const moved = at(chunk.line[slot]);
      if (!moved) continue;
      const end = at(chunk.endLine[slot]);
      chunk.line[slot] = moved.line;
      chunk.endLine[slot] = end ? end.line : moved.line;
      if (moved.column > 0) this.columns.set(i, moved.column + (this.columns.get(i) ?? 1));
    }
    this.inners?.remapLines(at);
    this.built = undefined;
  }

  /**
   * Moves the lines of rows `from`..`to` (and of their inner frames) by `delta`: an edit above them
   * added or removed lines. The Packets built already stay the same objects, their evidence moves.
   * A chunk whose rows all move keeps the move beside its columns (an edit moves every row after
   * it: 200,000 rows on 400,000 lines, 14 ms when not yet compiled); the others' columns change.
   */
  moveLines(delta: number, from = 0, to = this.size): void {
    if (delta === 0 || to <= from) return;
    const framed = this.inners !== undefined && this.inners.size > 0;
    let firstInner = 0;
    let lastInner = 0;
    for (let row = from; row < to;) {
      const index = row >>> CHUNK_BITS;
      const chunk = this.chunks[index];
      const start = row & CHUNK_MASK;
      const end = Math.min(CHUNK_SIZE, start + (to - row));
      const whole = start === 0 && end >= Math.min(CHUNK_SIZE, this.size - index * CHUNK_SIZE);
      const { line, endLine, inner } = chunk;
      if (whole) {
        if (!this.shifts || this.shifts.length < this.chunks.length) {
          const shifts = new Int32Array(this.chunks.length);
          if (this.shifts) shifts.set(this.shifts);
          this.shifts = shifts;
        }
        this.shifts[index] += delta;
      } else
        for (let slot = start; slot < end; slot++) {
          line[slot] += delta;
          endLine[slot] += delta;
        }
      if (framed)
        for (let slot = start; slot < end; slot++)
          if (inner[slot] !== 0) {
            if (firstInner === 0) firstInner = inner[slot];
            lastInner = inner[slot];
          }
      const built = this.built?.[index];
      if (built)
        for (let slot = start; slot < end; slot++) {
          const evidence = built[slot]?.evidence[0];
          if (evidence?.line === undefined) continue;
          evidence.line += delta;
          if (evidence.endLine !== undefined) evidence.endLine += delta;
        }
      row += end - start;
    }
    // the inner frames of rows from..to are one run of the inner table's rows (read in the same order)
    if (firstInner !== 0) this.inners!.moveLines(delta, firstInner - 1, lastInner);
  }

  /** The record's first line (or piece) as read. */
  private first(chunk: Chunk, slot: number): string {
    return this.text.substr(chunk.at[slot], chunk.len[slot]);
  }

  /** The record's continuation lines, trimmed, blank ones left out. */
  private conts(chunk: Chunk, slot: number): string[] | undefined {
    const from = chunk.at[slot] + chunk.len[slot];
    const to = chunk.endAt[slot];
    if (to <= from) return undefined;
    const nl = this.text.indexOf('\n', from);
    if (nl < 0 || nl >= to) return undefined;
    const out: string[] = [];
    for (const line of this.text.slice(nl + 1, to).split('\n')) {
      const trimmed = line.trim();
      if (trimmed) out.push(trimmed);
    }
    return out.length ? out : undefined;
  }

  private build(index: number): Packet {
    const chunk = this.chunks[index >>> CHUNK_BITS];
    const slot = index & CHUNK_MASK;
    const first = this.first(chunk, slot);
    const cont = this.conts(chunk, slot);
    let text = first;
    let extra: string[] | undefined;
    if (cont !== undefined) {
      if (joinsAddressLine(first)) {
        text = first + ' ' + cont[0];
        extra = cont.length > 1 ? cont.slice(1) : undefined;
      } else extra = cont;
    }
    const evidence: Evidence = {
      source: 'log',
      uri: this.uri,
      line: this.lineOf(index),
      excerpt: excerptOf(text),
      format: 'tcpdump',
    };
    if (chunk.endLine[slot] !== chunk.line[slot]) evidence.endLine = this.endLineOf(index);
    const column = this.columns.get(index);
    if (column !== undefined && column > 1) evidence.column = column;
    const pk = this.fields(text, index, evidence);
    if (extra !== undefined) {
      const more = extra.join(' | ');
      if (pk.tcp?.http === 'HTTP') pk.tcp.http = extra[0];
      if (pk.icmp?.detail !== undefined) pk.icmp.detail += ' | ' + more;
      else pk.info = pk.info === undefined ? more : pk.info + ' | ' + more;
    }
    if (chunk.inner[slot] !== 0 && this.inners) pk.inner = this.inners.packet(chunk.inner[slot] - 1);
    return pk;
  }

  private str(id: number): string | undefined {
    return id === 0 ? undefined : this.scanner.strings.values[id - 1];
  }

  /** A plus-one column's value, or the value kept aside when it did not fit (slot: see RecordScanner.wide). */
  private num(stored: number, index: number, slot: number): number {
    return stored === -1 ? this.scanner.wide.get(this.key(index) * 8 + slot)! : stored - 1;
  }

  /** A number column's value at row j of its chunk (row i of the table), or the value kept aside. */
  private u(col: Uint32Array, slot: number, index: number, field: NumberField): number {
    const wide = this.scanner.wide;
    return wide.size === 0 ? col[slot] : (wide.get(this.key(index) * 8 + field.slot) ?? col[slot]);
  }

  /**
   * One object literal per packet kind, every field in a fixed order, as the parser has always
   * produced them: all packets share two hidden classes (absent fields are `undefined`).
   */
  private fields(text: string, index: number, evidence: Evidence): Packet {
    const chunk = this.chunks[index >>> CHUNK_BITS];
    const slot = index & CHUNK_MASK;
    const has = chunk.has[slot];
    const stampLen = chunk.stampLen[slot];
    const time = stampLen ? text.slice(0, stampLen) : undefined;
    const stamp = stampLen ? chunk.t[slot] : undefined;
    const iface = this.str(chunk.iface[slot]);
    const direction = DIRECTIONS[chunk.dir[slot]];
    const srcMac = this.str(chunk.srcMac[slot]);
    const dstMac = this.str(chunk.dstMac[slot]);
    const length = chunk.length[slot] === 0 ? undefined : this.num(chunk.length[slot], index, LENGTH_SLOT);
    const info = chunk.infoFrom[slot] === 0 ? undefined : text.slice(chunk.infoFrom[slot] - 1);
    const network = NETWORKS[chunk.net[slot]];
    const protocol = PROTOCOLS[chunk.proto[slot]];
    if (chunk.net[slot] === NET_ARP) {
      let arp: ArpInfo | undefined;
      if (has & HAS.ARP) {
        arp = { op: ARP_OPS[chunk.arpOp[slot]] };
        if (chunk.arpTarget[slot] !== 0) arp.targetIp = this.str(chunk.arpTarget[slot]);
        if (chunk.arpSender[slot] !== 0) arp.senderIp = this.str(chunk.arpSender[slot]);
        if (chunk.arpMac[slot] !== 0) arp.mac = this.str(chunk.arpMac[slot]);
      }
      return {
        kind: 'Packet',
        evidence: [evidence],
        time,
        t: stamp,
        interface: iface,
        direction,
        srcMac,
        dstMac,
        network: 'arp',
        protocol,
        arp,
        length,
        info,
      };
    }
    const kind = chunk.epKind[slot];
    const src = this.scanner.eps.object(chunk.src[slot], kind);
    const dst = this.scanner.eps.object(chunk.dst[slot], kind);
    const ipId = chunk.ipId[slot] === 0 ? undefined : this.num(chunk.ipId[slot], index, IP_ID_SLOT);
    const ttl = chunk.ttl[slot] === 0 ? undefined : this.num(chunk.ttl[slot], index, TTL_SLOT);
    let tcp: TcpInfo | undefined;
    let dns: DnsInfo | undefined;
    let icmp: IcmpInfo | undefined;
    if (has & HAS.TCP && chunk.proto[slot] === PROTO_TCP) {
      tcp = { flags: this.str(chunk.tcpFlags[slot])! };
      if (has & TCP_SEQ.bit) tcp.seq = this.u(chunk.tcpSeq, slot, index, TCP_SEQ);
      if (has & TCP_SEQ_END.bit) tcp.seqEnd = this.u(chunk.tcpSeqEnd, slot, index, TCP_SEQ_END);
      if (has & TCP_ACK.bit) tcp.ack = this.u(chunk.tcpAck, slot, index, TCP_ACK);
      if (has & TCP_WIN.bit) tcp.win = this.u(chunk.tcpWin, slot, index, TCP_WIN);
      if (chunk.tcpOptionsFrom[slot] !== 0)
        tcp.options = text.slice(chunk.tcpOptionsFrom[slot] - 1, chunk.tcpOptionsTo[slot] - 1);
      if (has & TCP_MSS.bit) tcp.mss = this.u(chunk.tcpMss, slot, index, TCP_MSS);
      if (chunk.tcpHttpFrom[slot] !== 0) tcp.http = text.slice(chunk.tcpHttpFrom[slot] - 1).trim();
      else if (has & HAS.TCP_HTTP_ON_NEXT_LINE) tcp.http = 'HTTP';
    } else if (has & HAS.DNS) {
      dns = { id: chunk.dnsId[slot], response: (has & HAS.DNS_RESPONSE) !== 0 };
      if (chunk.dnsFlags[slot] !== 0) dns.flags = this.str(chunk.dnsFlags[slot]);
      if (chunk.dnsQtype[slot] !== 0) dns.qtype = this.str(chunk.dnsQtype[slot]);
      if (chunk.dnsQname[slot] !== 0) dns.qname = this.str(chunk.dnsQname[slot]);
      if (chunk.dnsRcode[slot] !== 0) dns.rcode = this.str(chunk.dnsRcode[slot]);
      if (has & DNS_ANSWERS.bit)
        dns.counts = [
          this.u(chunk.dnsAnswers, slot, index, DNS_ANSWERS),
          this.u(chunk.dnsAuthorities, slot, index, DNS_AUTHORITIES),
          this.u(chunk.dnsAdditionals, slot, index, DNS_ADDITIONALS),
        ];
      const answers = this.scanner.answers.get(this.key(index));
      if (answers) dns.answers = answers;
    } else if (has & HAS.ICMP) {
      icmp = { type: this.str(chunk.icmpType[slot])! };
      if (chunk.icmpDetailFrom[slot] !== 0)
        icmp.detail = text.slice(chunk.icmpDetailFrom[slot] - 1, chunk.icmpDetailTo[slot] - 1);
      if (has & ICMP_ID.bit) icmp.id = this.u(chunk.icmpId, slot, index, ICMP_ID);
      if (has & ICMP_SEQ.bit) icmp.seq = this.u(chunk.icmpSeq, slot, index, ICMP_SEQ);
    }
    const vni = has & UDP_VNI.bit ? this.u(chunk.udpVni, slot, index, UDP_VNI) : undefined;
    return {
      kind: 'Packet',
      evidence: [evidence],
      time,
      t: stamp,
      interface: iface,
      direction,
      srcMac,
      dstMac,
      network,
      protocol,
      src,
      dst,
      length,
      ipId,
      ttl,
      tcp,
      dns,
      icmp,
      vni,
      inner: undefined,
      info,
    };
  }

  /** Row `i`'s key in the scanner's side maps, which outer and inner tables share: inner rows are negative. */
  key(index: number): number {
    return this.inners === undefined ? -1 - index : index;
  }
}
