import { partitionPoint, type LineMapping, type Packet, type PacketTable, type Unparsed } from '../../../model';
import type { PacketColumns } from './packetColumns';

/**
 * A large capture's packets as a run of pieces, each the rows read from a piece of the capture's
 * text, cut where a packet line starts (see ../segments.ts). It answers as one table (rows
 * numbered across the pieces), and lets an edit read one piece again and keep the others: their
 * Packet objects stay the same, their lines move. A capture is read whole (one PacketColumns, the
 * fastest scan); the first edit that reads it in place cuts it into windows on that table.
 */

/** The rows of one piece: a table of its own (read again after an edit) or a window on the capture's table. */
export type PieceRows = PacketColumns | RowWindow;

/** Rows from..to of a table, as a table of to - from rows. */
export class RowWindow {
  constructor(
    readonly base: PacketColumns,
    readonly from: number,
    readonly to: number,
  ) {}

  get size(): number {
    return this.to - this.from;
  }

  packet(index: number): Packet {
    return this.base.packet(this.from + index);
  }

  lineOf(index: number): number {
    return this.base.lineOf(this.from + index);
  }

  timeOf(index: number): number | undefined {
    return this.base.timeOf(this.from + index);
  }

  endLineOf(index: number): number {
    return this.base.endLineOf(this.from + index);
  }

  touching(ips: ReadonlySet<string>): number[] {
    return this.base.touching(ips, this.from, this.to).map((row) => row - this.from);
  }

  onInterface(name: string, near: number, max: number): number[] {
    return this.base.onInterface(name, near, max, this.from, this.to);
  }

  firstMssSyn(): number {
    const row = this.base.firstMssSyn(this.from, this.to);
    return row < 0 ? row : row - this.from;
  }

  moveLines(delta: number): void {
    this.base.moveLines(delta, this.from, this.to);
  }

  /** Moves the window's lines only (the table's other rows are other pieces'). */
  remapLines(at: LineMapping): void {
    if (this.size === 0) return;
    const first = this.lineOf(0);
    const last = this.endLineOf(this.size - 1);
    this.base.remapLines((line) => (line >= first && line <= last ? at(line) : undefined));
  }
}

/** One piece of a capture: its rows and what its lines held besides packets. */
export interface CaptureSegment {
  table: PieceRows;
  /** 1-based first line of the piece, and how many lines it covers. */
  firstLine: number;
  lines: number;
  /** Where the piece's text starts in the capture's text as it is now, and its length. */
  textAt: number;
  length: number;
  /** Records read (packets, header and trailer lines) and lines not understood. */
  records: number;
  unparsed: Unparsed[];
  /** Its stamps printed after a space (see ../segments.ts: they may make every piece's times depend on those before). */
  stamps: { first: number; last: number; decreasing: boolean } | undefined;
}

/**
 * Sorted rows of a table, read where they are found (a capture in pieces: each piece's own list),
 * not copied into one array: a pod's conversation with kube-dns can be most of a large capture.
 */
export interface RowList {
  readonly length: number;
  at(index: number): number;
  /** Rows from..to (indexes into the list, `to` exclusive). */
  slice(from: number, to: number): number[];
}

/** An array of sorted rows as a RowList. */
export function rowList(rows: readonly number[]): RowList {
  return { length: rows.length, at: (index) => rows[index], slice: (from, to) => rows.slice(from, to) };
}

/** The rows of several pieces: list k holds rows counted from `firstRows[k]`; `counts` adds up their lengths. */
class PieceRowList implements RowList {
  constructor(
    private readonly lists: readonly Int32Array[],
    private readonly firstRows: readonly number[],
    private readonly counts: Int32Array,
  ) {}

  get length(): number {
    return this.counts[this.lists.length];
  }

  /** The list holding index `index`. */
  private listOf(index: number): number {
    return partitionPoint(this.lists.length, (k) => this.counts[k + 1] <= index);
  }

  at(index: number): number {
    const k = this.listOf(index);
    return this.firstRows[k] + this.lists[k][index - this.counts[k]];
  }

  slice(from: number, to: number): number[] {
    const end = Math.min(to, this.length);
    const out: number[] = [];
    for (let k = from < end ? this.listOf(from) : this.lists.length, index = from; index < end; k++) {
      const list = this.lists[k];
      const first = this.firstRows[k];
      for (let at = index - this.counts[k]; at < list.length && index < end; at++, index++) out.push(first + list[at]);
    }
    return out;
  }
}

/** The key an address set's rows are kept under (see touching): its addresses, sorted. */
const touchingKey = (ips: ReadonlySet<string>): string => [...ips].sort().join(' ');

/** Per piece, the rows touching an address set (by key) that were asked for last. */
const TOUCHING_CACHED = 4;

export class SegmentedPackets implements PacketTable {
  /** First row of each piece, and the row count after the last. */
  private starts: number[] = [0];
  /** Set when remapLines moved the lines (text cut out of flattened lines): the pieces no longer match the text. */
  remapped = false;
  private readonly touchingCache = new WeakMap<PieceRows, Map<string, Int32Array>>();

  constructor(private pieces: CaptureSegment[]) {
    this.count();
  }

  get segments(): readonly CaptureSegment[] {
    return this.pieces;
  }

  get size(): number {
    return this.starts[this.starts.length - 1];
  }

  /** Replaces pieces [from, from + removed) with `added` (pieces after them keep their rows' objects). */
  splice(from: number, removed: number, added: readonly CaptureSegment[]): void {
    this.pieces.splice(from, removed, ...added);
    this.count();
  }

  private count(): void {
    const starts = [0];
    let rows = 0;
    for (const piece of this.pieces) starts.push((rows += piece.table.size));
    this.starts = starts;
  }

  /** The number of the piece holding row `index` (the number of pieces past the last row). */
  private pieceIndex(index: number): number {
    return partitionPoint(this.pieces.length, (k) => this.starts[k + 1] <= index);
  }

  /** The piece holding row `index`, and the row within it. */
  private find(index: number): { piece: PieceRows; row: number } {
    const at = this.pieceIndex(index);
    return { piece: this.pieces[at].table, row: index - this.starts[at] };
  }

  packet(index: number): Packet {
    const { piece, row } = this.find(index);
    return piece.packet(row);
  }

  /**
   * See PacketTable.packetsOf: the pieces walked along the rows, a row of the piece of the one before
   * or of the next found without a search (a trace reads 400,000 rows of 400 pieces).
   */
  packetsOf(rows: readonly number[]): Packet[] {
    const out = new Array<Packet>(rows.length);
    const starts = this.starts;
    let at = 0;
    for (let k = 0; k < rows.length; k++) {
      const index = rows[k];
      if (index < starts[at] || index >= starts[at + 1])
        at =
          at + 1 < this.pieces.length && index >= starts[at + 1] && index < starts[at + 2]
            ? at + 1
            : this.pieceIndex(index);
      out[k] = this.pieces[at].table.packet(index - starts[at]);
    }
    return out;
  }

  all(): Packet[] {
    const out: Packet[] = [];
    for (const piece of this.pieces) for (let row = 0; row < piece.table.size; row++) out.push(piece.table.packet(row));
    return out;
  }

  lineOf(index: number): number {
    const { piece, row } = this.find(index);
    return piece.lineOf(row);
  }

  timeOf(index: number): number | undefined {
    const { piece, row } = this.find(index);
    return piece.timeOf(row);
  }

  endLineOf(index: number): number {
    const { piece, row } = this.find(index);
    return piece.endLineOf(row);
  }

  touching(ips: ReadonlySet<string>): number[] {
    return this.touchingIn(ips, 0, this.size);
  }

  /**
   * The rows from..to touching `ips` (see touching). Each piece's rows are kept for a few address
   * sets: after an edit only the pieces read again look.
   */
  touchingIn(ips: ReadonlySet<string>, from: number, to: number): number[] {
    const key = touchingKey(ips);
    const first = this.pieceIndex(from);
    const found: Int32Array[] = [];
    let total = 0;
    for (let k = first; k < this.pieces.length && this.starts[k] < to; k++) {
      const rows = this.pieceTouching(this.pieces[k].table, key, ips);
      found.push(rows);
      total += rows.length;
    }
    const out = new Array<number>(total);
    let at = 0;
    found.forEach((rows, index) => {
      const start = this.starts[first + index];
      for (let i = 0; i < rows.length; i++) {
        const row = start + rows[i];
        if (row >= from && row < to) out[at++] = row;
      }
    });
    out.length = at;
    return out;
  }

  /** The rows touching `ips` (see touching) as a list over the pieces' own lists: no row is copied. */
  touchingList(ips: ReadonlySet<string>): RowList {
    const key = touchingKey(ips);
    const lists: Int32Array[] = [];
    const firstRows: number[] = [];
    const counts = [0];
    this.pieces.forEach((piece, k) => {
      const rows = this.pieceTouching(piece.table, key, ips);
      if (rows.length === 0) return;
      lists.push(rows);
      firstRows.push(this.starts[k]);
      counts.push(counts[counts.length - 1] + rows.length);
    });
    return new PieceRowList(lists, firstRows, Int32Array.from(counts));
  }

  /** The rows of one piece touching `ips` (by their `key`), kept for TOUCHING_CACHED address sets. */
  private pieceTouching(table: PieceRows, key: string, ips: ReadonlySet<string>): Int32Array {
    // a window's rows are those of its table in its range: the table is searched once for all its windows
    if (!(table instanceof RowWindow)) return this.cached(table, key, () => Int32Array.from(table.touching(ips)));
    return this.cached(table, key, () => {
      const all = this.cached(table.base, key, () => Int32Array.from(table.base.touching(ips)));
      const first = partitionPoint(all.length, (k) => all[k] < table.from);
      const end = partitionPoint(all.length, (k) => all[k] < table.to);
      return all.subarray(first, end).map((row) => row - table.from);
    });
  }

  private cached(table: PieceRows, key: string, find: () => Int32Array): Int32Array {
    let cache = this.touchingCache.get(table);
    if (!cache) this.touchingCache.set(table, (cache = new Map<string, Int32Array>()));
    let rows = cache.get(key);
    if (!rows) {
      if (cache.size >= TOUCHING_CACHED) cache.delete(cache.keys().next().value!);
      cache.set(key, (rows = find()));
    }
    return rows;
  }

  /**
   * The rows of `table` touching `ips`, found before it was cut into this capture's windows: kept
   * as if searched here (the windows then need not search the whole table again).
   */
  knowTouching(table: PacketColumns, ips: ReadonlySet<string>, rows: readonly number[]): void {
    if (!this.pieces.some((piece) => piece.table instanceof RowWindow && piece.table.base === table)) return;
    this.cached(table, touchingKey(ips), () => Int32Array.from(rows));
  }

  firstMssSyn(): number {
    for (let k = 0; k < this.pieces.length; k++) {
      const row = this.pieces[k].table.firstMssSyn();
      if (row >= 0) return this.starts[k] + row;
    }
    return -1;
  }

  onInterface(name: string, near: number, max: number): number[] {
    // each piece's nearest rows, pieces taken outward from `near` until none nearer can follow
    const home = Math.min(this.pieces.length - 1, this.pieceIndex(near));
    const found: number[] = [];
    const distance = (row: number) => Math.abs(row - near) * 2 + (row > near ? 1 : 0);
    const worst = () => {
      if (found.length < max) return Infinity;
      found.sort((first, second) => distance(first) - distance(second));
      found.length = max;
      return distance(found[max - 1]);
    };
    const read = (k: number) => {
      const start = this.starts[k];
      const local = Math.min(Math.max(near - start, 0), this.pieces[k].table.size);
      for (const row of this.pieces[k].table.onInterface(name, local, max)) found.push(start + row);
    };
    if (home < 0) return [];
    read(home);
    for (let before = home - 1, after = home + 1; before >= 0 || after < this.pieces.length; before--, after++) {
      const limit = worst();
      const beforeGap = before >= 0 ? distance(this.starts[before + 1] - 1) : Infinity;
      const afterGap = after < this.pieces.length ? distance(this.starts[after]) : Infinity;
      if (beforeGap > limit && afterGap > limit) break;
      if (before >= 0 && beforeGap <= limit) read(before);
      if (after < this.pieces.length && afterGap <= limit) read(after);
    }
    worst();
    return found.sort((first, second) => first - second);
  }

  remapLines(at: LineMapping): void {
    for (const piece of this.pieces) piece.table.remapLines(at);
    this.remapped = true;
  }

  /** Moves every line by `delta`, from piece `from` on (their Packets stay the same objects: their evidence moves). */
  moveLines(delta: number, from = 0): void {
    if (delta === 0) return;
    for (let k = from; k < this.pieces.length; k++) {
      const piece = this.pieces[k];
      piece.firstLine += delta;
      for (const entry of piece.unparsed) entry.line += delta;
      const table = piece.table;
      if (!(table instanceof RowWindow)) {
        table.moveLines(delta);
        continue;
      }
      // windows that follow each other on one table move as one run of its rows (whole chunks move at once)
      let to = table.to;
      while (k + 1 < this.pieces.length) {
        const next = this.pieces[k + 1];
        if (!(next.table instanceof RowWindow) || next.table.base !== table.base || next.table.from !== to) break;
        next.firstLine += delta;
        for (const entry of next.unparsed) entry.line += delta;
        to = next.table.to;
        k++;
      }
      table.base.moveLines(delta, table.from, to);
    }
  }
}
