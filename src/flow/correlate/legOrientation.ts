import type { ExcerptLink } from './excerptLinks';

/** What orientLegs reads and turns: a leg's ends (`ip:port`), in the order legs were met. */
export interface OrientableLeg {
  index: number;
  leg: { from: string; to: string };
}

/**
 * Turns TCP legs no handshake oriented (give only those) so that `from` is the client's end. A leg begins with
 * its first packet, and a capture that started while the connection ran (or an excerpt of one)
 * shows a reply first as often as a request.
 *
 * Each leg is turned by what says most, in this order: an end the client addressed (a ClusterIP or
 * NodePort, as `addressed` says), when the other end is not one, is the server's; a leg linked to an
 * oriented one (`links`: one packet's sender in each leg is the same end of the connection); last, an
 * ephemeral port (32768–60999, Linux's default range) on one end only is the client's.
 */
export function orientLegs(
  legs: readonly OrientableLeg[],
  links: readonly ExcerptLink[],
  addressed?: (endpoint: string) => boolean,
): void {
  const byIndex = new Map(legs.map((state) => [state.index, state]));
  const oriented = new Set<number>();
  for (const state of legs) {
    const { from, to } = state.leg;
    const toAddressed = addressed?.(to) ?? false;
    if (toAddressed && !addressed!(from)) oriented.add(state.index);
    else if (!toAddressed && addressed?.(from)) {
      turn(state);
      oriented.add(state.index);
    }
  }
  const linked = new Map<number, { other: number; mine: string; theirs: string }[]>();
  for (const {
    legs: [one, other],
    senders,
  } of links) {
    listOf(linked, one).push({ other, mine: senders[0], theirs: senders[1] });
    listOf(linked, other).push({ other: one, mine: senders[1], theirs: senders[0] });
  }
  const spread = (from: number) => {
    const queue = [from];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const state = byIndex.get(next)!;
      for (const { other, mine, theirs } of linked.get(next) ?? []) {
        const leg = byIndex.get(other)!;
        if (oriented.has(other)) continue;
        // the packet's sender is the client's end in one leg exactly when it is in the other
        const clientSent = mine === state.leg.from;
        if ((leg.leg.from === theirs) !== clientSent) turn(leg);
        oriented.add(other);
        queue.push(other);
      }
    }
  };
  for (const index of [...oriented]) spread(index);
  for (const state of legs) {
    if (oriented.has(state.index)) continue;
    if (ephemeral(state.leg.to) && !ephemeral(state.leg.from)) turn(state);
    oriented.add(state.index);
    spread(state.index);
  }
}

function turn(state: OrientableLeg): void {
  const { from, to } = state.leg;
  state.leg.from = to;
  state.leg.to = from;
}

function listOf<V>(map: Map<number, V[]>, key: number): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** Whether an `ip:port` end's port is in Linux's default ephemeral range (ip_local_port_range). */
function ephemeral(endpoint: string): boolean {
  const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  return port >= 32768 && port <= 60999;
}
