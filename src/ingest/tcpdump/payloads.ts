import type { ArpInfo, DnsInfo, IcmpInfo, TcpInfo } from '../../model';
import { END, isDigit, isMacAt, readUint, skipSpaces, wordEnd, type Interner } from './scan';

/** `length N` as the last field of a summary (TCP/UDP/ICMP/ARP print it there). */
export function trailingLength(s: string, from: number): number | undefined {
  const k = s.lastIndexOf('length ');
  if (k < from) return undefined;
  const n = readUint(s, k + 7);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * `Flags [P.], [cksum 0x.. (correct), ]seq 1:95, ack 1, win 507, options [mss 1410,...], length 94[: HTTP: GET / HTTP/1.1]`
 * `p` points at `Flags [`. Returns the TCP info and sets `TCP_LENGTH`.
 */
export let TCP_LENGTH: number | undefined;
export function parseTcp(s: string, p: number, intern: Interner): TcpInfo | undefined {
  const close = s.indexOf(']', p + 7);
  if (close < 0) return undefined;
  const tcp: TcpInfo = { flags: intern.get(s.slice(p + 7, close)) };
  TCP_LENGTH = undefined;
  let i = close + 1;
  while (i < s.length) {
    // each field: ", name value"
    if (s.charCodeAt(i) !== 44) break;
    i = skipSpaces(s, i + 1);
    const c = s.charCodeAt(i);
    if (c === 115 && s.startsWith('seq ', i)) { // seq a[:b]
      const a = readUint(s, i + 4);
      if (Number.isNaN(a)) break;
      tcp.seq = a;
      i = END;
      if (s.charCodeAt(i) === 58) {
        const b = readUint(s, i + 1);
        if (!Number.isNaN(b)) { tcp.seqEnd = b; i = END; }
      }
    } else if (c === 97 && s.startsWith('ack ', i)) {
      const a = readUint(s, i + 4);
      if (Number.isNaN(a)) break;
      tcp.ack = a;
      i = END;
    } else if (c === 119 && s.startsWith('win ', i)) {
      const a = readUint(s, i + 4);
      if (Number.isNaN(a)) break;
      tcp.win = a;
      i = END;
    } else if (c === 111 && s.startsWith('options [', i)) {
      const end = s.indexOf(']', i + 9);
      if (end < 0) break;
      const opts = s.slice(i + 9, end);
      tcp.options = opts;
      if (opts.startsWith('mss ')) {
        const m = readUint(opts, 4);
        if (!Number.isNaN(m)) tcp.mss = m;
      }
      i = end + 1;
    } else if (c === 108 && s.startsWith('length ', i)) {
      const n = readUint(s, i + 7);
      if (Number.isNaN(n)) break;
      TCP_LENGTH = n;
      i = END;
      // `length 94: HTTP: GET / HTTP/1.1` or `length 74: HTTP, length: 74` (-v, request on the next line)
      if (s.startsWith(': HTTP: ', i)) tcp.http = s.slice(i + 8).trim();
      else if (s.startsWith(': HTTP', i)) tcp.http = 'HTTP';
      break;
    } else {
      // cksum 0x1681 (incorrect -> 0x4a05), urg 1, sackOK ...: skip to the next top-level comma
      let depth = 0;
      while (i < s.length) {
        const d = s.charCodeAt(i);
        if (d === 40 || d === 91) depth++;
        else if (d === 41 || d === 93) depth--;
        else if (d === 44 && depth <= 0) break;
        i++;
      }
    }
  }
  return tcp;
}

const RCODES = new Set(['NXDomain', 'ServFail', 'Refused', 'FormErr', 'NotImp', 'YXDomain', 'YXRRSet', 'NXRRSet', 'NotAuth', 'NotZone', 'BadVers']);

/**
 * DNS summaries as tcpdump prints them after `src > dst: `:
 *   query    `12345+ [1au] A? a-app.default.svc.cluster.local. (49)`
 *   response `12345*- 3/0/0 A 10.244.0.150, A 10.244.0.151 (108)`, `12345 NXDomain*- 0/1/0 (104)`
 *   -v       `12345*- q: A? name. 1/0/0 name. [30s] A 10.103.129.86 (98)`
 */
export function parseDns(s: string, p: number): DnsInfo | undefined {
  const id = readUint(s, p);
  if (Number.isNaN(id) || id > 65535) return undefined;
  let i = END;
  // flag characters glued to the id
  let flags = '';
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32) break;
    if (c === 43 || c === 42 || c === 45 || c === 124 || c === 36 || c === 33 || c === 37) { flags += s[i]; i++; continue; }
    return undefined;
  }
  const dns: DnsInfo = { id, response: false };
  if (flags) dns.flags = flags;
  i = skipSpaces(s, i);
  let sawQuestion = false;
  while (i < s.length) {
    const we = wordEnd(s, i);
    const c = s.charCodeAt(i);
    if (c === 40) break; // (len)
    if (c === 91) { i = skipSpaces(s, we); continue; } // [1au], [b2&3=0x..]
    const w = s.slice(i, we);
    if (RCODES.has(w)) { dns.rcode = w; dns.response = true; i = skipSpaces(s, we); continue; }
    if (w.length > 1 && w.charCodeAt(0) === 42 || w === '-' || w === '*-' || w === '|') {
      // flags printed after an rcode: `NXDomain*-`
      dns.flags = (dns.flags ?? '') + w; i = skipSpaces(s, we); continue;
    }
    if (w === 'q:') { dns.response = true; i = skipSpaces(s, we); continue; }
    if (w.endsWith('?') && !sawQuestion) {
      sawQuestion = true;
      dns.qtype = w.slice(0, -1);
      const ne = wordEnd(s, skipSpaces(s, we));
      const ns = skipSpaces(s, we);
      if (ns < s.length && s.charCodeAt(ns) !== 40) { dns.qname = s.slice(ns, ne); i = skipSpaces(s, ne); } else i = ns;
      continue;
    }
    if (isDigit(c) && countsAt(w)) {
      const parts = w.split('/');
      dns.counts = [Number(parts[0]), Number(parts[1]), Number(parts[2])];
      dns.response = true;
      i = skipSpaces(s, we);
      const answers = readAnswers(s, i);
      if (answers.list.length) dns.answers = answers.list;
      i = answers.end;
      continue;
    }
    // an RCODE glued to flags (`NXDomain*-`)
    const rc = [...RCODES].find((r) => w.startsWith(r));
    if (rc) { dns.rcode = rc; dns.response = true; if (w.length > rc.length) dns.flags = (dns.flags ?? '') + w.slice(rc.length); i = skipSpaces(s, we); continue; }
    i = skipSpaces(s, we);
  }
  return dns;
}

function countsAt(w: string): boolean {
  const a = w.indexOf('/');
  const b = w.indexOf('/', a + 1);
  if (a <= 0 || b <= a + 1 || b === w.length - 1) return false;
  for (let k = 0; k < w.length; k++) { const c = w.charCodeAt(k); if (!(isDigit(c) || c === 47)) return false; }
  return true;
}

const RR_TYPES = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'TXT', 'MX', 'NS', 'SOA', 'OPT', 'HINFO', 'CAA', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'SVCB']);

/** `A 10.244.0.150, A 10.244.0.151` (also `name. [30s] A 10.103.129.86` with -v) up to ` (len)`. */
function readAnswers(s: string, i: number): { list: { type: string; data: string }[]; end: number } {
  const list: { type: string; data: string }[] = [];
  let end = s.lastIndexOf(' (');
  if (end < i) end = s.length;
  let body = s.slice(i, end);
  // -vv appends the authority/additional sections: `... ns: ... ar: . OPT UDPsize=1232`
  const sect = body.search(/ (?:ns|ar): /);
  if (sect >= 0) body = body.slice(0, sect);
  for (const raw of body.split(', ')) {
    const words = raw.trim().split(' ');
    const t = words.findIndex((w) => RR_TYPES.has(w));
    if (t < 0 || t === words.length - 1 && words[t] !== 'OPT') continue;
    if (words[t] === 'OPT') continue; // EDNS pseudo-record, not an answer
    list.push({ type: words[t], data: words.slice(t + 1).join(' ') });
  }
  return { list, end };
}

/**
 * `ICMP echo request, id 39, seq 0, length 64`, `ICMP 10.244.0.53 udp port 9999 unreachable, length 86`,
 * `ICMP time exceeded in-transit, length 92`, `ICMP6, echo request, id 1, seq 0, length 64`,
 * `ICMP6, neighbor solicitation, who has fd00::53, length 32`. `p` points after `ICMP`/`ICMP6`.
 */
export function parseIcmp(s: string, p: number, intern: Interner): IcmpInfo {
  let i = p;
  if (s.charCodeAt(i) === 44) i++;
  i = skipSpaces(s, i);
  const comma = s.indexOf(',', i);
  const head = comma < 0 ? s.slice(i) : s.slice(i, comma);
  let type = head;
  let detail: string | undefined;
  if (head.endsWith(' unreachable') || head.startsWith('destination unreachable')) {
    detail = comma < 0 ? head : s.slice(i);
    const which = / (port|host|net|protocol|proto)\b/.exec(head) ?? /unreachable (port|host|net|protocol|address|route)/.exec(s.slice(i, i + 80));
    type = which ? `${which[1] === 'proto' ? 'protocol' : which[1]} unreachable` : 'unreachable';
  } else if (head.startsWith('time exceeded')) {
    type = 'time exceeded';
    detail = head;
  }
  const icmp: IcmpInfo = { type: intern.get(type) };
  if (detail !== undefined) icmp.detail = detail;
  if (comma >= 0 && (type === 'echo request' || type === 'echo reply')) {
    const idAt = s.indexOf('id ', comma);
    if (idAt > 0) { const v = readUint(s, idAt + 3); if (!Number.isNaN(v)) icmp.id = v; }
    const seqAt = s.indexOf('seq ', comma);
    if (seqAt > 0) { const v = readUint(s, seqAt + 4); if (!Number.isNaN(v)) icmp.seq = v; }
  }
  return icmp;
}

/**
 * `Request who-has 10.244.0.54 tell 10.244.0.53, length 28`, `Reply 10.244.0.54 is-at ae:cb:f3:eb:3a:b9 (oui Unknown), length 28`,
 * with -v prefixed by `Ethernet (len 6), IPv4 (len 4), `. `p` points at the operation.
 */
export function parseArp(s: string, p: number): ArpInfo {
  let i = p;
  if (s.startsWith('Ethernet (', i)) {
    const r = s.indexOf('Request ', i);
    const q = s.indexOf('Reply ', i);
    i = r >= 0 && (q < 0 || r < q) ? r : q >= 0 ? q : i;
  }
  if (s.startsWith('Request who-has ', i)) {
    const ts = i + 16;
    const te = wordEnd(s, ts);
    const arp: ArpInfo = { op: 'request', targetIp: trimComma(s.slice(ts, te)) };
    const tell = s.indexOf(' tell ', te);
    if (tell >= 0) arp.senderIp = trimComma(s.slice(tell + 6, wordEnd(s, tell + 6)));
    // `who-has X (MAC) tell Y`
    const paren = skipSpaces(s, te);
    if (s.charCodeAt(paren) === 40 && isMacAt(s, paren + 1)) arp.mac = s.slice(paren + 1, paren + 18);
    return arp;
  }
  if (s.startsWith('Reply ', i)) {
    const ts = i + 6;
    const te = wordEnd(s, ts);
    const arp: ArpInfo = { op: 'reply', targetIp: s.slice(ts, te) };
    const at = s.indexOf(' is-at ', te);
    if (at >= 0) {
      const m = at + 7;
      arp.mac = isMacAt(s, m) ? s.slice(m, m + 17) : trimComma(s.slice(m, wordEnd(s, m)));
    }
    return arp;
  }
  return { op: 'other' };
}

function trimComma(w: string): string {
  return w.charCodeAt(w.length - 1) === 44 ? w.slice(0, -1) : w;
}
