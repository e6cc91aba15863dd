import type { Unparsed } from '../../../model';
import { excerptOf, readStamp } from '../scan';
import { looksFlattened, unflattenTcpdump } from '../unflatten';
import { CHUNK_BITS, CHUNK_MASK } from './chunk';
import { frameStart, headerOrTrailer, isEncapsulation } from './lineKinds';
import { joinsAddressLine, PacketColumns } from './packetColumns';
import { RecordScanner } from './recordScanner';

export interface ScannedCapture {
  table: PacketColumns;
  /** Packets plus header and trailer lines. */
  records: number;
  unparsed: Unparsed[];
}

/** Where a line (or a piece of a flattened one) sits in the text. */
interface Place {
  line: number;
  column: number;
  /** Offset in the text and length. */
  at: number;
  len: number;
  /** True for a piece cut out of a flattened line. */
  piece: boolean;
}

/**
 * tcpdump text output → a PacketColumns table. One pass over the lines; a record is its first line
 * plus the indented continuation lines `-v` prints, plus — for VXLAN/OTV — the inner frame on the
 * next line (a row of the inner table). Records are read when the next one starts.
 */
export function scanCapture(text: string, uri: string, firstLine = 1): ScannedCapture {
  const scanner = new RecordScanner();
  const inners = new PacketColumns(text, uri, scanner, undefined);
  const table = new PacketColumns(text, uri, scanner, inners);
  const unparsed: Unparsed[] = [];
  let records = 0;

  // The open record, kept in locals: a capture has millions of lines and most records are one line.
  let pText: string | undefined;
  let pAt = 0;
  let pLine = 0;
  let pEndLine = 0;
  let pEndAt = 0;
  let pColumn = 1;
  /** Its timestamp, read when the record opened (end 0: none). */
  let pStampEnd = 0;
  let pT = 0;
  /** -v continuation lines (trimmed), in order; whether one was a piece of a flattened line. */
  let pCont: string[] | undefined;
  let pOdd = false;
  let inner: { text: string; place: Place; endLine: number; endAt: number; cont: string[] | undefined; odd: boolean } | undefined;

  /** Reads a record into the next row of `into`; returns why it is not a packet, or the row. */
  const read = (into: PacketColumns, first: string, at: number, line: number, endLine: number, endAt: number, column: number, cont: string[] | undefined, odd: boolean, stampEnd: number, t: number): number | string => {
    const s = cont !== undefined && joinsAddressLine(first) ? first + ' ' + cont[0] : first;
    const c = into.slot();
    const row = into.size;
    const j = row & CHUNK_MASK;
    const why = scanner.scan(s, c, j, into.key(row), stampEnd, t);
    if (why !== undefined) return why;
    c.at[j] = at;
    c.len[j] = first.length;
    c.endAt[j] = endAt;
    c.line[j] = line;
    c.endLine[j] = endLine;
    if (column > 1) into.columns.set(row, column);
    if (odd && cont) into.contOverride.set(row, cont);
    into.commit();
    return row;
  };

  const close = () => {
    if (pText === undefined) return;
    const row = read(table, pText, pAt, pLine, pEndLine, pEndAt, pColumn, pCont, pOdd, pStampEnd, pT);
    if (typeof row === 'string') unparsed.push({ line: pLine, reason: row, text: excerptOf(pText) });
    else {
      if (inner !== undefined) {
        const x = inner;
        const r = read(inners, x.text, x.place.at, x.place.line, x.endLine, x.endAt, x.place.column, x.cont, x.odd, 0, 0);
        if (typeof r === 'string') unparsed.push({ line: x.place.line, reason: `inner frame: ${r}`, text: excerptOf(x.text) });
        else table.chunks[row >>> CHUNK_BITS].inner[row & CHUNK_MASK] = r + 1;
      }
      records++;
    }
    pText = undefined;
    pCont = undefined;
    pOdd = false;
    inner = undefined;
  };

  const open = (s: string, p: Place, stampEnd: number, t: number) => {
    close();
    pStampEnd = stampEnd;
    pT = t;
    pText = s;
    pAt = p.at;
    pLine = p.line;
    pEndLine = p.line;
    pEndAt = p.at + p.len;
    pColumn = p.column;
  };

  const take = (s: string, p: Place) => {
    if (s.length === 0) return;
    const c = s.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      const stamp = readStamp(s, 0);
      if (stamp !== undefined) { open(s, p, stamp.end, stamp.t); return; }
    }
    if (c === 32 || c === 9) {
      const t = s.trim();
      if (t.length === 0) return;
      if (pText !== undefined) {
        if (inner !== undefined) {
          (inner.cont ??= []).push(t);
          inner.endLine = p.line;
          inner.endAt = p.at + p.len;
          if (p.piece) inner.odd = true;
        } else {
          (pCont ??= []).push(t);
          pEndAt = p.at + p.len;
          if (p.piece) pOdd = true;
        }
        pEndLine = p.line;
      } else unparsed.push({ line: p.line, reason: 'continuation line without a packet before it', text: excerptOf(s) });
      return;
    }
    if (headerOrTrailer(s)) { close(); records++; return; }
    if (pText !== undefined && inner === undefined && frameStart(s) && isEncapsulation(pText, pCont)) {
      inner = { text: s, place: { ...p }, endLine: p.line, endAt: p.at + p.len, cont: undefined, odd: false };
      pEndLine = p.line;
      return;
    }
    if (frameStart(s)) { open(s, p, 0, 0); return; }
    close();
    unparsed.push({ line: p.line, reason: 'not a tcpdump line (no timestamp, header or packet summary)', text: excerptOf(s) });
  };

  const place: Place = { line: 0, column: 1, at: 0, len: 0, piece: false };
  let lineNo = firstLine;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (text.charCodeAt(end - 1) === 13 && end > pos) end--;
    if (end > pos) {
      const line = text.slice(pos, end);
      if (looksFlattened(line)) {
        for (const piece of unflattenTcpdump(line)) {
          place.line = lineNo; place.column = piece.start + 1; place.at = pos + piece.start; place.len = piece.text.length;
          place.piece = piece.start > 0 || piece.text.length < line.length;
          take(piece.text, place);
        }
      } else {
        place.line = lineNo; place.column = 1; place.at = pos; place.len = end - pos; place.piece = false;
        take(line, place);
      }
    }
    lineNo++;
    pos = nl + 1;
    if (nl === n) break;
  }
  close();
  return { table, records, unparsed };
}
