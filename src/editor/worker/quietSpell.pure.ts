/**
 * When the parse worker's idle work (the packets built ahead, see PacketsAhead) may run: once the user
 * has not hovered or edited a held log for a spell (no `vscode`). Building 400,000 packets ahead grows
 * the worker's heap by ~190 MB; an edit or a hover asked while it ran (or just after) waited for a slice
 * and paid the collector's debt: edit → hover 141-193 ms of the worker against 40-98 ms without (plain
 * Node, 400k capture, load 1.7-2.2). A user who hovers or types keeps it waiting; it runs when they stop.
 */

/**
 * Milliseconds without a hover or an edit before idle work runs (a user's hovers and keystrokes come
 * closer). Host-stall benchmark, 400k lines: with 1.5 s its trace (1 s after an edit) found no packets
 * built and drew in 3.0 s, edit → hover 76 ms (load 1.8); with 0.7 s, 1.97–2.43 s and 86–120 ms (load
 * 2.2–4.7). The diagram is the longer wait: 0.7 s.
 */
export const QUIET_MS = 700;

export class QuietSpell {
  private lastAt = -Infinity;

  constructor(
    private readonly quietMs = QUIET_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A hover or an edit came: idle work waits a whole spell again. */
  touch(): void {
    this.lastAt = this.now();
  }

  /** Milliseconds until idle work may run (0: now). */
  wait(): number {
    return Math.max(0, this.lastAt + this.quietMs - this.now());
  }
}
