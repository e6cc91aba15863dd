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
export function readHeader(text: string, start: number, end: number): number {
  HEADER.ttl = -1;
  HEADER.id = -1;
  HEADER.proto = -1;
  let depth = 0;
  let prevWord = false;
  let cursor = start;
  for (; cursor < end; cursor++) {
    const ch = text.charCodeAt(cursor);
    if (ch === 40) depth++;
    else if (ch === 41) {
      if (--depth === 0) break;
    } else if (!prevWord && cursor > start) {
      // a value cannot run past the closing parenthesis: it is no digit or word character
      if (ch === 116 && HEADER.ttl < 0) HEADER.ttl = numberAt(text, cursor, end, 'ttl ');
      else if (ch === 104 && HEADER.ttl < 0) HEADER.ttl = numberAt(text, cursor, end, 'hlim ');
      else if (ch === 105 && HEADER.id < 0) HEADER.id = numberAt(text, cursor, end, 'id ');
      else if (ch === 112 && HEADER.proto < 0) HEADER.proto = wordAt(text, cursor, end, 'proto ');
      else if (ch === 110 && HEADER.proto < 0) HEADER.proto = wordAt(text, cursor, end, 'next-header ');
    }
    prevWord = isWordChar(ch);
  }
  return cursor;
}

/** Where the value after `key` at `start` starts (before `to`); else -1. */
function afterKey(text: string, start: number, to: number, key: string): number {
  const valueStart = start + key.length;
  return valueStart < to && text.startsWith(key, start) ? valueStart : -1;
}

/** Where the number after `key` at `start` starts, when a digit follows the key before `to`; else -1. */
function numberAt(text: string, start: number, to: number, key: string): number {
  const valueStart = afterKey(text, start, to, key);
  return valueStart >= 0 && isDigit(text.charCodeAt(valueStart)) ? valueStart : -1;
}

/** Where the word after `key` at `start` starts, when a word character follows the key before `to`; else -1. */
function wordAt(text: string, start: number, to: number, key: string): number {
  const valueStart = afterKey(text, start, to, key);
  return valueStart >= 0 && isWordChar(text.charCodeAt(valueStart)) ? valueStart : -1;
}

/** The protocol word of the -v header: `TCP`, `UDP`, `ICMP` or `ICMPv6` as a PROTO_ code, else -1. */
export function protoCode(text: string, from: number, to: number): number {
  let wordEnd = from;
  while (wordEnd < to && isWordChar(text.charCodeAt(wordEnd))) wordEnd++;
  const length = wordEnd - from;
  if (length === 3 && at(text, from, wordEnd, 'TCP')) return PROTO_TCP;
  if (length === 3 && at(text, from, wordEnd, 'UDP')) return PROTO_UDP;
  if ((length === 4 && at(text, from, wordEnd, 'ICMP')) || (length === 6 && at(text, from, wordEnd, 'ICMPv6')))
    return PROTO_ICMP;
  return -1;
}

/**
 * `-v` prints the IP header on the packet's line and the addresses on the next: they are read as one.
 * With `-e` the header follows the link layer: `…, ethertype IPv4 (0x0800), length 74: (tos 0x0, …)`.
 */
export function joinsAddressLine(text: string, start = 0, end = text.length): boolean {
  if (end <= start || text.charCodeAt(end - 1) !== 41) return false;
  return (
    findE(text, ' IP (', start, end) >= 0 ||
    findE(text, ' IP6 (', start, end) >= 0 ||
    at(text, start, end, 'IP (') ||
    at(text, start, end, 'IP6 (') ||
    findE(text, ': (tos ', start, end) >= 0
  );
}
