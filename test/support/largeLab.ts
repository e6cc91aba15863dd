/**
 * A large lab log for stall tests: a real lab session (test/fixtures/lab/, the kernel's own
 * output) repeated until it is long enough, each copy with its tcpdump stamps moved on by
 * `copy × 7` seconds and its client ports (five digits) by `copy`, so that no two copies hold
 * the same connection (its handshakes' sequence numbers move too: the engine links a connection's
 * packets by them).
 */
const STAMP = /^(?<hours>\d\d):(?<minutes>\d\d):(?<seconds>\d\d)(?<fraction>\.\d{6} )/gm;
const CLIENT_PORT = /(?<address>\d+\.\d+\.\d+\.\d+)\.(?<port>[1-6]\d{4})(?<after>[ :])/g;

/** A handshake line (SYN, SYN-ACK): its absolute `seq` and `ack` numbers (later lines print relative ones). */
const HANDSHAKE = /^.* Flags \[S\.?\],.*$/gm;

const two = (n: number) => String(n).padStart(2, '0');

function shifted(base: string, copy: number): string {
  return base
    .replace(STAMP, (...args) => {
      const g = args[args.length - 1] as Record<string, string>;
      const total = (Number(g.hours) * 3600 + Number(g.minutes) * 60 + Number(g.seconds) + copy * 7) % 86400;
      return `${two(Math.floor(total / 3600))}:${two(Math.floor(total / 60) % 60)}:${two(total % 60)}${g.fraction}`;
    })
    .replace(CLIENT_PORT, (...args) => {
      const g = args[args.length - 1] as Record<string, string>;
      return `${g.address}.${10000 + ((Number(g.port) - 10000 + copy) % 55000)}${g.after}`;
    })
    .replace(HANDSHAKE, (line) =>
      line.replace(/(?<name>seq|ack) (?<number>\d+)/g, (...args) => {
        const g = args[args.length - 1] as Record<string, string>;
        return `${g.name} ${(Number(g.number) + copy * 7919) % 2 ** 32}`;
      }),
    );
}

/** Copies of `base` until the text has at least `lines` lines or `bytes` characters. */
export function repeatedLab(base: string, size: { lines?: number; bytes?: number }): string {
  const text = base.endsWith('\n') ? base : base + '\n';
  const linesPerCopy = text.split('\n').length - 1;
  const copies = Math.max(1, Math.ceil((size.lines ?? 0) / linesPerCopy), Math.ceil((size.bytes ?? 0) / text.length));
  const parts: string[] = [];
  for (let copy = 0; copy < copies; copy++) parts.push(shifted(text, copy));
  return parts.join('');
}

const PACKET_LINE = /^\d\d:\d\d:\d\d\.\d{6} /;

/**
 * One long capture: the command line and header of the first `tcpdump` in a lab session, then its
 * packet lines repeated (moved on as in `repeatedLab`) until the text has `bytes` characters.
 */
export function repeatedCapture(session: string, bytes: number): string {
  const lines = session.split('\n');
  const start = lines.findIndex((line) => /# tcpdump /.test(line));
  let end = start + 1;
  while (end < lines.length && (PACKET_LINE.test(lines[end]) || /^(tcpdump:|listening on )/.test(lines[end]))) end++;
  const head = lines.slice(start, end).filter((line) => !PACKET_LINE.test(line));
  const packets = lines.slice(start, end).filter((line) => PACKET_LINE.test(line));
  return [head.join('\n'), repeatedLab(packets.join('\n'), { bytes })].join('\n');
}
