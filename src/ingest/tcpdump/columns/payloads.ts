import { at, charE, END, findE, isMacAtE, isSpace, lastFindE, readUintE, skipSpacesE, wordEndE } from './bounded';
import {
  ARP_OP,
  ARP_OTHER,
  ARP_REPLY,
  ARP_REQUEST,
  DNS_ADDITIONALS,
  DNS_ANSWERS,
  DNS_AUTHORITIES,
  DNS_ID,
  HAS,
  ICMP_ID,
  ICMP_SEQ,
  LENGTH_SLOT,
  TCP_ACK,
  TCP_MSS,
  TCP_SEQ,
  TCP_SEQ_END,
  TCP_WIN,
} from './chunk';
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
export function trailingLength(scanner: RecordScanner, text: string, from: number, end: number): void {
  const found = lastFindE(text, 'length ', from, end);
  if (found < 0) return;
  const value = readUintE(text, found + 7, end);
  if (value >= 0) scanner.plus1(scanner.c.length, 0, value);
}

/**
 * `Flags [P.], [cksum 0x.. (correct), ]seq 1:95, ack 1, win 507, options [mss 1410,...],
 * length 94[: HTTP: GET / HTTP/1.1]`
 * `start` points at `Flags [`. False when the flags never close.
 */
export function readTcp(scanner: RecordScanner, text: string, start: number, end: number): boolean {
  const close = findE(text, ']', start + 7, end);
  if (close < 0) return false;
  const chunk = scanner.c;
  const slot = scanner.i;
  chunk.has[slot] |= HAS.TCP;
  chunk.tcpFlags[slot] = scanner.id(text, start + 7, close);
  let cursor = close + 1;
  while (cursor < end) {
    // each field: ", name value"
    if (text.charCodeAt(cursor) !== 44) break;
    cursor = skipSpacesE(text, cursor + 1, end);
    const ch = charE(text, cursor, end);
    if (ch === 115 && at(text, cursor, end, 'seq ')) {
      // seq a[:b]
      const seq = readUintE(text, cursor + 4, end);
      if (seq < 0) break;
      scanner.u32(chunk.tcpSeq, TCP_SEQ, seq);
      cursor = END;
      if (charE(text, cursor, end) === 58) {
        const seqEnd = readUintE(text, cursor + 1, end);
        if (seqEnd >= 0) {
          scanner.u32(chunk.tcpSeqEnd, TCP_SEQ_END, seqEnd);
          cursor = END;
        }
      }
    } else if (ch === 97 && at(text, cursor, end, 'ack ')) {
      const ack = readUintE(text, cursor + 4, end);
      if (ack < 0) break;
      scanner.u32(chunk.tcpAck, TCP_ACK, ack);
      cursor = END;
    } else if (ch === 119 && at(text, cursor, end, 'win ')) {
      const win = readUintE(text, cursor + 4, end);
      if (win < 0) break;
      scanner.u32(chunk.tcpWin, TCP_WIN, win);
      cursor = END;
    } else if (ch === 111 && at(text, cursor, end, 'options [')) {
      // MPTCP options hold brackets of their own: `options [nop,...,mptcp 12 dss ack 1 flags [H]]`
      const optionsEnd = closingBracket(text, cursor + 9, end);
      if (optionsEnd < 0) break;
      chunk.tcpOptionsFrom[slot] = scanner.rel(cursor + 9);
      chunk.tcpOptionsTo[slot] = scanner.rel(optionsEnd);
      if (at(text, cursor + 9, end, 'mss ')) {
        // the digits stop at the closing bracket at the latest
        const mss = readUintE(text, cursor + 13, end);
        if (mss >= 0) scanner.u32(chunk.tcpMss, TCP_MSS, mss);
      }
      cursor = optionsEnd + 1;
    } else if (ch === 108 && at(text, cursor, end, 'length ')) {
      const value = readUintE(text, cursor + 7, end);
      if (value < 0) break;
      scanner.plus1(chunk.length, LENGTH_SLOT, value);
      cursor = END;
      // `length 94: HTTP: GET / HTTP/1.1` or `length 74: HTTP, length: 74` (-v, request on the next line)
      if (at(text, cursor, end, ': HTTP: ')) chunk.tcpHttpFrom[slot] = scanner.rel(cursor + 8);
      else if (at(text, cursor, end, ': HTTP')) chunk.has[slot] |= HAS.TCP_HTTP_ON_NEXT_LINE;
      break;
    } else {
      // cksum 0x1681 (incorrect -> 0x4a05), urg 1, sackOK ...: skip to the next top-level comma
      let depth = 0;
      while (cursor < end) {
        const code = text.charCodeAt(cursor);
        if (code === 40 || code === 91) depth++;
        else if (code === 41 || code === 93) depth--;
        else if (code === 44 && depth <= 0) break;
        cursor++;
      }
    }
  }
  return true;
}

/** The `]` that closes a `[` opened just before p, past nested pairs; -1 when the line ends first. */
function closingBracket(text: string, start: number, end: number): number {
  let depth = 0;
  for (let k = start; k < end; k++) {
    const code = text.charCodeAt(k);
    if (code === 91) depth++;
    else if (code === 93) {
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
export function readDns(scanner: RecordScanner, text: string, start: number, end: number): boolean {
  const id = readUintE(text, start, end);
  if (id < 0 || id > 65535) return false;
  let cursor = END;
  // flag characters glued to the id
  const flagsAt = cursor;
  while (cursor < end) {
    const ch = text.charCodeAt(cursor);
    if (ch === 32) break;
    if (ch === 43 || ch === 42 || ch === 45 || ch === 124 || ch === 36 || ch === 33 || ch === 37) {
      cursor++;
      continue;
    }
    return false;
  }
  const chunk = scanner.c;
  const slot = scanner.i;
  let flags = cursor > flagsAt ? text.slice(flagsAt, cursor) : undefined;
  let response = false;
  chunk.has[slot] |= HAS.DNS | DNS_ID.bit;
  chunk.dnsId[slot] = id;
  cursor = skipSpacesE(text, cursor, end);
  let sawQuestion = false;
  while (cursor < end) {
    const we = wordEndE(text, cursor, end);
    const ch = text.charCodeAt(cursor);
    if (ch === 40) break; // (len)
    if (ch === 91) {
      cursor = skipSpacesE(text, we, end);
      continue;
    } // [1au], [b2&3=0x..]
    const rcode = rcodeAt(text, cursor, we);
    if (rcode !== undefined && we - cursor === rcode.length) {
      chunk.dnsRcode[slot] = scanner.strings.str(rcode) + 1;
      response = true;
      cursor = skipSpacesE(text, we, end);
      continue;
    }
    const wordLength = we - cursor;
    if (
      (wordLength > 1 && ch === 42) ||
      (wordLength === 1 && ch === 45) ||
      (wordLength === 2 && ch === 42 && text.charCodeAt(cursor + 1) === 45) ||
      (wordLength === 1 && ch === 124)
    ) {
      // flags printed after an rcode: `NXDomain*-`
      flags = (flags ?? '') + text.slice(cursor, we);
      cursor = skipSpacesE(text, we, end);
      continue;
    }
    if (wordLength === 2 && ch === 113 && text.charCodeAt(cursor + 1) === 58) {
      response = true;
      cursor = skipSpacesE(text, we, end);
      continue;
    } // q:
    if (wordLength > 0 && text.charCodeAt(we - 1) === 63 && !sawQuestion) {
      sawQuestion = true;
      chunk.dnsQtype[slot] = scanner.id(text, cursor, we - 1);
      const ns = skipSpacesE(text, we, end);
      const ne = wordEndE(text, ns, end);
      if (ns < end && text.charCodeAt(ns) !== 40) {
        chunk.dnsQname[slot] = scanner.id(text, ns, ne);
        cursor = skipSpacesE(text, ne, end);
      } else cursor = ns;
      continue;
    }
    if (isDigit(ch) && countsAt(text, cursor, we)) {
      const firstSlash = findE(text, '/', cursor, we);
      const secondSlash = findE(text, '/', firstSlash + 1, we);
      const thirdSlash = findE(text, '/', secondSlash + 1, we);
      scanner.u32(chunk.dnsAnswers, DNS_ANSWERS, Number(text.slice(cursor, firstSlash)));
      scanner.u32(chunk.dnsAuthorities, DNS_AUTHORITIES, Number(text.slice(firstSlash + 1, secondSlash)));
      scanner.u32(
        chunk.dnsAdditionals,
        DNS_ADDITIONALS,
        Number(text.slice(secondSlash + 1, thirdSlash >= 0 ? thirdSlash : we)),
      );
      response = true;
      cursor = skipSpacesE(text, we, end);
      const answers = readAnswers(text, cursor, end);
      if (answers.list.length) scanner.answers.set(scanner.row, answers.list);
      cursor = answers.end;
      continue;
    }
    // an RCODE glued to flags (`NXDomain*-`)
    if (rcode !== undefined) {
      chunk.dnsRcode[slot] = scanner.strings.str(rcode) + 1;
      response = true;
      if (we - cursor > rcode.length) flags = (flags ?? '') + text.slice(cursor + rcode.length, we);
      cursor = skipSpacesE(text, we, end);
      continue;
    }
    cursor = skipSpacesE(text, we, end);
  }
  if (flags !== undefined) chunk.dnsFlags[slot] = scanner.strings.str(flags) + 1;
  if (response) chunk.has[slot] |= HAS.DNS_RESPONSE;
  return true;
}

/**
 * `ICMP echo request, id 39, seq 0, length 64`, `ICMP 10.244.0.53 udp port 9999 unreachable, length 86`,
 * `ICMP host 192.0.2.2 unreachable - admin prohibited, length 38` (test/fixtures/tcpdump/icmp-reject.txt),
 * `ICMP time exceeded in-transit, length 92`, `ICMP6, echo request, id 1, seq 0, length 64`,
 * `ICMP6, neighbor solicitation, who has fd00::53, length 32`. `p` points after `ICMP`/`ICMP6`.
 */
export function readIcmp(scanner: RecordScanner, text: string, start: number, end: number): void {
  const chunk = scanner.c;
  const slot = scanner.i;
  chunk.has[slot] |= HAS.ICMP;
  let cursor = start;
  if (charE(text, cursor, end) === 44) cursor++;
  cursor = skipSpacesE(text, cursor, end);
  const comma = findE(text, ',', cursor, end);
  const headEnd = comma < 0 ? end : comma;
  let type: number;
  if (
    endsWithAt(text, cursor, headEnd, ' unreachable') ||
    // A REJECT's prohibited codes: `host 192.0.2.2 unreachable - admin prohibited[ filter]`.
    findE(text, ' unreachable - ', cursor, headEnd) >= 0 ||
    (at(text, cursor, end, 'destination unreachable') && headEnd - cursor >= 23)
  ) {
    chunk.icmpDetailFrom[slot] = scanner.rel(cursor);
    chunk.icmpDetailTo[slot] = scanner.rel(end);
    const head = text.slice(cursor, headEnd);
    const which = (
      / (?<what>port|host|net|protocol|proto)\b/.exec(head) ??
      /unreachable (?<what>port|host|net|protocol|address|route)/.exec(text.slice(cursor, Math.min(cursor + 80, end)))
    )?.groups?.what;
    type = scanner.strings.str(which ? `${which === 'proto' ? 'protocol' : which} unreachable` : 'unreachable');
  } else if (at(text, cursor, end, 'time exceeded') && headEnd - cursor >= 13) {
    type = scanner.strings.str('time exceeded');
    chunk.icmpDetailFrom[slot] = scanner.rel(cursor);
    chunk.icmpDetailTo[slot] = scanner.rel(headEnd);
  } else type = scanner.strings.span(text, cursor, headEnd);
  chunk.icmpType[slot] = type + 1;
  if (comma >= 0 && (type === scanner.echoRequest || type === scanner.echoReply)) {
    const idAt = findE(text, 'id ', comma, end);
    if (idAt > 0) {
      const value = readUintE(text, idAt + 3, end);
      if (value >= 0) scanner.u32(chunk.icmpId, ICMP_ID, value);
    }
    const seqAt = findE(text, 'seq ', comma, end);
    if (seqAt > 0) {
      const value = readUintE(text, seqAt + 4, end);
      if (value >= 0) scanner.u32(chunk.icmpSeq, ICMP_SEQ, value);
    }
  }
}

/**
 * `Request who-has 10.244.0.54 tell 10.244.0.53, length 28` (target, then sender),
 * `Reply 10.244.0.54 is-at ae:cb:f3:eb:3a:b9 (oui Unknown), length 28` (the sender and its MAC),
 * with -v prefixed by `Ethernet (len 6), IPv4 (len 4), `. `p` points at the operation. Returns the operation.
 */
export function readArp(scanner: RecordScanner, text: string, start: number, end: number): number {
  const chunk = scanner.c;
  const slot = scanner.i;
  chunk.has[slot] |= HAS.ARP | ARP_OP.bit;
  let cursor = start;
  if (!at(text, cursor, end, 'Request ') && !at(text, cursor, end, 'Reply ')) {
    // -v: after `Ethernet (len 6), IPv4 (len 4), ` (or `Unknown Hardware (N) (len 6), …`), the first `Request ` or
    // `Reply `
    for (let r = findE(text, 'Re', cursor, end); r >= 0; r = findE(text, 'Re', r + 1, end)) {
      if (at(text, r, end, 'Request ') || at(text, r, end, 'Reply ')) {
        cursor = r;
        break;
      }
    }
  }
  if (at(text, cursor, end, 'Request who-has ')) {
    chunk.arpOp[slot] = ARP_REQUEST;
    const ts = cursor + 16;
    const te = wordEndE(text, ts, end);
    chunk.arpTarget[slot] = scanner.id(text, ts, withoutComma(text, ts, te));
    const tell = findE(text, ' tell ', te, end);
    if (tell >= 0)
      chunk.arpSender[slot] = scanner.id(text, tell + 6, withoutComma(text, tell + 6, wordEndE(text, tell + 6, end)));
    // `who-has X (MAC) tell Y`
    const paren = skipSpacesE(text, te, end);
    if (charE(text, paren, end) === 40 && isMacAtE(text, paren + 1, end))
      chunk.arpMac[slot] = scanner.id(text, paren + 1, paren + 18);
    return ARP_REQUEST;
  }
  if (at(text, cursor, end, 'Reply ')) {
    chunk.arpOp[slot] = ARP_REPLY;
    // `Reply X is-at MAC`: X and MAC are the replying host's (the ARP sender); the asker is not printed.
    const ts = cursor + 6;
    const te = wordEndE(text, ts, end);
    chunk.arpSender[slot] = scanner.id(text, ts, te);
    const is = findE(text, ' is-at ', te, end);
    if (is >= 0) {
      const macAt = is + 7;
      chunk.arpMac[slot] = isMacAtE(text, macAt, end)
        ? scanner.id(text, macAt, macAt + 17)
        : scanner.id(text, macAt, withoutComma(text, macAt, wordEndE(text, macAt, end)));
    }
    return ARP_REPLY;
  }
  chunk.arpOp[slot] = ARP_OTHER;
  return ARP_OTHER;
}

/** Whether s[from, end) ends with `suffix`. */
function endsWithAt(text: string, from: number, end: number, suffix: string): boolean {
  return end - from >= suffix.length && text.startsWith(suffix, end - suffix.length);
}

function withoutComma(text: string, from: number, to: number): number {
  return to > from && text.charCodeAt(to - 1) === 44 ? to - 1 : to;
}

/** The RCODE a word starts with, if any. */
function rcodeAt(text: string, from: number, to: number): string | undefined {
  const ch = text.charCodeAt(from);
  if (!(ch >= 65 && ch <= 90)) return undefined;
  for (const rcode of RCODES) if (at(text, from, to, rcode)) return rcode;
  return undefined;
}

/** `N/N/N`: digits and slashes, two slashes at least, no empty first parts, not ending in a slash. */
function countsAt(text: string, from: number, to: number): boolean {
  const firstSlash = findE(text, '/', from, to);
  if (firstSlash < 0) return false;
  const secondSlash = findE(text, '/', firstSlash + 1, to);
  if (
    firstSlash <= from ||
    secondSlash < 0 ||
    secondSlash >= to ||
    secondSlash <= firstSlash + 1 ||
    secondSlash === to - 1
  )
    return false;
  for (let k = from; k < to; k++) {
    const ch = text.charCodeAt(k);
    if (!(isDigit(ch) || ch === 47)) return false;
  }
  return true;
}

/** `A 10.244.0.150, A 10.244.0.151` (also `name. [30s] A 10.103.129.86` with -v) up to ` (len)`. */
function readAnswers(text: string, start: number, end: number): { list: DnsAnswer[]; end: number } {
  const list: DnsAnswer[] = [];
  let answersEnd = lastFindE(text, ' (', start, end);
  if (answersEnd < 0) answersEnd = end;
  // -vv appends the authority/additional sections: `... ns: ... ar: . OPT UDPsize=1232`
  const ns = findE(text, ' ns: ', start, answersEnd);
  const ar = findE(text, ' ar: ', start, answersEnd);
  const sect = ns < 0 ? ar : ar < 0 ? ns : Math.min(ns, ar);
  const bodyEnd = sect >= 0 ? sect : answersEnd;
  for (let a = start; ;) {
    const sep = findE(text, ', ', a, bodyEnd);
    answerIn(text, a, sep < 0 ? bodyEnd : sep, list);
    if (sep < 0) break;
    a = sep + 2;
  }
  return { list, end: answersEnd };
}

/** One answer, `[name. [ttl]] TYPE data`, in s[a, b): its first word that is a record type, and what follows it. */
function answerIn(text: string, from: number, to: number, list: DnsAnswer[]): void {
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  for (let w = from; w < to;) {
    let we = w;
    while (we < to && text.charCodeAt(we) !== 32) we++;
    const code = text.charCodeAt(w);
    const type = we - w <= 6 && code >= 65 && code <= 90 ? text.slice(w, we) : '';
    if (RR_TYPES.has(type)) {
      // a type with nothing after it, and EDNS's OPT pseudo-record, are not answers
      if (we < to && type !== 'OPT') list.push({ type, data: text.slice(we + 1, to) });
      return;
    }
    w = we + 1;
  }
}
