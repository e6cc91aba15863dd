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
  private built: (Packet | undefined)[] | undefined;

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
    const k = this.size >>> CHUNK_BITS;
    if (k === this.chunks.length) this.chunks.push(new Chunk(k === 0 ? FIRST_CHUNK : CHUNK_SIZE));
    else if (k === 0 && this.size === this.chunks[0].capacity) this.chunks[0] = this.chunks[0].doubled();
    return this.chunks[k];
  }

  commit(): void {
    this.size++;
  }

  lineOf(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].line[i & CHUNK_MASK];
  }

  /** 1-based line where packet `i` ends (its -v lines and inner frame included). */
  endLineOf(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].endLine[i & CHUNK_MASK];
  }

  packet(i: number): Packet {
    const cache = (this.built ??= new Array<Packet | undefined>(this.size));
    return (cache[i] ??= this.build(i));
  }

  all(): Packet[] {
    const out = new Array<Packet>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.packet(i);
    return out;
  }

  touching(ips: ReadonlySet<string>): number[] {
    const sc = this.scanner;
    const eps = sc.eps.hits(ips);
    const strHit = sc.strings.values.map((v) => v !== '' && ips.has(v));
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const inner = this.chunks[i >>> CHUNK_BITS].inner[i & CHUNK_MASK];
      if (
        this.rowTouches(i, eps, strHit) ||
        (inner !== 0 && this.inners !== undefined && this.inners.rowTouches(inner - 1, eps, strHit))
      )
        out.push(i);
    }
    return out;
  }

  onInterface(name: string, near: number, max: number): number[] {
    // the iface column holds an interned id + 1: one number compared per row
    const id = this.scanner.strings.find(name) + 1;
    if (id === 0) return [];
    return nearestRows(this.size, near, max, (i) => this.chunks[i >>> CHUNK_BITS].iface[i & CHUNK_MASK] === id);
  }

  firstMssSyn(): number {
    // the rows a built packet would give `tcp.mss` and `tcp.flags` (see build): the flag strings are few
    const syn = new Map<number, boolean>();
    for (let i = 0; i < this.size; i++) {
      const c = this.chunks[i >>> CHUNK_BITS];
      const j = i & CHUNK_MASK;
      if ((c.has[j] & (HAS.TCP | TCP_MSS.bit)) !== (HAS.TCP | TCP_MSS.bit) || c.proto[j] !== PROTO_TCP) continue;
      const id = c.tcpFlags[j];
      let hit = syn.get(id);
      if (hit === undefined) syn.set(id, (hit = (this.str(id) ?? '').includes('S')));
      if (hit) return i;
    }
    return -1;
  }

  private rowTouches(i: number, eps: EndpointHits, strHit: boolean[]): boolean {
    const c = this.chunks[i >>> CHUNK_BITS];
    const j = i & CHUNK_MASK;
    const kind = c.epKind[j];
    if (EndpointTable.hit(c.src[j], kind, eps) || EndpointTable.hit(c.dst[j], kind, eps)) return true;
    return (
      (c.has[j] & HAS.ARP) !== 0 &&
      ((c.arpTarget[j] !== 0 && strHit[c.arpTarget[j] - 1]) || (c.arpSender[j] !== 0 && strHit[c.arpSender[j] - 1]))
    );
  }

  remapLines(at: LineMapping): void {
    for (let i = 0; i < this.size; i++) {
      const c = this.chunks[i >>> CHUNK_BITS];
      const j = i & CHUNK_MASK;
      const m = at(c.line[j]);
      if (!m) continue;
      const end = at(c.endLine[j]);
      c.line[j] = m.line;
      c.endLine[j] = end ? end.line : m.line;
      if (m.column > 0) this.columns.set(i, m.column + (this.columns.get(i) ?? 1));
    }
    this.inners?.remapLines(at);
    this.built = undefined;
  }

  /** The record's first line (or piece) as read. */
  private first(c: Chunk, j: number): string {
    return this.text.substr(c.at[j], c.len[j]);
  }

  /** The record's continuation lines, trimmed, blank ones left out. */
  private conts(c: Chunk, j: number): string[] | undefined {
    const from = c.at[j] + c.len[j];
    const to = c.endAt[j];
    if (to <= from) return undefined;
    const nl = this.text.indexOf('\n', from);
    if (nl < 0 || nl >= to) return undefined;
    const out: string[] = [];
    for (const l of this.text.slice(nl + 1, to).split('\n')) {
      const t = l.trim();
      if (t) out.push(t);
    }
    return out.length ? out : undefined;
  }

  private build(i: number): Packet {
    const c = this.chunks[i >>> CHUNK_BITS];
    const j = i & CHUNK_MASK;
    const first = this.first(c, j);
    const cont = this.conts(c, j);
    let s = first;
    let extra: string[] | undefined;
    if (cont !== undefined) {
      if (joinsAddressLine(first)) {
        s = first + ' ' + cont[0];
        extra = cont.length > 1 ? cont.slice(1) : undefined;
      } else extra = cont;
    }
    const evidence: Evidence = {
      source: 'log',
      uri: this.uri,
      line: c.line[j],
      excerpt: excerptOf(s),
      format: 'tcpdump',
    };
    if (c.endLine[j] !== c.line[j]) evidence.endLine = c.endLine[j];
    const column = this.columns.get(i);
    if (column !== undefined && column > 1) evidence.column = column;
    const pk = this.fields(s, i, c, j, evidence);
    if (extra !== undefined) {
      const more = extra.join(' | ');
      if (pk.tcp?.http === 'HTTP') pk.tcp.http = extra[0];
      if (pk.icmp?.detail !== undefined) pk.icmp.detail += ' | ' + more;
      else pk.info = pk.info === undefined ? more : pk.info + ' | ' + more;
    }
    if (c.inner[j] !== 0 && this.inners) pk.inner = this.inners.packet(c.inner[j] - 1);
    return pk;
  }

  private str(id: number): string | undefined {
    return id === 0 ? undefined : this.scanner.strings.values[id - 1];
  }

  /** A plus-one column's value, or the value kept aside when it did not fit (slot: see RecordScanner.wide). */
  private num(stored: number, i: number, slot: number): number {
    return stored === -1 ? this.scanner.wide.get(this.key(i) * 8 + slot)! : stored - 1;
  }

  /** A number column's value at row j of its chunk (row i of the table), or the value kept aside. */
  private u(col: Uint32Array, j: number, i: number, field: NumberField): number {
    const wide = this.scanner.wide;
    return wide.size === 0 ? col[j] : (wide.get(this.key(i) * 8 + field.slot) ?? col[j]);
  }

  /**
   * One object literal per packet kind, every field in a fixed order, as the parser has always
   * produced them: all packets share two hidden classes (absent fields are `undefined`).
   */
  private fields(s: string, i: number, c: Chunk, j: number, evidence: Evidence): Packet {
    const has = c.has[j];
    const stampLen = c.stampLen[j];
    const time = stampLen ? s.slice(0, stampLen) : undefined;
    const t = stampLen ? c.t[j] : undefined;
    const iface = this.str(c.iface[j]);
    const direction = DIRECTIONS[c.dir[j]];
    const srcMac = this.str(c.srcMac[j]);
    const dstMac = this.str(c.dstMac[j]);
    const length = c.length[j] === 0 ? undefined : this.num(c.length[j], i, LENGTH_SLOT);
    const info = c.infoFrom[j] === 0 ? undefined : s.slice(c.infoFrom[j] - 1);
    const network = NETWORKS[c.net[j]];
    const protocol = PROTOCOLS[c.proto[j]];
    if (c.net[j] === NET_ARP) {
      let arp: ArpInfo | undefined;
      if (has & HAS.ARP) {
        arp = { op: ARP_OPS[c.arpOp[j]] };
        if (c.arpTarget[j] !== 0) arp.targetIp = this.str(c.arpTarget[j]);
        if (c.arpSender[j] !== 0) arp.senderIp = this.str(c.arpSender[j]);
        if (c.arpMac[j] !== 0) arp.mac = this.str(c.arpMac[j]);
      }
      return {
        kind: 'Packet',
        evidence: [evidence],
        time,
        t,
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
    const kind = c.epKind[j];
    const src = this.scanner.eps.object(c.src[j], kind);
    const dst = this.scanner.eps.object(c.dst[j], kind);
    const ipId = c.ipId[j] === 0 ? undefined : this.num(c.ipId[j], i, IP_ID_SLOT);
    const ttl = c.ttl[j] === 0 ? undefined : this.num(c.ttl[j], i, TTL_SLOT);
    let tcp: TcpInfo | undefined;
    let dns: DnsInfo | undefined;
    let icmp: IcmpInfo | undefined;
    if (has & HAS.TCP && c.proto[j] === PROTO_TCP) {
      tcp = { flags: this.str(c.tcpFlags[j])! };
      if (has & TCP_SEQ.bit) tcp.seq = this.u(c.tcpSeq, j, i, TCP_SEQ);
      if (has & TCP_SEQ_END.bit) tcp.seqEnd = this.u(c.tcpSeqEnd, j, i, TCP_SEQ_END);
      if (has & TCP_ACK.bit) tcp.ack = this.u(c.tcpAck, j, i, TCP_ACK);
      if (has & TCP_WIN.bit) tcp.win = this.u(c.tcpWin, j, i, TCP_WIN);
      if (c.tcpOptionsFrom[j] !== 0) tcp.options = s.slice(c.tcpOptionsFrom[j] - 1, c.tcpOptionsTo[j] - 1);
      if (has & TCP_MSS.bit) tcp.mss = this.u(c.tcpMss, j, i, TCP_MSS);
      if (c.tcpHttpFrom[j] !== 0) tcp.http = s.slice(c.tcpHttpFrom[j] - 1).trim();
      else if (has & HAS.TCP_HTTP_ON_NEXT_LINE) tcp.http = 'HTTP';
    } else if (has & HAS.DNS) {
      dns = { id: c.dnsId[j], response: (has & HAS.DNS_RESPONSE) !== 0 };
      if (c.dnsFlags[j] !== 0) dns.flags = this.str(c.dnsFlags[j]);
      if (c.dnsQtype[j] !== 0) dns.qtype = this.str(c.dnsQtype[j]);
      if (c.dnsQname[j] !== 0) dns.qname = this.str(c.dnsQname[j]);
      if (c.dnsRcode[j] !== 0) dns.rcode = this.str(c.dnsRcode[j]);
      if (has & DNS_ANSWERS.bit)
        dns.counts = [
          this.u(c.dnsAnswers, j, i, DNS_ANSWERS),
          this.u(c.dnsAuthorities, j, i, DNS_AUTHORITIES),
          this.u(c.dnsAdditionals, j, i, DNS_ADDITIONALS),
        ];
      const answers = this.scanner.answers.get(this.key(i));
      if (answers) dns.answers = answers;
    } else if (has & HAS.ICMP) {
      icmp = { type: this.str(c.icmpType[j])! };
      if (c.icmpDetailFrom[j] !== 0) icmp.detail = s.slice(c.icmpDetailFrom[j] - 1, c.icmpDetailTo[j] - 1);
      if (has & ICMP_ID.bit) icmp.id = this.u(c.icmpId, j, i, ICMP_ID);
      if (has & ICMP_SEQ.bit) icmp.seq = this.u(c.icmpSeq, j, i, ICMP_SEQ);
    }
    const vni = has & UDP_VNI.bit ? this.u(c.udpVni, j, i, UDP_VNI) : undefined;
    return {
      kind: 'Packet',
      evidence: [evidence],
      time,
      t,
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
  key(i: number): number {
    return this.inners === undefined ? -1 - i : i;
  }
}
