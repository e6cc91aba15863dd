import { ipFamily } from '../../model';
import { MAC_RE } from './hostText';
import { wordsOf } from '../words';

/**
 * Recovers the lines of `ip route`, `ip neigh`, `bridge fdb` and subnet.env text whose newlines
 * were lost (copied from a web page): one pass over the words, a new piece where a record can
 * start. Pieces are slices of the line with their 0-based start column (FormatSpec.unflatten).
 */

export interface Piece {
  text: string;
  start: number;
}

const ROUTE_KEYS_WITH_VALUE = new Set([
  'via',
  'dev',
  'src',
  'proto',
  'scope',
  'metric',
  'table',
  'mtu',
  'advmss',
  'realm',
  'weight',
  'nexthop',
  'from',
  'tos',
  'pref',
  'expires',
  'rtt',
  'rttvar',
  'window',
  'initcwnd',
  'hoplimit',
  'lladdr',
  'encap',
  'linkdown',
]);
const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'unreachable',
  'prohibit',
  'blackhole',
  'throw',
]);
const isDest = (word: string) => word === 'default' || ipFamily(word.split('/')[0]) !== undefined;

type StartsRecord = (w: string, prev: string | undefined, next: string | undefined) => boolean;

function splitRecords(line: string, startsRecord: StartsRecord): Piece[] {
  const words = wordsOf(line);
  if (words.length === 0) return [{ text: line, start: 0 }];
  const out: Piece[] = [];
  let first = 0;
  for (let i = 1; i < words.length; i++) {
    if (startsRecord(words[i].w, words[i - 1].w, words[i + 1]?.w)) {
      const last = words[i - 1];
      out.push({ text: line.slice(words[first].at, last.at + last.w.length), start: words[first].at });
      first = i;
    }
  }
  if (out.length === 0) return [{ text: line, start: 0 }]; // one record: the line as it is
  const last = words[words.length - 1];
  out.push({ text: line.slice(words[first].at, last.at + last.w.length), start: words[first].at });
  return out;
}

const texts = (pieces: Piece[]) => pieces.map((piece) => piece.text);

export function unflattenIpRoutePieces(line: string): Piece[] {
  return splitRecords(line, (word, prev, next) => {
    if (prev === undefined) return false;
    if (ROUTE_TYPES.has(word) && next !== undefined && isDest(next)) return !ROUTE_KEYS_WITH_VALUE.has(prev);
    // A destination follows a finished route, never a keyword waiting for its value or a route type.
    return isDest(word) && !ROUTE_KEYS_WITH_VALUE.has(prev) && !ROUTE_TYPES.has(prev);
  });
}

const NEIGH_STATES = /^(PERMANENT|NOARP|REACHABLE|STALE|NONE|INCOMPLETE|DELAY|PROBE|FAILED)$/;

export function unflattenIpNeighPieces(line: string): Piece[] {
  return splitRecords(
    line,
    (word, prev) => ipFamily(word) !== undefined && prev !== undefined && NEIGH_STATES.test(prev),
  );
}

export function unflattenBridgeFdbPieces(line: string): Piece[] {
  return splitRecords(line, (word, prev) => MAC_RE.test(word) && prev !== 'lladdr');
}

export function unflattenSubnetEnvPieces(line: string): Piece[] {
  return splitRecords(
    line,
    (word, prev) => word === 'export' || (/^[A-Z][A-Z0-9_]{0,63}=/.test(word) && prev !== 'export'),
  );
}

export const unflattenIpRoute = (line: string): string[] => texts(unflattenIpRoutePieces(line));
export const unflattenIpNeigh = (line: string): string[] => texts(unflattenIpNeighPieces(line));
export const unflattenBridgeFdb = (line: string): string[] => texts(unflattenBridgeFdbPieces(line));
