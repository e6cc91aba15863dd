import { isIPv4, type Endpoint4 } from '../../../model';
import { endpoint, isServiceName } from '../endpoints';
import { isDigit } from '../scan';
import { SpanInterner } from './spanInterner';

/** Which stored endpoints have one of some addresses (see EndpointTable.hits). */
export interface EndpointHits {
  byKind: boolean[][];
  ipv4: boolean[];
}

/**
 * The endpoints of a capture (`host.port` as tcpdump prints them), stored in a row as one number:
 * `a.b.c.d.port` — the bulk of a capture — as an address id and a port read from the digits, any
 * other text (names, IPv6) as an id in a table of distinct texts per payload kind.
 */
export class EndpointTable {
  /** IPv4 addresses of `a.b.c.d.port` endpoints, by id, and their numeric value. */
  readonly ipv4: string[] = [];
  private readonly ipv4Num: number[] = [];
  private ipv4Slots = new Int32Array(1024);
  /** Other endpoints by printed text, one table per payload kind (TCP/UDP, ICMP, unknown): see Chunk.epKind. */
  private readonly text = [new SpanInterner(), new SpanInterner(), new SpanInterner()];
  readonly objects: Endpoint4[][] = [[], [], []];
  /** Objects for the numeric endpoints, made when a packet is built: packets of one conversation share theirs. */
  private readonly numericObjects = new Map<number, Endpoint4>();
  /** The hosts `endpoint()` cuts out of new texts, kept once each. */
  private readonly hosts = new SpanInterner();
  private readonly host = (name: string): string => this.hosts.values[this.hosts.str(name)];
  /**
   * The endpoint printed at [a, b), as stored in Chunk.src/dst: `a.b.c.d.port` (the bulk of a capture)
   * becomes -(address id * 65536 + port) - 1, read from the digits without a lookup of the whole
   * text; anything else is an id + 1 in the table of distinct texts of its kind.
   */
  code(text: string, from: number, to: number, kind: number): number {
    if (kind !== 1) {
      const code = this.numeric(text, from, to);
      if (code < 0) return code;
    }
    const table = this.text[kind];
    const id = table.span(text, from, to);
    const list = this.objects[kind];
    if (id === list.length)
      list.push(endpoint(table.values[id], kind === 0 ? true : kind === 1 ? false : undefined, this.host));
    return id + 1;
  }

  /** The port of a stored endpoint (undefined when it has none). */
  portOf(code: number, kind: number): number | undefined {
    return code < 0 ? (-code - 1) & 0xffff : code === 0 ? undefined : this.objects[kind][code - 1].port;
  }

  /** The address of a stored endpoint. */
  ipOf(code: number, kind: number): string | undefined {
    return code < 0
      ? this.ipv4[Math.floor((-code - 1) / 65536)]
      : code === 0
        ? undefined
        : this.objects[kind][code - 1].ip;
  }

  /**
   * `a.b.c.d.port` in canonical form (no leading zeros, parts ≤ 255, port ≤ 65535) → its code, or 0
   * for any other text (names, IPv6, odd numbers), which the text table then handles.
   */
  private numeric(text: string, from: number, to: number): number {
    let cursor = from;
    let ip = 0;
    for (let part = 0; part < 5; part++) {
      const start = cursor;
      let value = 0;
      while (cursor < to) {
        const ch = text.charCodeAt(cursor);
        if (ch < 48 || ch > 57) break;
        value = value * 10 + (ch - 48);
        cursor++;
      }
      const digits = cursor - start;
      if (digits === 0 || (digits > 1 && text.charCodeAt(start) === 48)) return 0;
      if (part === 4) {
        if (cursor !== to || digits > 5 || value > 65535) return 0;
        const id = this.ipv4Id(ip);
        return id < 32768 ? -(id * 65536 + value) - 1 : 0;
      }
      if (digits > 3 || value > 255 || cursor >= to || text.charCodeAt(cursor) !== 46) return 0;
      cursor++;
      ip = ip * 256 + value;
    }
    return 0;
  }

  private ipv4Id(ip: number): number {
    const slots = this.ipv4Slots;
    const mask = slots.length - 1;
    let cursor = (Math.imul(ip | 0, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const slot = slots[cursor];
      if (slot === 0) break;
      if (this.ipv4Num[slot - 1] === ip) return slot - 1;
      cursor = (cursor + 1) & mask;
    }
    const id = this.ipv4.length;
    this.ipv4.push(`${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`);
    this.ipv4Num.push(ip);
    slots[cursor] = id + 1;
    if (this.ipv4.length * 2 > mask) {
      const next = new Int32Array(slots.length * 2);
      const nextMask = next.length - 1;
      for (let n = 0; n < this.ipv4Num.length; n++) {
        let probe = (Math.imul(this.ipv4Num[n] | 0, 0x9e3779b1) >>> 0) & nextMask;
        while (next[probe] !== 0) probe = (probe + 1) & nextMask;
        next[probe] = n + 1;
      }
      this.ipv4Slots = next;
    }
    return id;
  }

  /** A stored endpoint as an object (undefined for 0). */
  object(code: number, kind: number): Endpoint4 | undefined {
    if (code > 0) return this.objects[kind][code - 1];
    if (code === 0) return undefined;
    let ep = this.numericObjects.get(code);
    if (ep === undefined) {
      ep = { ip: this.ipOf(code, kind)!, port: this.portOf(code, kind) };
      this.numericObjects.set(code, ep);
    }
    return ep;
  }

  /** Which stored endpoints have an address in `ips`: by text id per kind, and by IPv4 id. */
  hits(ips: ReadonlySet<string>): EndpointHits {
    return {
      byKind: this.objects.map((list) => list.map((known) => ips.has(known.ip))),
      ipv4: this.ipv4.map((ip) => ips.has(ip)),
    };
  }

  /** Whether a stored endpoint is one of those `hits` found. */
  static hit(code: number, kind: number, hits: EndpointHits): boolean {
    return code < 0 ? hits.ipv4[Math.floor((-code - 1) / 65536)] : code !== 0 && hits.byKind[kind][code - 1];
  }
}

/** Whether printed `host.port` text at [a, b) ends with a port (numeric, or a name after an IPv4/IPv6 host). */
export function hasPort(source: string, from: number, to: number): boolean {
  let dot = to - 1;
  while (dot >= from && source.charCodeAt(dot) !== 46) dot--;
  if (dot < from) return false;
  if (dot + 1 < to && isDigit(source.charCodeAt(dot + 1))) return !isBareIPv4(source, from, to);
  const text = source.slice(from, to);
  return isServiceName(text.slice(dot + 1 - from)) || text.indexOf(':') >= 0 || isIPv4(text.slice(0, dot - from));
}

/** `a.b.c.d` alone (digits and exactly three dots): an IPv4 address printed without a port (ESP, IGMP, OSPF …). */
function isBareIPv4(text: string, from: number, to: number): boolean {
  let dots = 0;
  for (let k = from; k < to; k++) {
    const ch = text.charCodeAt(k);
    if (ch === 46) dots++;
    else if (!isDigit(ch)) return false;
  }
  return dots === 3;
}
