// Lab sessions made large at test time (never committed): a real session's capture repeated.
import { labCapture, repeated } from '../../../bench/large-capture.mjs';

/**
 * A lab session with its capture's packet lines repeated (each repetition later in time, with new
 * client ports and sequence numbers: new connections) until it is at least `characters` long.
 */
export function largeSession(session, characters) {
  const { packets } = labCapture(session);
  const copies = [];
  let size = session.length;
  for (let repeat = 0; size < characters; repeat++) {
    const lines = repeated(packets, repeat);
    copies.push(...lines);
    size += lines.join('\n').length + 1;
  }
  const counted = new RegExp(`^${packets.length} packets (?<what>captured|received by filter)$`, 'gm');
  return session
    .replace(packets.join('\n'), copies.join('\n'))
    .replace(counted, (...args) => `${copies.length} packets ${args.at(-1).what}`);
}
