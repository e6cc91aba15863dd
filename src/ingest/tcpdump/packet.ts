import type { CaptureDirection, Evidence, Packet } from '../../model';
import { cachedEndpoint, isIPv4, isServiceName } from './endpoints';
import { parseArp, parseDns, parseIcmp, parseTcp, TCP_LENGTH, trailingLength } from './payloads';
import { END, isMacAt, readStamp, readUint, skipSpaces, wordEnd, type Interner } from './scan';

/**
 * Parses one tcpdump record (the first line, with -v continuation text already appended) into a
 * Packet carrying `evidence`. Returns a reason string when the text is not a packet line.
 *
 * Layout: `[STAMP] [IFACE DIR] [link: ifindex N MAC | MAC > MAC,] ethertype X (0x..), length N: ]`
 * then `IP|IP6 [(-v header)] SRC > DST: PAYLOAD` or `ARP, ...`.
 */
/** Reused between calls (parsing is synchronous and never nested): no per-line scratch object. */
const SCRATCH = {
  time: undefined, t: undefined, interface: undefined, direction: undefined, srcMac: undefined, dstMac: undefined,
  network: undefined, protocol: undefined, src: undefined, dst: undefined, length: undefined, ipId: undefined, ttl: undefined,
  tcp: undefined, dns: undefined, icmp: undefined, arp: undefined, vni: undefined, info: undefined,
} as unknown as Packet;

function reset(f: Packet): Packet {
  f.time = undefined; f.t = undefined; f.interface = undefined; f.direction = undefined; f.srcMac = undefined; f.dstMac = undefined;
  f.network = undefined as unknown as Packet['network']; f.protocol = undefined as unknown as Packet['protocol'];
  f.src = undefined; f.dst = undefined; f.length = undefined; f.ipId = undefined; f.ttl = undefined;
  f.tcp = undefined; f.dns = undefined; f.icmp = undefined; f.arp = undefined; f.vni = undefined; f.info = undefined;
  return f;
}

export function parsePacketText(s: string, intern: Interner, evidence: Evidence): Packet | string {
  const r = fill(reset(SCRATCH), s, intern);
  return typeof r === 'string' ? r : materialize(r, evidence);
}

/**
 * One object literal per packet kind, every field in a fixed order: all packets share two hidden
 * classes with in-object fields, which is markedly faster to build and to collect than adding
 * properties one by one (fields absent from the capture are present as `undefined`).
 * `evidence` is an exact-size array: `[]` + push would reserve room for 17 entries.
 */
function materialize(f: Packet, evidence: Evidence): Packet {
  if (f.network === 'arp') {
    return {
      kind: 'Packet', evidence: [evidence], time: f.time, t: f.t, interface: f.interface, direction: f.direction,
      srcMac: f.srcMac, dstMac: f.dstMac, network: 'arp', protocol: f.protocol, arp: f.arp, length: f.length, info: f.info,
    };
  }
  return {
    kind: 'Packet', evidence: [evidence], time: f.time, t: f.t, interface: f.interface, direction: f.direction,
    srcMac: f.srcMac, dstMac: f.dstMac, network: f.network, protocol: f.protocol, src: f.src, dst: f.dst, length: f.length,
    ipId: f.ipId, ttl: f.ttl, tcp: f.tcp, dns: f.dns, icmp: f.icmp, vni: f.vni, inner: undefined, info: f.info,
  };
}

function fill(pk: Packet, s: string, intern: Interner): Packet | string {
  let p = 0;
  const stamp = readStamp(s, 0);
  if (stamp) {
    pk.time = s.slice(0, stamp.end);
    pk.t = stamp.t;
    p = skipSpaces(s, stamp.end);
  }
  // -i any: interface and direction columns
  const w1 = wordEnd(s, p);
  const p2 = skipSpaces(s, w1);
  const dir = direction(s, p2);
  if (dir !== undefined && w1 > p) {
    pk.interface = intern.get(s.slice(p, w1));
    pk.direction = dir;
    p = skipSpaces(s, p2 + dir.length);
  }
  let network: Packet['network'] | undefined;
  // -e on -i any: `ifindex 4 f6:ee:66:1d:2b:72 ethertype IPv4 (0x0800), length 104: `
  if (s.startsWith('ifindex ', p)) {
    readUint(s, p + 8);
    p = skipSpaces(s, END);
  }
  if (isMacAt(s, p)) {
    pk.srcMac = intern.get(s.slice(p, p + 17));
    p += 17;
    if (s.startsWith(' > ', p) && isMacAt(s, p + 3)) {
      pk.dstMac = intern.get(s.slice(p + 3, p + 20));
      p += 20;
    }
    if (s.charCodeAt(p) === 44) p++;
    p = skipSpaces(s, p);
    if (!s.startsWith('ethertype ', p)) {
      return finishOther(pk, s, p, stamp !== undefined);
    }
    const et = wordEnd(s, p + 10);
    const type = s.slice(p + 10, et);
    network = type === 'IPv4' ? 'ip' : type === 'IPv6' ? 'ip6' : type === 'ARP' ? 'arp' : 'other';
    const colon = s.indexOf(': ', et);
    if (colon < 0) return finishOther(pk, s, et, stamp !== undefined, network);
    p = colon + 2;
  } else if (s.startsWith('IP ', p)) {
    network = 'ip'; p += 3;
  } else if (s.startsWith('IP6 ', p)) {
    network = 'ip6'; p += 4;
  } else if (s.startsWith('ARP, ', p)) {
    network = 'arp'; p += 5;
  } else if (stamp !== undefined) {
    return finishOther(pk, s, p, true);
  } else {
    return 'not a tcpdump packet line';
  }
  if (network === 'arp') {
    pk.network = 'arp';
    pk.protocol = 'arp';
    pk.arp = parseArp(s, p);
    const len = trailingLength(s, p);
    if (len !== undefined) pk.length = len;
    if (pk.arp.op === 'other') pk.info = s.slice(p);
    return pk;
  }
  if (network === 'other') return finishOther(pk, s, p, true, network);
  pk.network = network;
  return parseIp(pk, s, p, intern);
}

function direction(s: string, i: number): CaptureDirection | undefined {
  const c = s.charCodeAt(i);
  const n = s.charCodeAt(i + 1);
  const end = (k: number) => { const e = s.charCodeAt(i + k); return e === 32 || Number.isNaN(e); };
  if (c === 80 && end(1)) return 'P';
  if (c === 66 && end(1)) return 'B';
  if (c === 77 && end(1)) return 'M';
  if (c === 73 && n === 110 && end(2)) return 'In';
  if (c === 79 && n === 117 && s.charCodeAt(i + 2) === 116 && end(3)) return 'Out';
  return undefined;
}

function finishOther(pk: Packet, s: string, p: number, isPacket: boolean, network: Packet['network'] = 'other'): Packet | string {
  if (!isPacket) return 'not a tcpdump packet line';
  pk.network = network;
  pk.protocol = 'other';
  pk.info = s.slice(p);
  return pk;
}

function parseIp(pk: Packet, s: string, p: number, intern: Interner): Packet | string {
  let proto: string | undefined;
  if (s.charCodeAt(p) === 40) {
    // -v header: `(tos 0x0, ttl 64, id 8860, offset 0, flags [DF], proto ICMP (1), length 84)`
    let depth = 0;
    let q = p;
    for (; q < s.length; q++) {
      const c = s.charCodeAt(q);
      if (c === 40) depth++;
      else if (c === 41 && --depth === 0) break;
    }
    const header = s.slice(p + 1, q);
    const ttl = /\b(?:ttl|hlim) (\d+)/.exec(header);
    if (ttl) pk.ttl = Number(ttl[1]);
    const id = /\bid (\d+)/.exec(header);
    if (id) pk.ipId = Number(id[1]);
    const pr = /\b(?:proto|next-header) (\w+)/.exec(header);
    if (pr) proto = pr[1];
    p = skipSpaces(s, q + 1);
  }
  const gt = s.indexOf(' > ', p);
  if (gt < 0) return pk.time !== undefined ? finishOther(pk, s, p, true, pk.network) : 'no "SRC > DST" in an IP line';
  let colon = s.indexOf(': ', gt + 3);
  let payloadAt: number;
  if (colon < 0) {
    if (s.charCodeAt(s.length - 1) !== 58) return pk.time !== undefined ? finishOther(pk, s, p, true, pk.network) : 'no ":" after the destination';
    colon = s.length - 1;
    payloadAt = s.length;
  } else payloadAt = colon + 2;
  const srcText = s.slice(p, gt);
  const dstText = s.slice(gt + 3, colon);
  // what the payload says decides whether the endpoints carry ports
  let q = payloadAt;
  if (s.charCodeAt(q) === 91) { // [udp sum ok] / [bad udp cksum ...] / [icmp6 sum ok]
    const close = s.indexOf('] ', q);
    if (close > 0) q = close + 2;
  }
  if (s.startsWith('HBH ', q)) q += 4;
  let kind: 'tcp' | 'udp' | 'icmp' | 'other';
  if (s.startsWith('Flags [', q)) kind = 'tcp';
  else if (s.startsWith('ICMP', q)) kind = 'icmp';
  else if (proto === 'TCP') kind = 'tcp';
  else if (proto === 'UDP') kind = 'udp';
  else if (proto === 'ICMP' || proto === 'ICMPv6') kind = 'icmp';
  else kind = hasPort(srcText) && hasPort(dstText) ? 'udp' : 'other';
  const withPort = kind === 'tcp' || kind === 'udp' ? true : kind === 'icmp' ? false : undefined;
  pk.src = cachedEndpoint(srcText, withPort, intern);
  pk.dst = cachedEndpoint(dstText, withPort, intern);
  if (kind === 'tcp') {
    pk.protocol = 'tcp';
    const tcp = s.startsWith('Flags [', q) ? parseTcp(s, q, intern) : undefined;
    if (tcp) {
      pk.tcp = tcp;
      if (TCP_LENGTH !== undefined) pk.length = TCP_LENGTH;
    } else pk.info = s.slice(q);
    return pk;
  }
  if (kind === 'icmp') {
    const six = s.startsWith('ICMP6', q);
    pk.protocol = six || pk.network === 'ip6' ? 'icmp6' : 'icmp';
    if (s.startsWith('ICMP', q)) {
      pk.icmp = parseIcmp(s, q + (six ? 5 : 4), intern);
      const len = trailingLength(s, q);
      if (len !== undefined) pk.length = len;
    } else pk.info = s.slice(q);
    return pk;
  }
  if (kind === 'udp') {
    pk.protocol = 'udp';
    if (s.startsWith('UDP, length ', q)) {
      const n = readUint(s, q + 12);
      if (!Number.isNaN(n)) pk.length = n;
      return pk;
    }
    if (s.startsWith('OTV, ', q) || s.startsWith('VXLAN, ', q)) {
      const key = s.startsWith('OTV, ', q) ? 'instance ' : 'vni ';
      const at = s.indexOf(key, q);
      if (at > 0) { const v = readUint(s, at + key.length); if (!Number.isNaN(v)) pk.vni = v; }
      pk.info = s.slice(q);
      return pk;
    }
    const sp = pk.src.port;
    const dp = pk.dst.port;
    if (sp === 53 || dp === 53 || sp === 5353 || dp === 5353) {
      const dns = parseDns(s, q);
      if (dns) {
        pk.dns = dns;
        return pk;
      }
    }
    pk.info = s.slice(q);
    return pk;
  }
  pk.protocol = 'other';
  pk.info = s.slice(q);
  return pk;
}

/** Whether printed `host.port` text ends with a port (numeric, or a name after an IPv4/IPv6 host). */
function hasPort(text: string): boolean {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return false;
  const c = text.charCodeAt(dot + 1);
  if (c >= 48 && c <= 57) return true;
  return isServiceName(text.slice(dot + 1)) || text.indexOf(':') >= 0 || isIPv4(text.slice(0, dot));
}
