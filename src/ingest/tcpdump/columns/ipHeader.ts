import { isDigit } from '../scan';
import { at, findE } from './bounded';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './chunk';

/** The -v IP header, `(tos 0x0, ttl 64, id 8860, offset 0, flags [DF], proto TCP (6), length 60)`. */

export const isWordChar = (ch: number): boolean =>
  (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95;

/** Where the values of the -v header's fields start (-1: absent): see `readHeader`. */
export const HEADER = { ttl: -1, id: -1, proto: -1 };

/**
 * One pass over the -v header `(...)` at p: returns the index of its closing parenthesis (or `e`)
 * and notes in HEADER the first `ttl N` or `hlim N`, `id N`, and `proto W` or `next-header W` —
 * each key at a word start and followed by a digit (a word character for the protocol), as
 * `\b(?:ttl|hlim) (\d+)` would find them in the header.
 */
export function readHeader(s: string, p: number, e: number): number {
  HEADER.ttl = -1;
  HEADER.id = -1;
  HEADER.proto = -1;
  let depth = 0;
  let prevWord = false;
  let q = p;
  for (; q < e; q++) {
    const ch = s.charCodeAt(q);
    if (ch === 40) depth++;
    else if (ch === 41) {
      if (--depth === 0) break;
    } else if (!prevWord && q > p) {
      // a value cannot run past the closing parenthesis: it is no digit or word character
      if (ch === 116 && HEADER.ttl < 0) HEADER.ttl = valueAt(s, q, e, 'ttl ', true);
      else if (ch === 104 && HEADER.ttl < 0) HEADER.ttl = valueAt(s, q, e, 'hlim ', true);
      else if (ch === 105 && HEADER.id < 0) HEADER.id = valueAt(s, q, e, 'id ', true);
      else if (ch === 112 && HEADER.proto < 0) HEADER.proto = valueAt(s, q, e, 'proto ', false);
      else if (ch === 110 && HEADER.proto < 0) HEADER.proto = valueAt(s, q, e, 'next-header ', false);
    }
    prevWord = isWordChar(ch);
  }
  return q;
}

/** Where the value after `key` at `k` starts, when a digit (or word character) follows it before `to`; else -1. */
function valueAt(s: string, k: number, to: number, key: string, digits: boolean): number {
  const v = k + key.length;
  if (v >= to || !s.startsWith(key, k)) return -1;
  const c = s.charCodeAt(v);
  return (digits ? isDigit(c) : isWordChar(c)) ? v : -1;
}

/** The protocol word of the -v header: `TCP`, `UDP`, `ICMP` or `ICMPv6` as a PROTO_ code, else -1. */
export function protoCode(s: string, a: number, to: number): number {
  let b = a;
  while (b < to && isWordChar(s.charCodeAt(b))) b++;
  const n = b - a;
  if (n === 3 && at(s, a, b, 'TCP')) return PROTO_TCP;
  if (n === 3 && at(s, a, b, 'UDP')) return PROTO_UDP;
  if ((n === 4 && at(s, a, b, 'ICMP')) || (n === 6 && at(s, a, b, 'ICMPv6'))) return PROTO_ICMP;
  return -1;
}

/**
 * `-v` prints the IP header on the packet's line and the addresses on the next: they are read as one.
 * With `-e` the header follows the link layer: `…, ethertype IPv4 (0x0800), length 74: (tos 0x0, …)`.
 */
export function joinsAddressLine(s: string, p = 0, e = s.length): boolean {
  if (e <= p || s.charCodeAt(e - 1) !== 41) return false;
  return (
    findE(s, ' IP (', p, e) >= 0 ||
    findE(s, ' IP6 (', p, e) >= 0 ||
    at(s, p, e, 'IP (') ||
    at(s, p, e, 'IP6 (') ||
    findE(s, ': (tos ', p, e) >= 0
  );
}
