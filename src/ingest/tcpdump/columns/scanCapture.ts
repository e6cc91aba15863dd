import { excerptOf, type Unparsed } from '../../../model';
import { isDigit, numberedStamp, readStamp } from '../scan';

export { numberedStamp };
import { holdsRecords } from '../unflatten';
import { at, findE, isSpace, skipSpacesE, wordEndE } from './bounded';
import { CHUNK_BITS, CHUNK_MASK, type Chunk } from './chunk';
import { DIR_LEN, direction, RecordScanner } from './recordScanner';
import { joinsAddressLine } from './ipHeader';
import { PacketColumns } from './packetColumns';

export interface ScannedCapture {
  table: PacketColumns;
  /** Packets plus header and trailer lines. */
  records: number;
  unparsed: Unparsed[];
}

/**
 * A record being collected: its first line, then its -v continuation lines. Read in place: only
 * offsets into the text are kept, so a million records allocate nothing here.
 */
class Pending {
  active = false;
  /** The first line: [at, e) in the text. */
  at = 0;
  e = 0;
  line = 0;
  endLine = 0;
  /** Just past the last continuation line. */
  endAt = 0;
  /** Timestamp end (0: none) and its seconds. */
  stampEnd = 0;
  t = 0;
  /** The first continuation line, trimmed: [c0a, c0b); -1 when there is none. */
  c0a = -1;
  c0b = -1;

  open(at: number, e: number, line: number, stampEnd: number, t: number): void {
    this.active = true;
    this.at = at;
    this.e = e;
    this.line = line;
    this.endLine = line;
    this.endAt = e;
    this.stampEnd = stampEnd;
    this.t = t;
    this.c0a = -1;
    this.c0b = -1;
  }

  /** A continuation line [a, b) (trimmed) on `line`, ending at `end`. */
  cont(a: number, b: number, line: number, end: number): void {
    if (this.c0a < 0) {
      this.c0a = a;
      this.c0b = b;
    }
    this.endLine = line;
    this.endAt = end;
  }
}

/**
 * tcpdump text output → a PacketColumns table, in one pass over the text without cutting lines out
 * of it. A record is its first line plus the indented continuation lines `-v` prints, plus — for
 * VXLAN/OTV — the inner frame on the next line (a row of the inner table). Records are read when
 * the next one starts. Returns 'flattened' as soon as a line holds several records (text whose
 * newlines were lost): the caller cuts those lines first (see index.ts), unless `linesCut` says
 * that is done. `endsStripped`: the `\r` of CRLF line ends is gone already (one per line is
 * stripped otherwise).
 */
export function scanCapture(
  text: string,
  uri: string,
  firstLine = 1,
  options: { linesCut?: boolean; endsStripped?: boolean; deltas?: DeltaStamps } = {},
): ScannedCapture | 'flattened' {
  const cut = options.linesCut === true;
  const stripped = options.endsStripped === true;
  const scanner = new RecordScanner();
  const inners = new PacketColumns(text, uri, scanner, undefined);
  const table = new PacketColumns(text, uri, scanner, inners);
  const unparsed: Unparsed[] = [];
  let records = 0;
  const outer = new Pending();
  const inner = new Pending();
  /** The next ':' at or after some earlier position (the flattened-line test searches forward only). */
  let colonAt = -1;
  /** The capture prints each packet's bytes as text (`-A`): seen once, then every record may have them. */
  let ascii = false;
  /** The open record's `-A` bytes have begun: every line up to the next record is theirs. */
  let inPayload = false;
  /** Stamps printed after a space (-ttt, -ttttt: time since the packet before, or since the first). */
  let deltas = 0;
  let lastDelta = 0;
  let decreasing = false;

  /** Reads a collected record into the next row of `into`; returns the row, or why it is not a packet. */
  const read = (into: PacketColumns, r: Pending): number | string => {
    const c: Chunk = into.slot();
    const row = into.size;
    const j = row & CHUNK_MASK;
    const key = into.key(row);
    let why: string | undefined;
    if (r.c0a >= 0 && joinsAddressLine(text, r.at, r.e)) {
      why = scanner.scan(text, r.at, r.e, c, j, key, r.stampEnd, r.t, r.c0a, r.c0b, r.endAt);
      if (!scanner.jumped) {
        // the record does not end its first line with the IP header: read the two lines joined
        c.clear(j);
        const s = text.slice(r.at, r.e) + ' ' + text.slice(r.c0a, r.c0b);
        why = scanner.scan(s, 0, s.length, c, j, key, r.stampEnd > 0 ? r.stampEnd - r.at : 0, r.t, -1, -1, s.length);
      }
    } else why = scanner.scan(text, r.at, r.e, c, j, key, r.stampEnd, r.t, -1, -1, r.endAt);
    if (why !== undefined) return why;
    c.at[j] = r.at;
    c.len[j] = r.e - r.at;
    c.endAt[j] = r.endAt;
    c.line[j] = r.line;
    c.endLine[j] = r.endLine;
    into.commit();
    return row;
  };

  const close = () => {
    if (!outer.active) return;
    const row = read(table, outer);
    if (typeof row === 'string')
      unparsed.push({ line: outer.line, reason: row, text: excerptOf(text.slice(outer.at, outer.e)) });
    else {
      if (inner.active) {
        const r = read(inners, inner);
        if (typeof r === 'string')
          unparsed.push({
            line: inner.line,
            reason: `inner frame: ${r}`,
            text: excerptOf(text.slice(inner.at, inner.e)),
          });
        else table.chunks[row >>> CHUNK_BITS].inner[row & CHUNK_MASK] = r + 1;
      }
      records++;
    }
    outer.active = false;
    inner.active = false;
  };

  let lineNo = firstLine;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let e = nl;
    if (!stripped && e > pos && text.charCodeAt(e - 1) === 13) e--;
    if (e > pos) {
      if (!cut && e - pos >= 40) {
        if (colonAt < pos + 12) colonAt = text.indexOf(':', pos + 12);
        if (holdsRecords(text, pos, e, colonAt)) return 'flattened';
      }
      const c0 = text.charCodeAt(pos);
      const stamp = c0 >= 48 && c0 <= 57 ? readStamp(text, pos, e) : undefined;
      if (stamp !== undefined) {
        close();
        inPayload = false;
        outer.open(pos, e, lineNo, stamp.end, stamp.t);
      } else if (inPayload && !headerOrTrailer(text, pos, e)) {
        // `-A`: the packet's bytes as text go on, whatever they look like (a 0x0a byte cuts them
        // into lines); they belong to the packet's evidence but are not read
        outer.endLine = lineNo;
      } else if (c0 === 32 || c0 === 9) {
        let a = pos;
        let b = e;
        while (a < b && isSpace(text.charCodeAt(a))) a++;
        while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
        // -ttt and -ttttt print the stamp after a space, `-#` a packet number and two spaces
        // before it; no -v line starts with either
        const at0 = a < b && isDigit(text.charCodeAt(a)) ? numberedStamp(text, a, e) : -1;
        const delta = at0 >= 0 ? readStamp(text, at0, e) : undefined;
        if (delta !== undefined) {
          close();
          inPayload = false;
          // after a space: at the line's start, or after `-#`'s number and three spaces
          if (at0 === a || text.charCodeAt(at0 - 3) === 32) {
            if (deltas++ > 0 && delta.t < lastDelta) decreasing = true;
            lastDelta = delta.t;
          }
          outer.open(at0, e, lineNo, delta.end, delta.t);
        } else if (at0 > a && frameStart(text, at0, e)) {
          // `-# -t`: a numbered packet without a stamp
          close();
          inPayload = false;
          outer.open(at0, e, lineNo, 0, 0);
        } else if (outer.active && hexDumpLine(text, a, b)) {
          // -x/-X: the packet's bytes in hex (and text); they belong to its evidence but are not read
          outer.endLine = lineNo;
        } else if (a < b) {
          if (!outer.active)
            unparsed.push({
              line: lineNo,
              reason: 'continuation line without a packet before it',
              text: excerptOf(text.slice(pos, e)),
            });
          else {
            (inner.active ? inner : outer).cont(a, b, lineNo, e);
            // the outer record's evidence spans its inner frame's lines too
            if (inner.active) outer.endLine = lineNo;
          }
        }
      } else if (headerOrTrailer(text, pos, e)) {
        close();
        inPayload = false;
        records++;
      } else if (frameStart(text, pos, e)) {
        if (outer.active && !inner.active && encapsulated(text, outer)) {
          inner.open(pos, e, lineNo, 0, 0);
          outer.endLine = lineNo;
        } else {
          close();
          outer.open(pos, e, lineNo, 0, 0);
        }
      } else if (outer.active && (ascii || asciiBytesStart(text, pos, e))) {
        ascii = true;
        inPayload = true;
        outer.endLine = lineNo;
      } else {
        close();
        unparsed.push({
          line: lineNo,
          reason: 'not a tcpdump line (no timestamp, header or packet summary)',
          text: excerptOf(text.slice(pos, e)),
        });
      }
    }
    lineNo++;
    pos = nl + 1;
    if (nl === n) break;
  }
  close();
  // -ttt stamps say how long after the packet before: add them up, so that `t` runs on as a clock.
  // Without the command, stamps that ever go back tell -ttt from -ttttt (since the first packet).
  if (deltas > 0 && (options.deltas === 'previous' || (options.deltas === undefined && decreasing))) accumulate(table);
  return { table, records, unparsed };
}

/** What stamps printed after a space count from: the packet before (-ttt) or the first one (-ttttt). */
export type DeltaStamps = 'previous' | 'first';

/** Turns each stamped row's time since the row before into the time since the first row. */
function accumulate(table: PacketColumns): void {
  let sum = 0;
  for (let i = 0; i < table.size; i++) {
    const c = table.chunks[i >>> CHUNK_BITS];
    const j = i & CHUNK_MASK;
    if (c.stampLen[j] === 0) continue;
    sum += c.t[j];
    c.t[j] = sum;
  }
}

const TRAILER = /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))\b/;

/** `tcpdump: ...`, `listening on ...`, `N packets captured`...: records that are not packets. */
export function headerOrTrailer(s: string, p = 0, e = s.length): boolean {
  const c = s.charCodeAt(p);
  if (c === 116) return at(s, p, e, 'tcpdump: ');
  if (c === 108) return at(s, p, e, 'listening on ');
  if (c === 114) return at(s, p, e, 'reading from file ');
  if (c === 100) return at(s, p, e, 'dropped privs to ');
  if (c >= 48 && c <= 57) return TRAILER.test(p === 0 && e === s.length ? s : s.slice(p, e));
  if (c === 94) return e - p === 2 && s.charCodeAt(p + 1) === 67;
  return false;
}

/** `0x0010:  4500 ...` at a (trimmed): a line of -x/-X's hex dump. */
function hexDumpLine(s: string, a: number, b: number): boolean {
  if (b - a < 8 || s.charCodeAt(a) !== 48 || s.charCodeAt(a + 1) !== 120 || s.charCodeAt(a + 6) !== 58) return false;
  for (let k = a + 2; k < a + 6; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The first line of a packet's bytes printed as text (`tcpdump -A`, from the network header on,
 * non-printable bytes as dots): an IPv4 header (0x45, then a TOS byte that is mostly 0), an IPv6 one
 * (0x60 0x0.) or ARP (hardware type 0x0001).
 */
export function asciiBytesStart(s: string, p: number, e: number): boolean {
  if (e - p < 2 || s.charCodeAt(p + 1) !== 46) return false;
  const c = s.charCodeAt(p);
  return c === 69 || c === 96 || c === 46;
}

/**
 * Starts a frame without a timestamp (`-t`, or the inner frame of VXLAN): IP, IP6, ARP or a MAC
 * (`aa:bb:cc:dd:ee:ff > `), after `-i any`'s interface and direction with `-t`.
 */
function frameStart(s: string, p: number, e: number): boolean {
  return linkFrameStart(s, p, e) || interfaceFrameStart(s, p, e);
}

/** `-i any -t`: `cni0  Out IP …`, `eth1  In  ifindex 3 …` (the columns read as RecordScanner reads them). */
function interfaceFrameStart(s: string, p: number, e: number): boolean {
  const w = wordEndE(s, p, e);
  const d = skipSpacesE(s, w, e);
  const dir = direction(s, d, e);
  if (dir === 0 || w === p) return false;
  const k = skipSpacesE(s, d + DIR_LEN[dir], e);
  return at(s, k, e, 'ifindex ') || linkFrameStart(s, k, e);
}

function linkFrameStart(s: string, p: number, e: number): boolean {
  if (at(s, p, e, 'IP ') || at(s, p, e, 'IP6 ') || at(s, p, e, 'ARP, ')) return true;
  if (e - p < 20) return false;
  for (let k = 0; k < 17; k++) {
    const c = s.charCodeAt(p + k);
    if (k % 3 === 2 ? c !== 58 : !((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return at(s, p + 17, e, ' > ');
}

/** Whether a record is a VXLAN/OTV packet (said on its first line or a continuation line), whose inner frame follows. */
function encapsulated(s: string, r: Pending): boolean {
  const has = (a: number, b: number) => findE(s, 'OTV, flags', a, b) >= 0 || findE(s, 'VXLAN, flags', a, b) >= 0;
  return has(r.at, r.e) || (r.c0a >= 0 && has(r.c0a, r.endAt));
}
