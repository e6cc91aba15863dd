import { at, findE } from './columns/bounded';
import { numberedStamp, readStamp } from './scan';
import { cutAt, type LinePiece } from '../words';

/**
 * Text copied from a web page often loses its newlines, so a whole capture arrives as one line:
 * `tcpdump: data link type LINUX_SLL2 tcpdump: verbose output suppressed, ... listening on any, ...
 * bytes 21:18:36.504305 vethded7ef9f P IP ... length 64 21:18:36.504380 veth75a7f7d6 Out IP ...`.
 * A record starts at a timestamp, a `tcpdump: ` / `listening on ` header or an `N packets ...` trailer;
 * the frame inside a VXLAN/OTV packet starts right after `instance N` / `vni N`.
 */
/** The outer header of an encapsulated frame; the inner frame follows it on the same line. */
const ENCAPSULATION = [
  String.raw`OTV, flags \[\w{0,8}\] \(0x[0-9a-f]{1,4}\), overlay \d{1,10}, instance \d{1,10}`,
  String.raw`VXLAN, flags \[\w{0,8}\] \(0x[0-9a-f]{1,4}\), vni \d{1,10}`,
];
/** What starts a record after a blank: tcpdump's own lines, the packet counts, a timestamp. */
const RECORD_WORDS = [
  'tcpdump: ',
  'listening on ',
  'reading from file ',
  String.raw`\d+ packets? (?:captured|received by filter|dropped by (?:kernel|interface))`,
  String.raw`(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\.\d{1,9}(?= |$)`,
];
const RECORD_START = new RegExp(`(?<=(?:${ENCAPSULATION.join('|')}) )(?=\\S)|(?<= )(?:${RECORD_WORDS.join('|')})`, 'g');

/** Cheap test (no regex, no allocation) for a line that holds more than one record. */
export function looksFlattened(line: string): boolean {
  return holdsRecords(line, 0, line.length, line.indexOf(':', 12));
}

/**
 * Whether the line s[p, e) holds more than one record: a header with more run into it, or a
 * second `HH:MM:SS.frac` stamp after a space. `colon` is the first ':' at or after p + 12 (-1:
 * none), which a caller walking a whole text can find once for several lines.
 */
export function holdsRecords(text: string, start: number, end: number, colon: number): boolean {
  if (end - start < 40) return false;
  if (at(text, start, end, 'tcpdump: ') || at(text, start, end, 'listening on ')) {
    return (
      end - start > 100 ||
      findE(text, 'tcpdump: ', start + 9, end) >= 0 ||
      findE(text, ' listening on ', start + 1, end) >= 0
    );
  }
  /** The line's own stamp: found only for a colon that may start another (most lines have none). */
  let own = -2;
  for (let i = colon; i >= 0 && i < end; i = text.indexOf(':', i + 1)) {
    // `HH:MM:SS.` with the colon at i = HH end; not the line's own stamp (after `-#`'s number) or
    // the time of its own -tttt stamp
    if (text.charCodeAt(i - 3) !== 32 || i + 3 >= end || text.charCodeAt(i + 3) !== 58) continue;
    if (own === -2) own = ownStampAt(text, start, end);
    if (i - 2 !== own && readStamp(text, i - 2, end) && !(i - 2 === own + 11 && isDateAt(text, own))) return true;
  }
  return false;
}

/** Splits one flattened line into its records, each with its 0-based start column. */
export function unflattenTcpdump(line: string): LinePiece[] {
  if (!looksFlattened(line)) return [{ text: line, start: 0 }];
  const cuts: number[] = [0];
  RECORD_START.lastIndex = 0;
  for (let m = RECORD_START.exec(line); m; m = RECORD_START.exec(line)) {
    const prev = cuts[cuts.length - 1];
    // `tcpdump: listening on any, ...` (-v) is one header, not two; a -tttt stamp's time is not a record
    const before = line.slice(prev, m.index);
    const own = prev === 0 ? ownStampAt(line, 0, line.length) : prev;
    if (m.index > own && m.index !== prev && before !== 'tcpdump: ' && !(m.index === own + 11 && isDateAt(line, own)))
      cuts.push(m.index);
    if (m[0].length === 0) RECORD_START.lastIndex++;
  }
  const out = cutAt(line, cuts.slice(1));
  return out.length ? out : [{ text: line, start: 0 }];
}

/** Where the line s[p, e) has its own stamp: past leading blanks and `-#`'s packet number. */
function ownStampAt(text: string, start: number, end: number): number {
  let cursor = start;
  while (cursor < end && (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 9)) cursor++;
  return numberedStamp(text, cursor, end);
}

/** `YYYY-MM-DD ` at p: the date of a -tttt stamp. */
function isDateAt(text: string, start: number): boolean {
  for (let k = 0; k < 11; k++) {
    const code = text.charCodeAt(start + k);
    if (k === 4 || k === 7 ? code !== 45 : k === 10 ? code !== 32 : !(code >= 48 && code <= 57)) return false;
  }
  return true;
}
