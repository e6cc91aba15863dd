import { readFileSync } from 'node:fs';

/**
 * How much of a thread's time it ran and how much it waited for a CPU (no `vscode`): Linux's
 * /proc/thread-self/schedstat (nanoseconds on a CPU, nanoseconds runnable in the run queue) for the
 * calling thread; undefined elsewhere or when the kernel does not say. On a busy machine a worker's
 * parse can spend as long waiting for a CPU as running (the host-stall bench on 2 shared cores:
 * 657 ms running, 631 ms waiting): the log says which, so a slow first hover is read right.
 */
export interface ThreadTime {
  cpuMs: number;
  waitMs: number;
}

export function threadTime(): ThreadTime | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const [onCpu, waiting] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    if (!Number.isFinite(onCpu) || !Number.isFinite(waiting)) return undefined;
    return { cpuMs: onCpu / 1e6, waitMs: waiting / 1e6 };
  } catch {
    return undefined;
  }
}

/** The time a thread ran and waited between two readings (whole ms); undefined when either is. */
export function threadTimeBetween(
  before: ThreadTime | undefined,
  after: ThreadTime | undefined,
): ThreadTime | undefined {
  if (!before || !after) return undefined;
  return { cpuMs: Math.round(after.cpuMs - before.cpuMs), waitMs: Math.round(after.waitMs - before.waitMs) };
}

/** The time the calling thread ran and waited since `before` (see threadTimeBetween). */
export const threadTimeSince = (before: ThreadTime | undefined): ThreadTime | undefined =>
  threadTimeBetween(before, threadTime());
