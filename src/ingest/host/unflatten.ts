import { ipFamily } from '../../model';
import { MAC_RE } from './hostText';

/**
 * Recovers the lines of `ip route`, `ip neigh` and `bridge fdb` output whose newlines were lost
 * (text copied from a web page): one pass over the words, a new line where a record can start.
 */

const ROUTE_KEYS_WITH_VALUE = new Set(['via', 'dev', 'src', 'proto', 'scope', 'metric', 'table', 'mtu', 'advmss', 'realm', 'weight', 'nexthop', 'from', 'tos', 'pref', 'expires', 'rtt', 'rttvar', 'window', 'initcwnd', 'hoplimit', 'lladdr', 'encap', 'linkdown']);
const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw']);
const isDest = (w: string) => w === 'default' || ipFamily(w.split('/')[0]) !== undefined;

function joinRecords(words: string[], startsRecord: (w: string, prev: string | undefined, next: string | undefined, inRecord: number) => boolean): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  words.forEach((w, i) => {
    if (cur.length > 0 && startsRecord(w, words[i - 1], words[i + 1], cur.length)) { out.push(cur.join(' ')); cur = []; }
    cur.push(w);
  });
  if (cur.length) out.push(cur.join(' '));
  return out;
}

const wordsOf = (line: string) => line.split(/\s+/).filter(Boolean);

export function unflattenIpRoute(line: string): string[] {
  return joinRecords(wordsOf(line), (w, prev, next) => {
    if (ROUTE_TYPES.has(w) && next !== undefined && isDest(next)) return prev === undefined || !ROUTE_KEYS_WITH_VALUE.has(prev);
    if (!isDest(w) || prev === undefined) return false;
    // A destination follows a finished route, never a keyword waiting for its value or a route type.
    return !ROUTE_KEYS_WITH_VALUE.has(prev) && !ROUTE_TYPES.has(prev);
  });
}

const NEIGH_STATES = /^(PERMANENT|NOARP|REACHABLE|STALE|NONE|INCOMPLETE|DELAY|PROBE|FAILED)$/;

export function unflattenIpNeigh(line: string): string[] {
  return joinRecords(wordsOf(line), (w, prev) => ipFamily(w) !== undefined && prev !== undefined && NEIGH_STATES.test(prev));
}

export function unflattenBridgeFdb(line: string): string[] {
  return joinRecords(wordsOf(line), (w, prev) => MAC_RE.test(w) && prev !== 'lladdr');
}
