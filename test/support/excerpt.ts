// What a user pastes of a capture: the lines from some moment on (the lab tests cut real captures so).

/** Seconds of a line's `HH:MM:SS.ffffff` stamp, when it starts with one. */
export function stampOf(line: string): number | undefined {
  const clock = /^(?<hours>\d\d):(?<minutes>\d\d):(?<seconds>\d\d\.\d+) /.exec(line)?.groups;
  return clock ? Number(clock.hours) * 3600 + Number(clock.minutes) * 60 + Number(clock.seconds) : undefined;
}

/**
 * What a user pastes from the middle of a capture: every packet printed before `from` (seconds) left
 * out, with the lines that continue it (a VXLAN packet's inner frame); the commands and the other
 * outputs of the session kept. tcpdump printed the packets that stay with numbers relative to the
 * ISNs the excerpt no longer holds.
 */
export function excerpt(text: string, from: number): string {
  let dropping = false;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const stamp = stampOf(line);
    if (stamp !== undefined) dropping = stamp < from;
    else if (/^root@|^\d+ packets? /.test(line)) dropping = false;
    if (!dropping) kept.push(line);
  }
  return kept.join('\n');
}

/** The stamp of the first line of `texts` that holds every one of `parts` (Infinity when none does). */
export function firstStamp(texts: readonly string[], ...parts: string[]): number {
  let first = Infinity;
  for (const text of texts)
    for (const line of text.split('\n'))
      if (parts.every((part) => line.includes(part))) first = Math.min(first, stampOf(line) ?? Infinity);
  return first;
}
