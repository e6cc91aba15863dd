import type { ConntrackEntry } from '../../model';
import { endpointKey, type Connection } from './connections';

/**
 * The conntrack entries a connection may cite, when other connections used its 5-tuple before or
 * after it (TupleReuse): conntrack holds one entry per tuple at a time, so `conntrack -L` (and `-G`)
 * shows the last connection's, and `conntrack -E` printed one `[NEW]` (and `[DESTROY]`) event per
 * connection, in the order they were made (per file: each node prints its own). An entry of the
 * tuple is the connection's only when it is its event by that order, or a listing and it is the last
 * connection; `[UPDATE]` events, which say nothing of which connection they are, are nobody's.
 * Entries of other tuples are left as they are. The answer for a connection is undefined when no
 * other connection shares its tuple (every entry may be cited, as before).
 *
 * `every` (the connections, by start) is grouped by tuple once, on the first question: asked of
 * each connection, a filter of `every` per question took 1.5-1.9 s of CPU on 14,394 connections.
 */
export function conntrackOwners(
  entries: readonly ConntrackEntry[],
  every: readonly Connection[],
): (connection: Connection) => ConntrackEntry[] | undefined {
  if (entries.length === 0) return () => undefined;
  let byTuple: Map<string, Connection[]> | undefined;
  return (connection) => {
    if (!byTuple) {
      byTuple = new Map();
      for (const other of every) {
        const list = byTuple.get(tupleOf(other));
        if (list) list.push(other);
        else byTuple.set(tupleOf(other), [other]);
      }
    }
    const sameTuple = byTuple.get(tupleOf(connection)) ?? [];
    return sameTuple.length < 2 ? undefined : ownEntries(entries, connection, sameTuple);
  };
}

/** A connection's tuple as the client sent it: protocol, client and destination. */
const tupleOf = (connection: Connection) => `${connection.protocol}|${connection.client}|${connection.original.to}`;

/** The entries of `connection`'s tuple that are its own among `sameTuple` (by start), and the others' tuples'. */
function ownEntries(
  entries: readonly ConntrackEntry[],
  connection: Connection,
  sameTuple: readonly Connection[],
): ConntrackEntry[] {
  const order = sameTuple.indexOf(connection);
  const last = order === sameTuple.length - 1;
  const onTuple = (entry: ConntrackEntry) =>
    entry.protocol === connection.protocol &&
    endpointKey(entry.original.src, entry.original.sport) === connection.client &&
    endpointKey(entry.original.dst, entry.original.dport) === connection.original.to;
  /** How many events of each kind on the tuple each file printed so far. */
  const seen = new Map<string, number>();
  return entries.filter((entry) => {
    if (!onTuple(entry)) return true;
    const event = entry.flags.find((flag) => flag.startsWith('event:'));
    if (!event) return last;
    if (event !== 'event:NEW' && event !== 'event:DESTROY') return false;
    const counted = `${entry.evidence[0]?.uri}|${event}`;
    const number = seen.get(counted) ?? 0;
    seen.set(counted, number + 1);
    return number === order;
  });
}
