import { partitionPoint, type Unparsed } from '../../model';
import type { PacketColumns } from './columns/packetColumns';
import { asciiBytesStart, headerOrTrailer, scanCapture, type DeltaStamps } from './columns/scanCapture';
import { RowWindow, SegmentedPackets, type CaptureSegment } from './columns/segmentedPackets';
import { isSpace } from './columns/bounded';
import { isDigit, numberedStamp, readStamp } from './scan';
import { ownCopy } from '../textCopy';
import { leadOf } from '../transcript/lines';

/**
 * A large capture in pieces (see columns/segmentedPackets.ts), so that an edit reads one piece
 * again instead of the whole capture. The capture is read whole (one scan is the fastest: reading
 * it piece by piece cost a quarter more); piecesOfTable cuts its table into windows where
 * scanPieces would cut its text, and readPieces reads the pieces an edit touched. A piece starts at a line that starts a packet whatever came
 * before it: a timestamp at the line's start (a -v line starts with spaces, a VXLAN packet's inner
 * frame and -A bytes have no stamp). The scan carries nothing else from one packet to the next
 * unless the capture prints bytes as text (-A: once seen, a later odd line is taken for bytes) or
 * stamps after a space (-ttt counts from the packet before): such a capture is read whole.
 */

/**
 * Packet lines in a piece; tests make it small. An edit reads its piece again and builds the
 * packets of its rows anew: 1,000 rows are read in 2-4 ms (4,000 in 8-19 ms, plain Node).
 */
export const pieceSize = { rows: 1000 };

/** The stamps printed after a space (-ttt, -ttttt) in a piece: the first, the last, whether one went back. */
export interface SpacedStamps {
  first: number;
  last: number;
  decreasing: boolean;
}

interface Cuts {
  /** Offset of each piece's first line; the first is 0. */
  starts: number[];
  /** Lines in each piece, its stamps after a space, its header and trailer lines. */
  lines: number[];
  stamps: (SpacedStamps | undefined)[];
  headers: number[];
}

/**
 * Whether scanCapture adds up the stamps after a space of pieces (in order) into a clock: always
 * for -ttt (`previous`), without the command when one of them goes back. Then a piece's times
 * depend on the pieces before it, and the capture is read whole.
 */
export function addsUpStamps(stamps: readonly (SpacedStamps | undefined)[], deltas: DeltaStamps | undefined): boolean {
  if (deltas === 'first') return false;
  let last: number | undefined;
  for (const piece of stamps) {
    if (!piece) continue;
    if (deltas === 'previous' || piece.decreasing || (last !== undefined && piece.first < last)) return true;
    last = piece.last;
  }
  return false;
}

/**
 * Where `text` (a capture's lines) may be cut into pieces of about `rows` packet lines that read as
 * they would in one scan; undefined when no cut is safe (see above).
 */
function cutsOf(text: string, rows: number): Cuts | undefined {
  const cuts: Cuts = { starts: [0], lines: [], stamps: [], headers: [] };
  let stamped = 0;
  let lines = 0;
  let headers = 0;
  let stamps: SpacedStamps | undefined;
  const length = text.length;
  for (let pos = 0; pos < length;) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = length;
    let end = next;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    const lead = text.charCodeAt(pos);
    if (lead >= 48 && lead <= 57) {
      if (stamped >= rows && readStamp(text, pos, end) !== undefined) {
        cuts.lines.push(lines);
        cuts.stamps.push(stamps);
        cuts.headers.push(headers);
        cuts.starts.push(pos);
        lines = 0;
        headers = 0;
        stamps = undefined;
        stamped = 0;
      }
      stamped++;
      // `N packets captured`: a trailer (digits, a space, `packet`), not a packet line
      let digits = pos;
      while (digits < end && isDigit(text.charCodeAt(digits))) digits++;
      if (text.startsWith(' packet', digits) && headerOrTrailer(text, pos, end)) headers++;
    } else if (lead === 32 || lead === 9) {
      let from = pos;
      while (from < end && isSpace(text.charCodeAt(from))) from++;
      const first = text.charCodeAt(from);
      // a stamp after spaces, as scanCapture reads it: -ttt and -ttttt's (after `-#`'s number and three spaces)
      const at = first >= 48 && first <= 57 ? numberedStamp(text, from, end) : -1;
      const stamp = at >= 0 && (at === from || text.charCodeAt(at - 3) === 32) ? readStamp(text, at, end) : undefined;
      if (stamp !== undefined) {
        if (!stamps) stamps = { first: stamp.t, last: stamp.t, decreasing: false };
        else if (stamp.t < stamps.last) stamps.decreasing = true;
        stamps.last = stamp.t;
      }
    } else if (asciiBytesStart(text, pos, end)) return undefined;
    else if (leadOf(text, pos, next) >= 0 && headerOrTrailer(text, pos, end)) headers++;
    lines++;
    pos = next + 1;
  }
  cuts.lines.push(lines);
  cuts.stamps.push(stamps);
  cuts.headers.push(headers);
  return cuts;
}

export interface ScannedPieces {
  pieces: CaptureSegment[];
  records: number;
  unparsed: Unparsed[];
}

interface PieceOptions {
  linesCut: boolean;
  deltas: DeltaStamps | undefined;
}

/**
 * `text` (starting at 1-based line `firstLine`) scanned in pieces; 'flattened' as scanCapture says;
 * undefined when it cannot be cut safely, or (`atLeast`) into fewer pieces.
 */
export function scanPieces(
  text: string,
  uri: string,
  firstLine: number,
  options: PieceOptions & { atLeast: number },
): ScannedPieces | 'flattened' | undefined {
  const cuts = cutsOf(text, pieceSize.rows);
  if (!cuts || cuts.starts.length < options.atLeast || addsUpStamps(cuts.stamps, options.deltas)) return undefined;
  const out: ScannedPieces = { pieces: [], records: 0, unparsed: [] };
  let line = firstLine;
  for (let k = 0; k < cuts.starts.length; k++) {
    const start = cuts.starts[k];
    const end = k + 1 < cuts.starts.length ? cuts.starts[k + 1] : text.length;
    const scanned = scanCapture(text.slice(start, end), uri, line, options);
    if (scanned === 'flattened') return 'flattened';
    out.pieces.push({
      table: scanned.table,
      firstLine: line,
      lines: cuts.lines[k],
      textAt: start,
      length: end - start,
      records: scanned.records,
      unparsed: scanned.unparsed,
      stamps: cuts.stamps[k],
    });
    line += cuts.lines[k];
    out.records += scanned.records;
    // the result's own entries: the pieces' move with the pieces, the result's with its block
    for (const entry of scanned.unparsed) out.unparsed.push({ ...entry });
  }
  return out;
}

/** A capture read whole, as the block of the document it was read from holds it. */
export interface WholeCapture {
  table: PacketColumns;
  /** The block's first line and line count (the table's text is these lines). */
  firstLine: number;
  lines: number;
  records: number;
  unparsed: readonly Unparsed[];
  command: string | undefined;
}

/**
 * A capture read whole cut into pieces that are windows on its table, where scanPieces would cut
 * its text (no row is read again); undefined when it cannot be cut safely, makes one piece, or its
 * text is not its block's lines (cut out of flattened lines).
 */
export function piecesOfTable(whole: WholeCapture): SegmentedPackets | undefined {
  const { table } = whole;
  const cuts = cutsOf(table.text, pieceSize.rows);
  if (!cuts || cuts.starts.length < 2 || addsUpStamps(cuts.stamps, deltaStampsOf(whole.command))) return undefined;
  const pieces: CaptureSegment[] = [];
  let line = whole.firstLine;
  let row = 0;
  let records = 0;
  cuts.starts.forEach((start, k) => {
    const next = line + cuts.lines[k];
    const last = k + 1 === cuts.starts.length;
    const to = last ? table.size : partitionPoint(table.size, (index) => table.lineOf(index) < next);
    const end = last ? table.text.length : cuts.starts[k + 1];
    const piece: CaptureSegment = {
      table: new RowWindow(table, row, to),
      firstLine: line,
      lines: cuts.lines[k],
      textAt: start,
      length: end - start,
      records: to - row + cuts.headers[k],
      unparsed: [],
      stamps: cuts.stamps[k],
    };
    records += piece.records;
    pieces.push(piece);
    [line, row] = [next, to];
  });
  if (line - whole.firstLine !== whole.lines || records !== whole.records) return undefined;
  for (const entry of whole.unparsed) {
    const at = partitionPoint(pieces.length, (k) => pieces[k].firstLine + pieces[k].lines <= entry.line);
    if (at >= pieces.length) return undefined;
    pieces[at].unparsed.push({ ...entry });
  }
  return new SegmentedPackets(pieces);
}

/**
 * An edit of a capture read in pieces: the old lines touchedFrom..touchedTo (1-based) changed, the
 * lines after them moved by `delta`. `lineStart(k)` is the offset of 1-based line k in the new
 * text (the document's), `blockEnd` the offset where the capture's text ends in it.
 */
export interface PieceEdit {
  /** Characters from..to of the new text. */
  slice: (from: number, to: number) => string;
  lineStart: (line: number) => number;
  blockEnd: number;
  touchedFrom: number;
  touchedTo: number;
  delta: number;
}

/** The pieces an edit replaces, read again from the new text (nothing changed yet: see applyPieces). */
export interface PiecesRead {
  from: number;
  removed: number;
  added: CaptureSegment[];
  /** Lines read (the new text's lines of the added pieces), first and count. */
  firstLine: number;
  lines: number;
  /** How much longer the text of the pieces got (the later pieces' text moves by it). */
  charDelta: number;
}

/**
 * Reads again the pieces of `table` that an edit touched, plus the one before when the edit touched
 * a piece's first line (where the piece before may now go on); undefined when the new text of those
 * pieces cannot be cut safely. (Whether a blank line in them changes how the document is cut into
 * blocks is the caller's to say: see documentEdit.ts.)
 */
export function readPieces(
  table: SegmentedPackets,
  edit: PieceEdit,
  options: { uri: string; command: string | undefined },
): PiecesRead | undefined {
  const pieces = table.segments;
  let from = pieces.findIndex((piece) => piece.firstLine + piece.lines > edit.touchedFrom);
  if (from < 0) return undefined;
  if (from > 0 && pieces[from].firstLine === edit.touchedFrom) from--;
  let last = from;
  while (last + 1 < pieces.length && pieces[last + 1].firstLine <= edit.touchedTo) last++;
  let oldLength = 0;
  for (let k = from; k <= last; k++) {
    oldLength += pieces[k].length;
  }
  const firstLine = pieces[from].firstLine;
  const lastLine = pieces[last].firstLine + pieces[last].lines - 1 + edit.delta;
  const start = edit.lineStart(firstLine);
  const end = last + 1 < pieces.length ? edit.lineStart(pieces[last + 1].firstLine + edit.delta) : edit.blockEnd;
  if (end < start) return undefined;
  const region = ownCopy(edit.slice(start, end));
  const read = scanPieces(region, options.uri, firstLine, {
    linesCut: true,
    deltas: deltaStampsOf(options.command),
    atLeast: 1,
  });
  if (read === undefined || read === 'flattened') return undefined;
  const added = read.pieces.filter((piece) => piece.lines > 0);
  let lines = 0;
  for (const piece of added) {
    piece.textAt += pieces[from].textAt;
    lines += piece.lines;
  }
  if (lines !== lastLine - firstLine + 1 && !(lines === 0 && lastLine < firstLine)) return undefined;
  const stamps = [...pieces.slice(0, from), ...added, ...pieces.slice(last + 1)].map((piece) => piece.stamps);
  if (addsUpStamps(stamps, deltaStampsOf(options.command))) return undefined;
  return { from, removed: last - from + 1, added, firstLine, lines, charDelta: region.length - oldLength };
}

/** Puts pieces read by readPieces in their place; the later pieces' lines move by `delta`. */
export function applyPieces(table: SegmentedPackets, read: PiecesRead, delta: number): void {
  const after = read.from + read.removed;
  table.moveLines(delta, after);
  for (let k = after; k < table.segments.length; k++) table.segments[k].textAt += read.charDelta;
  table.splice(read.from, read.removed, read.added);
}

/**
 * What the command's `-t` flags make of stamps printed after a space: -ttt counts from the packet before, -ttttt from
 * the first.
 */
export function deltaStampsOf(command: string | undefined): DeltaStamps | undefined {
  if (command === undefined) return undefined;
  let ts = 0;
  for (const word of command.split(/\s+/)) if (/^-[a-zA-Z]+$/.test(word)) for (const ch of word) if (ch === 't') ts++;
  return ts === 3 ? 'previous' : ts >= 5 ? 'first' : undefined;
}
