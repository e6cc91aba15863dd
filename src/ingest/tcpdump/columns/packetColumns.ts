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
  HAS,
  NET_ARP,
  NETWORKS,
  PROTO_TCP,
  PROTOCOLS,
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
      if ((c.has[j] & (HAS.TCP | HAS.U5)) !== (HAS.TCP | HAS.U5) || c.proto[j] !== PROTO_TCP) continue;
      const id = c.k1[j];
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
      (c.has[j] & HAS.ARP) !== 0 && ((c.k1[j] !== 0 && strHit[c.k1[j] - 1]) || (c.k2[j] !== 0 && strHit[c.k2[j] - 1]))
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

  /** A plus-one column's value, or the value kept aside when it did not fit (field: see RecordScanner.wide). */
  private num(stored: number, i: number, field: number): number {
    return stored === -1 ? this.scanner.wide.get(this.key(i) * 8 + field)! : stored - 1;
  }

  private u(col: Uint32Array, j: number, i: number, field: number): number {
    const wide = this.scanner.wide;
    return wide.size === 0 ? col[j] : (wide.get(this.key(i) * 8 + field) ?? col[j]);
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
    const length = c.length[j] === 0 ? undefined : this.num(c.length[j], i, 0);
    const info = c.d[j] === 0 ? undefined : s.slice(c.d[j] - 1);
    const network = NETWORKS[c.net[j]];
    const protocol = PROTOCOLS[c.proto[j]];
    if (c.net[j] === NET_ARP) {
      let arp: ArpInfo | undefined;
      if (has & HAS.ARP) {
        arp = { op: ARP_OPS[c.u1[j]] };
        if (c.k1[j] !== 0) arp.targetIp = this.str(c.k1[j]);
        if (c.k2[j] !== 0) arp.senderIp = this.str(c.k2[j]);
        if (c.k3[j] !== 0) arp.mac = this.str(c.k3[j]);
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
    const ipId = c.ipId[j] === 0 ? undefined : this.num(c.ipId[j], i, 2);
    const ttl = c.ttl[j] === 0 ? undefined : this.num(c.ttl[j], i, 1);
    let tcp: TcpInfo | undefined;
    let dns: DnsInfo | undefined;
    let icmp: IcmpInfo | undefined;
    if (has & HAS.TCP && c.proto[j] === PROTO_TCP) {
      tcp = { flags: this.str(c.k1[j])! };
      if (has & HAS.U1) tcp.seq = this.u(c.u1, j, i, 3);
      if (has & HAS.U2) tcp.seqEnd = this.u(c.u2, j, i, 4);
      if (has & HAS.U3) tcp.ack = this.u(c.u3, j, i, 5);
      if (has & HAS.U4) tcp.win = this.u(c.u4, j, i, 6);
      if (c.a[j] !== 0) tcp.options = s.slice(c.a[j] - 1, c.b[j] - 1);
      if (has & HAS.U5) tcp.mss = this.u(c.u5, j, i, 7);
      if (c.c[j] !== 0) tcp.http = s.slice(c.c[j] - 1).trim();
      else if (has & HAS.FLAG) tcp.http = 'HTTP';
    } else if (has & HAS.DNS) {
      dns = { id: c.u1[j], response: (has & HAS.FLAG) !== 0 };
      if (c.k1[j] !== 0) dns.flags = this.str(c.k1[j]);
      if (c.k2[j] !== 0) dns.qtype = this.str(c.k2[j]);
      if (c.k3[j] !== 0) dns.qname = this.str(c.k3[j]);
      if (c.k4[j] !== 0) dns.rcode = this.str(c.k4[j]);
      if (has & HAS.U2) dns.counts = [this.u(c.u2, j, i, 4), this.u(c.u3, j, i, 5), this.u(c.u4, j, i, 6)];
      const answers = this.scanner.answers.get(this.key(i));
      if (answers) dns.answers = answers;
    } else if (has & HAS.ICMP) {
      icmp = { type: this.str(c.k1[j])! };
      if (c.a[j] !== 0) icmp.detail = s.slice(c.a[j] - 1, c.b[j] - 1);
      if (has & HAS.U1) icmp.id = this.u(c.u1, j, i, 3);
      if (has & HAS.U2) icmp.seq = this.u(c.u2, j, i, 4);
    }
    const vni = has & HAS.VNI ? this.u(c.u5, j, i, 7) : undefined;
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
