import type { Capture, Fact, PacketTable } from '../../model';

/**
 * The Packet objects of the large logs the parse worker holds, built ahead while it is idle (no
 * `vscode`): a capture's table builds a packet on first use and keeps it (see PacketTable.packet),
 * so a trace that reads it finds the same objects a trace would have built, only sooner. On a
 * 400,000-line capture the first trace built 400,000 of them: 0.4–0.8 s of its 1.2–1.9 s of CPU,
 * most of it the collector's while they were new. A slice at a time, so that a hover, an edit or a
 * trace asked meanwhile is answered between slices; an edit that read rows again (a new piece of a
 * table) stops it, and it starts again from the first row (the rows built already cost a lookup).
 */

/** Rows per slice (a few milliseconds each on a loaded machine). */
export const ROWS_PER_SLICE = 4096;

/**
 * Rows of held captures at most that are built ahead (about 470 bytes of heap each): a larger log
 * keeps only what its hovers and traces build.
 */
export const MOST_ROWS_AHEAD = 1_000_000;

interface Cursor {
  table: PacketTable;
  next: number;
}

export class PacketsAhead {
  /** What remains to build, per held document. */
  private readonly cursors = new Map<string, Cursor[]>();
  /** Documents whose packets were all built since they were last stopped. */
  private readonly built = new Set<string>();

  /**
   * Starts building the packets of the captures of document `uri` in `facts` (none when they have
   * over MOST_ROWS_AHEAD rows), unless that is under way or done since `uri` was last stopped.
   */
  start(uri: string, facts: readonly Fact[]): void {
    if (this.cursors.has(uri) || this.built.has(uri)) return;
    const tables = facts.filter((fact): fact is Capture => fact.kind === 'Capture').map((capture) => capture.packets);
    const rows = tables.reduce((sum, table) => sum + table.size, 0);
    if (rows > 0 && rows <= MOST_ROWS_AHEAD)
      this.cursors.set(
        uri,
        tables.map((table) => ({ table, next: 0 })),
      );
    else this.cursors.delete(uri);
  }

  /** Stops for `uri` (its rows changed or it is gone: `start` it again with what it holds now). */
  stop(uri: string): void {
    this.cursors.delete(uri);
    this.built.delete(uri);
  }

  /** Builds the next slice of ROWS_PER_SLICE rows; true while rows remain. */
  step(): boolean {
    const [uri, cursors] = this.cursors.entries().next().value ?? [];
    if (uri === undefined || !cursors) return false;
    const cursor = cursors[0];
    const { table } = cursor;
    const to = Math.min(table.size, cursor.next + ROWS_PER_SLICE);
    if (table.packetsOf) table.packetsOf(Array.from({ length: to - cursor.next }, (_, k) => cursor.next + k));
    else for (let row = cursor.next; row < to; row++) table.packet(row);
    cursor.next = to;
    if (to >= table.size) cursors.shift();
    if (cursors.length === 0) {
      this.cursors.delete(uri);
      this.built.add(uri);
    }
    return this.cursors.size > 0;
  }
}
