import { excerptOf, type Unparsed } from '../../../model';
import { isDigit, numberedStamp, readStamp, type Stamp } from '../scan';

export { numberedStamp };
import { holdsRecords } from '../unflatten';
import { at, findE, isSpace, skipSpacesE, wordEndE } from './bounded';
import { CHUNK_BITS, CHUNK_MASK, type Chunk } from './chunk';
import { DIR_LEN, direction, RecordScanner, type RecordSpan } from './recordScanner';
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
class Pending implements RecordSpan {
  active = false;
  /** The first line: [at, lineEnd) in the text. */
  at = 0;
  lineEnd = 0;
  line = 0;
  endLine = 0;
  /** Just past the last continuation line. */
  endAt = 0;
  /** Timestamp end (0: none) and its seconds. */
  stampEnd = 0;
  stamp = 0;
  /** The first continuation line, trimmed: [contFrom, contTo); -1 when there is none. */
  contFrom = -1;
  contTo = -1;

  /** A record whose first line is [at, end) on `line`, with its timestamp (copied: it may be scratch). */
  open(at: number, end: number, line: number, stamp: Stamp | undefined): void {
    this.active = true;
    this.at = at;
    this.lineEnd = end;
    this.line = line;
    this.endLine = line;
    this.endAt = end;
    this.stampEnd = stamp === undefined ? 0 : stamp.end;
    this.stamp = stamp === undefined ? 0 : stamp.t;
    this.contFrom = -1;
    this.contTo = -1;
  }

  /** A continuation line [a, b) (trimmed) on `line`, ending at `end`. */
  cont(from: number, to: number, line: number, end: number): void {
    if (this.contFrom < 0) {
      this.contFrom = from;
      this.contTo = to;
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
  scanner.begin(text);
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
  const read = (into: PacketColumns, pending: Pending): number | string => {
    const chunk: Chunk = into.slot();
    const row = into.size;
    const slot = row & CHUNK_MASK;
    const key = into.key(row);
    scanner.target(chunk, slot, key);
    const jump = pending.contFrom >= 0 && joinsAddressLine(text, pending.at, pending.lineEnd);
    let why = scanner.scan(text, pending, jump);
    if (jump && !scanner.jumped) {
      // the record does not end its first line with the IP header: read the two lines joined
      chunk.clear(slot);
      const joined = text.slice(pending.at, pending.lineEnd) + ' ' + text.slice(pending.contFrom, pending.contTo);
      const record: RecordSpan = {
        at: 0,
        lineEnd: joined.length,
        stampEnd: pending.stampEnd > 0 ? pending.stampEnd - pending.at : 0,
        stamp: pending.stamp,
        contFrom: -1,
        contTo: -1,
        endAt: joined.length,
      };
      why = scanner.scan(joined, record, false);
    }
    if (why !== undefined) return why;
    chunk.at[slot] = pending.at;
    chunk.len[slot] = pending.lineEnd - pending.at;
    chunk.endAt[slot] = pending.endAt;
    chunk.line[slot] = pending.line;
    chunk.endLine[slot] = pending.endLine;
    into.commit();
    return row;
  };

  const close = () => {
    if (!outer.active) return;
    const row = read(table, outer);
    if (typeof row === 'string')
      unparsed.push({ line: outer.line, reason: row, text: excerptOf(text.slice(outer.at, outer.lineEnd)) });
    else {
      if (inner.active) {
        const innerRow = read(inners, inner);
        if (typeof innerRow === 'string')
          unparsed.push({
            line: inner.line,
            reason: `inner frame: ${innerRow}`,
            text: excerptOf(text.slice(inner.at, inner.lineEnd)),
          });
        else table.chunks[row >>> CHUNK_BITS].inner[row & CHUNK_MASK] = innerRow + 1;
      }
      records++;
    }
    outer.active = false;
    inner.active = false;
  };

  let lineNo = firstLine;
  let pos = 0;
  const length = text.length;
  while (pos <= length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = length;
    let end = nl;
    if (!stripped && end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end > pos) {
      if (!cut && end - pos >= 40) {
        if (colonAt < pos + 12) colonAt = text.indexOf(':', pos + 12);
        if (holdsRecords(text, pos, end, colonAt)) return 'flattened';
      }
      const c0 = text.charCodeAt(pos);
      const stamp = c0 >= 48 && c0 <= 57 ? readStamp(text, pos, end) : undefined;
      if (stamp !== undefined) {
        close();
        inPayload = false;
        outer.open(pos, end, lineNo, stamp);
      } else if (inPayload && !headerOrTrailer(text, pos, end)) {
        // `-A`: the packet's bytes as text go on, whatever they look like (a 0x0a byte cuts them
        // into lines); they belong to the packet's evidence but are not read
        outer.endLine = lineNo;
      } else if (c0 === 32 || c0 === 9) {
        let from = pos;
        let to = end;
        while (from < to && isSpace(text.charCodeAt(from))) from++;
        while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
        // -ttt and -ttttt print the stamp after a space, `-#` a packet number and two spaces
        // before it; no -v line starts with either
        const at0 = from < to && isDigit(text.charCodeAt(from)) ? numberedStamp(text, from, end) : -1;
        const delta = at0 >= 0 ? readStamp(text, at0, end) : undefined;
        if (delta !== undefined) {
          close();
          inPayload = false;
          // after a space: at the line's start, or after `-#`'s number and three spaces
          if (at0 === from || text.charCodeAt(at0 - 3) === 32) {
            if (deltas++ > 0 && delta.t < lastDelta) decreasing = true;
            lastDelta = delta.t;
          }
          outer.open(at0, end, lineNo, delta);
        } else if (at0 > from && frameStart(text, at0, end)) {
          // `-# -t`: a numbered packet without a stamp
          close();
          inPayload = false;
          outer.open(at0, end, lineNo, undefined);
        } else if (outer.active && hexDumpLine(text, from, to)) {
          // -x/-X: the packet's bytes in hex (and text); they belong to its evidence but are not read
          outer.endLine = lineNo;
        } else if (from < to) {
          if (!outer.active)
            unparsed.push({
              line: lineNo,
              reason: 'continuation line without a packet before it',
              text: excerptOf(text.slice(pos, end)),
            });
          else {
            (inner.active ? inner : outer).cont(from, to, lineNo, end);
            // the outer record's evidence spans its inner frame's lines too
            if (inner.active) outer.endLine = lineNo;
          }
        }
      } else if (headerOrTrailer(text, pos, end)) {
        close();
        inPayload = false;
        records++;
      } else if (frameStart(text, pos, end)) {
        if (outer.active && !inner.active && encapsulated(text, outer)) {
          inner.open(pos, end, lineNo, undefined);
          outer.endLine = lineNo;
        } else {
          close();
          outer.open(pos, end, lineNo, undefined);
        }
      } else if (outer.active && (ascii || asciiBytesStart(text, pos, end))) {
        ascii = true;
        inPayload = true;
        outer.endLine = lineNo;
      } else {
        close();
        unparsed.push({
          line: lineNo,
          reason: 'not a tcpdump line (no timestamp, header or packet summary)',
          text: excerptOf(text.slice(pos, end)),
        });
      }
    }
    lineNo++;
    pos = nl + 1;
    if (nl === length) break;
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
    const chunk = table.chunks[i >>> CHUNK_BITS];
    const slot = i & CHUNK_MASK;
    if (chunk.stampLen[slot] === 0) continue;
    sum += chunk.t[slot];
    chunk.t[slot] = sum;
  }
}

const TRAILER = /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))\b/;

/** `tcpdump: ...`, `listening on ...`, `N packets captured`...: records that are not packets. */
export function headerOrTrailer(text: string, start = 0, end = text.length): boolean {
  const code = text.charCodeAt(start);
  if (code === 116) return at(text, start, end, 'tcpdump: ');
  if (code === 108) return at(text, start, end, 'listening on ');
  if (code === 114) return at(text, start, end, 'reading from file ');
  if (code === 100) return at(text, start, end, 'dropped privs to ');
  if (code >= 48 && code <= 57) return TRAILER.test(start === 0 && end === text.length ? text : text.slice(start, end));
  if (code === 94) return end - start === 2 && text.charCodeAt(start + 1) === 67;
  return false;
}

/** `0x0010:  4500 ...` at a (trimmed): a line of -x/-X's hex dump. */
function hexDumpLine(text: string, from: number, to: number): boolean {
  if (
    to - from < 8 ||
    text.charCodeAt(from) !== 48 ||
    text.charCodeAt(from + 1) !== 120 ||
    text.charCodeAt(from + 6) !== 58
  )
    return false;
  for (let k = from + 2; k < from + 6; k++) {
    const code = text.charCodeAt(k);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

/**
 * The first line of a packet's bytes printed as text (`tcpdump -A`, from the network header on,
 * non-printable bytes as dots): an IPv4 header (0x45, then a TOS byte that is mostly 0), an IPv6 one
 * (0x60 0x0.) or ARP (hardware type 0x0001).
 */
export function asciiBytesStart(text: string, start: number, end: number): boolean {
  if (end - start < 2 || text.charCodeAt(start + 1) !== 46) return false;
  const code = text.charCodeAt(start);
  return code === 69 || code === 96 || code === 46;
}

/**
 * Starts a frame without a timestamp (`-t`, or the inner frame of VXLAN): IP, IP6, ARP or a MAC
 * (`aa:bb:cc:dd:ee:ff > `), after `-i any`'s interface and direction with `-t`.
 */
function frameStart(text: string, start: number, end: number): boolean {
  return linkFrameStart(text, start, end) || interfaceFrameStart(text, start, end);
}

/** `-i any -t`: `cni0  Out IP …`, `eth1  In  ifindex 3 …` (the columns read as RecordScanner reads them). */
function interfaceFrameStart(text: string, start: number, end: number): boolean {
  const wordEnd = wordEndE(text, start, end);
  const dirAt = skipSpacesE(text, wordEnd, end);
  const dir = direction(text, dirAt, end);
  if (dir === 0 || wordEnd === start) return false;
  const afterDir = skipSpacesE(text, dirAt + DIR_LEN[dir], end);
  return at(text, afterDir, end, 'ifindex ') || linkFrameStart(text, afterDir, end);
}

function linkFrameStart(text: string, start: number, end: number): boolean {
  if (at(text, start, end, 'IP ') || at(text, start, end, 'IP6 ') || at(text, start, end, 'ARP, ')) return true;
  if (end - start < 20) return false;
  for (let k = 0; k < 17; k++) {
    const code = text.charCodeAt(start + k);
    if (k % 3 === 2 ? code !== 58 : !((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return at(text, start + 17, end, ' > ');
}

/**
 * Whether a record is a VXLAN/OTV packet (said on its first line or a continuation line), whose inner frame follows.
 */
function encapsulated(text: string, pending: Pending): boolean {
  const has = (from: number, to: number) =>
    findE(text, 'OTV, flags', from, to) >= 0 || findE(text, 'VXLAN, flags', from, to) >= 0;
  return has(pending.at, pending.lineEnd) || (pending.contFrom >= 0 && has(pending.contFrom, pending.endAt));
}
