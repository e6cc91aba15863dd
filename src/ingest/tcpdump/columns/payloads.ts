import { at, charE, END, findE, isMacAtE, isSpace, lastFindE, readUintE, skipSpacesE, wordEndE } from './bounded';
import { ARP_OTHER, ARP_REPLY, ARP_REQUEST, HAS } from './chunk';
import { isDigit } from '../scan';
import type { RecordScanner } from './recordScanner';

/**
 * What follows the addresses, read into the row the scanner is writing: TCP flags and numbers,
 * DNS questions and answers, ICMP types, ARP operations, and the trailing `length N`.
 */

const RCODES = [
  'NXDomain',
  'ServFail',
  'Refused',
  'FormErr',
  'NotImp',
  'YXDomain',
  'YXRRSet',
  'NXRRSet',
  'NotAuth',
  'NotZone',
  'BadVers',
];
const RR_TYPES = new Set([
  'A',
  'AAAA',
  'CNAME',
  'PTR',
  'SRV',
  'TXT',
  'MX',
  'NS',
  'SOA',
  'OPT',
  'HINFO',
  'CAA',
  'DS',
  'DNSKEY',
  'RRSIG',
  'NSEC',
  'NSEC3',
  'HTTPS',
  'SVCB',
]);
export type DnsAnswer = { type: string; data: string };

/** `length N` as the last field of a summary (TCP/UDP/ICMP/ARP print it there). */
export function trailingLength(w: RecordScanner, s: string, from: number, e: number): void {
  const k = lastFindE(s, 'length ', from, e);
  if (k < 0) return;
  const n = readUintE(s, k + 7, e);
  if (n >= 0) w.plus1(w.c.length, 0, n);
}

/**
 * `Flags [P.], [cksum 0x.. (correct), ]seq 1:95, ack 1, win 507, options [mss 1410,...], length 94[: HTTP: GET / HTTP/1.1]`
 * `p` points at `Flags [`. False when the flags never close.
 */
export function readTcp(w: RecordScanner, s: string, p: number, e: number): boolean {
  const close = findE(s, ']', p + 7, e);
  if (close < 0) return false;
  const c = w.c;
  const i = w.i;
  c.has[i] |= HAS.TCP;
  c.k1[i] = w.id(s, p + 7, close);
  let k = close + 1;
  while (k < e) {
    // each field: ", name value"
    if (s.charCodeAt(k) !== 44) break;
    k = skipSpacesE(s, k + 1, e);
    const ch = charE(s, k, e);
    if (ch === 115 && at(s, k, e, 'seq ')) {
      // seq a[:b]
      const a = readUintE(s, k + 4, e);
      if (a < 0) break;
      c.has[i] |= HAS.U1;
      w.u32(c.u1, 3, a);
      k = END;
      if (charE(s, k, e) === 58) {
        const b = readUintE(s, k + 1, e);
        if (b >= 0) {
          c.has[i] |= HAS.U2;
          w.u32(c.u2, 4, b);
          k = END;
        }
      }
    } else if (ch === 97 && at(s, k, e, 'ack ')) {
      const a = readUintE(s, k + 4, e);
      if (a < 0) break;
      c.has[i] |= HAS.U3;
      w.u32(c.u3, 5, a);
      k = END;
    } else if (ch === 119 && at(s, k, e, 'win ')) {
      const a = readUintE(s, k + 4, e);
      if (a < 0) break;
      c.has[i] |= HAS.U4;
      w.u32(c.u4, 6, a);
      k = END;
    } else if (ch === 111 && at(s, k, e, 'options [')) {
      // MPTCP options hold brackets of their own: `options [nop,...,mptcp 12 dss ack 1 flags [H]]`
      const end = closingBracket(s, k + 9, e);
      if (end < 0) break;
      c.a[i] = w.rel(k + 9);
      c.b[i] = w.rel(end);
      if (at(s, k + 9, e, 'mss ')) {
        // the digits stop at the closing bracket at the latest
        const m = readUintE(s, k + 13, e);
        if (m >= 0) {
          c.has[i] |= HAS.U5;
          w.u32(c.u5, 7, m);
        }
      }
      k = end + 1;
    } else if (ch === 108 && at(s, k, e, 'length ')) {
      const n = readUintE(s, k + 7, e);
      if (n < 0) break;
      w.plus1(c.length, 0, n);
      k = END;
      // `length 94: HTTP: GET / HTTP/1.1` or `length 74: HTTP, length: 74` (-v, request on the next line)
      if (at(s, k, e, ': HTTP: ')) c.c[i] = w.rel(k + 8);
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

/** The `]` that closes a `[` opened just before p, past nested pairs; -1 when the line ends first. */
function closingBracket(s: string, p: number, e: number): number {
  let depth = 0;
  for (let k = p; k < e; k++) {
    const c = s.charCodeAt(k);
    if (c === 91) depth++;
    else if (c === 93) {
      if (depth === 0) return k;
      depth--;
    }
  }
  return -1;
}

/**
 * DNS summaries as tcpdump prints them after `src > dst: `:
 *   query    `12345+ [1au] A? a-app.default.svc.cluster.local. (49)`
 *   response `12345*- 3/0/0 A 10.244.0.150, A 10.244.0.151 (108)`, `12345 NXDomain*- 0/1/0 (104)`
 *   -v       `12345*- q: A? name. 1/0/0 name. [30s] A 10.103.129.86 (98)`
 * False (and nothing written) when it is not one.
 */
export function readDns(w: RecordScanner, s: string, p: number, e: number): boolean {
  const id = readUintE(s, p, e);
  if (id < 0 || id > 65535) return false;
  let k = END;
  // flag characters glued to the id
  const flagsAt = k;
  while (k < e) {
    const ch = s.charCodeAt(k);
    if (ch === 32) break;
    if (ch === 43 || ch === 42 || ch === 45 || ch === 124 || ch === 36 || ch === 33 || ch === 37) {
      k++;
      continue;
    }
    return false;
  }
  const c = w.c;
  const i = w.i;
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
    if (ch === 91) {
      k = skipSpacesE(s, we, e);
      continue;
    } // [1au], [b2&3=0x..]
    const rcode = rcodeAt(s, k, we);
    if (rcode !== undefined && we - k === rcode.length) {
      c.k4[i] = w.strings.str(rcode) + 1;
      response = true;
      k = skipSpacesE(s, we, e);
      continue;
    }
    const n = we - k;
    if (
      (n > 1 && ch === 42) ||
      (n === 1 && ch === 45) ||
      (n === 2 && ch === 42 && s.charCodeAt(k + 1) === 45) ||
      (n === 1 && ch === 124)
    ) {
      // flags printed after an rcode: `NXDomain*-`
      flags = (flags ?? '') + s.slice(k, we);
      k = skipSpacesE(s, we, e);
      continue;
    }
    if (n === 2 && ch === 113 && s.charCodeAt(k + 1) === 58) {
      response = true;
      k = skipSpacesE(s, we, e);
      continue;
    } // q:
    if (n > 0 && s.charCodeAt(we - 1) === 63 && !sawQuestion) {
      sawQuestion = true;
      c.k2[i] = w.id(s, k, we - 1);
      const ns = skipSpacesE(s, we, e);
      const ne = wordEndE(s, ns, e);
      if (ns < e && s.charCodeAt(ns) !== 40) {
        c.k3[i] = w.id(s, ns, ne);
        k = skipSpacesE(s, ne, e);
      } else k = ns;
      continue;
    }
    if (isDigit(ch) && countsAt(s, k, we)) {
      const a = findE(s, '/', k, we);
      const b = findE(s, '/', a + 1, we);
      const f = findE(s, '/', b + 1, we);
      c.has[i] |= HAS.U2 | HAS.U3 | HAS.U4;
      w.u32(c.u2, 4, Number(s.slice(k, a)));
      w.u32(c.u3, 5, Number(s.slice(a + 1, b)));
      w.u32(c.u4, 6, Number(s.slice(b + 1, f >= 0 ? f : we)));
      response = true;
      k = skipSpacesE(s, we, e);
      const answers = readAnswers(s, k, e);
      if (answers.list.length) w.answers.set(w.row, answers.list);
      k = answers.end;
      continue;
    }
    // an RCODE glued to flags (`NXDomain*-`)
    if (rcode !== undefined) {
      c.k4[i] = w.strings.str(rcode) + 1;
      response = true;
      if (we - k > rcode.length) flags = (flags ?? '') + s.slice(k + rcode.length, we);
      k = skipSpacesE(s, we, e);
      continue;
    }
    k = skipSpacesE(s, we, e);
  }
  if (flags !== undefined) c.k1[i] = w.strings.str(flags) + 1;
  if (response) c.has[i] |= HAS.FLAG;
  return true;
}

/**
 * `ICMP echo request, id 39, seq 0, length 64`, `ICMP 10.244.0.53 udp port 9999 unreachable, length 86`,
 * `ICMP time exceeded in-transit, length 92`, `ICMP6, echo request, id 1, seq 0, length 64`,
 * `ICMP6, neighbor solicitation, who has fd00::53, length 32`. `p` points after `ICMP`/`ICMP6`.
 */
export function readIcmp(w: RecordScanner, s: string, p: number, e: number): void {
  const c = w.c;
  const i = w.i;
  c.has[i] |= HAS.ICMP;
  let k = p;
  if (charE(s, k, e) === 44) k++;
  k = skipSpacesE(s, k, e);
  const comma = findE(s, ',', k, e);
  const headEnd = comma < 0 ? e : comma;
  let type: number;
  if (endsWithAt(s, k, headEnd, ' unreachable') || (at(s, k, e, 'destination unreachable') && headEnd - k >= 23)) {
    c.a[i] = w.rel(k);
    c.b[i] = w.rel(e);
    const head = s.slice(k, headEnd);
    const which =
      / (port|host|net|protocol|proto)\b/.exec(head) ??
      /unreachable (port|host|net|protocol|address|route)/.exec(s.slice(k, Math.min(k + 80, e)));
    type = w.strings.str(which ? `${which[1] === 'proto' ? 'protocol' : which[1]} unreachable` : 'unreachable');
  } else if (at(s, k, e, 'time exceeded') && headEnd - k >= 13) {
    type = w.strings.str('time exceeded');
    c.a[i] = w.rel(k);
    c.b[i] = w.rel(headEnd);
  } else type = w.strings.span(s, k, headEnd);
  c.k1[i] = type + 1;
  if (comma >= 0 && (type === w.echoRequest || type === w.echoReply)) {
    const idAt = findE(s, 'id ', comma, e);
    if (idAt > 0) {
      const v = readUintE(s, idAt + 3, e);
      if (v >= 0) {
        c.has[i] |= HAS.U1;
        w.u32(c.u1, 3, v);
      }
    }
    const seqAt = findE(s, 'seq ', comma, e);
    if (seqAt > 0) {
      const v = readUintE(s, seqAt + 4, e);
      if (v >= 0) {
        c.has[i] |= HAS.U2;
        w.u32(c.u2, 4, v);
      }
    }
  }
}

/**
 * `Request who-has 10.244.0.54 tell 10.244.0.53, length 28` (target, then sender),
 * `Reply 10.244.0.54 is-at ae:cb:f3:eb:3a:b9 (oui Unknown), length 28` (the sender and its MAC),
 * with -v prefixed by `Ethernet (len 6), IPv4 (len 4), `. `p` points at the operation. Returns the operation.
 */
export function readArp(w: RecordScanner, s: string, p: number, e: number): number {
  const c = w.c;
  const i = w.i;
  c.has[i] |= HAS.ARP | HAS.U1;
  let k = p;
  if (!at(s, k, e, 'Request ') && !at(s, k, e, 'Reply ')) {
    // -v: after `Ethernet (len 6), IPv4 (len 4), ` (or `Unknown Hardware (N) (len 6), …`), the first `Request ` or `Reply `
    for (let r = findE(s, 'Re', k, e); r >= 0; r = findE(s, 'Re', r + 1, e)) {
      if (at(s, r, e, 'Request ') || at(s, r, e, 'Reply ')) {
        k = r;
        break;
      }
    }
  }
  if (at(s, k, e, 'Request who-has ')) {
    c.u1[i] = ARP_REQUEST;
    const ts = k + 16;
    const te = wordEndE(s, ts, e);
    c.k1[i] = w.id(s, ts, withoutComma(s, ts, te));
    const tell = findE(s, ' tell ', te, e);
    if (tell >= 0) c.k2[i] = w.id(s, tell + 6, withoutComma(s, tell + 6, wordEndE(s, tell + 6, e)));
    // `who-has X (MAC) tell Y`
    const paren = skipSpacesE(s, te, e);
    if (charE(s, paren, e) === 40 && isMacAtE(s, paren + 1, e)) c.k3[i] = w.id(s, paren + 1, paren + 18);
    return ARP_REQUEST;
  }
  if (at(s, k, e, 'Reply ')) {
    c.u1[i] = ARP_REPLY;
    // `Reply X is-at MAC`: X and MAC are the replying host's (the ARP sender); the asker is not printed.
    const ts = k + 6;
    const te = wordEndE(s, ts, e);
    c.k2[i] = w.id(s, ts, te);
    const is = findE(s, ' is-at ', te, e);
    if (is >= 0) {
      const m = is + 7;
      c.k3[i] = isMacAtE(s, m, e) ? w.id(s, m, m + 17) : w.id(s, m, withoutComma(s, m, wordEndE(s, m, e)));
    }
    return ARP_REPLY;
  }
  c.u1[i] = ARP_OTHER;
  return ARP_OTHER;
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
  for (const r of RCODES) if (at(s, a, b, r)) return r;
  return undefined;
}

/** `N/N/N`: digits and slashes, two slashes at least, no empty first parts, not ending in a slash. */
function countsAt(s: string, a: number, b: number): boolean {
  const x = findE(s, '/', a, b);
  if (x < 0) return false;
  const y = findE(s, '/', x + 1, b);
  if (x <= a || y < 0 || y >= b || y <= x + 1 || y === b - 1) return false;
  for (let k = a; k < b; k++) {
    const ch = s.charCodeAt(k);
    if (!(isDigit(ch) || ch === 47)) return false;
  }
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
    const type = we - w <= 6 && c >= 65 && c <= 90 ? s.slice(w, we) : '';
    if (RR_TYPES.has(type)) {
      // a type with nothing after it, and EDNS's OPT pseudo-record, are not answers
      if (we < b && type !== 'OPT') list.push({ type, data: s.slice(we + 1, b) });
      return;
    }
    w = we + 1;
  }
}
