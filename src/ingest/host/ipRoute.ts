import type { Route } from '../../model';
import { parseCidr } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { after, hostLines, intAfter, words } from './hostText';
import { unflattenIpRoutePieces } from './unflatten';
import { parseIpJson } from './ipJson';

/**
 * `ip route`: `default via 172.30.1.254 dev eth0`, `10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink`,
 * `10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1`. Also `ip route show table all`
 * lines with a leading type (`local`, `broadcast`, `unreachable` …) and `table X`.
 */
const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'unreachable',
  'prohibit',
  'blackhole',
  'throw',
  'nat',
  'anycast',
]);

function parseRouteLine(line: string): Omit<Route, 'evidence'> | undefined {
  let fields = words(line);
  if (fields.length === 0) return undefined;
  let type: string | undefined;
  if (ROUTE_TYPES.has(fields[0])) {
    type = fields[0];
    fields = fields.slice(1);
  }
  // Neighbour lines look alike (`10.244.0.53 dev cni0 lladdr … REACHABLE`): never routes.
  if (
    fields.includes('lladdr') ||
    /^(PERMANENT|NOARP|REACHABLE|STALE|INCOMPLETE|DELAY|PROBE|FAILED)$/.test(fields[fields.length - 1])
  )
    return undefined;
  const dest = fields[0];
  if (dest !== 'default' && !parseCidr(dest)) return undefined;
  const route: Omit<Route, 'evidence'> = { kind: 'Route', destination: dest };
  const via = after(fields, 'via');
  if (via) route.via = via.replace(/^inet6?\s*/, '');
  const dev = after(fields, 'dev');
  if (dev) route.dev = dev;
  const src = after(fields, 'src');
  if (src) route.src = src;
  const proto = after(fields, 'proto');
  if (proto) route.proto = proto;
  const scope = after(fields, 'scope');
  if (scope) route.scope = scope;
  const metric = intAfter(fields, 'metric');
  if (metric !== undefined) route.metric = metric;
  if (fields.includes('onlink')) route.onlink = true;
  const table = after(fields, 'table') ?? (type === 'local' || type === 'broadcast' ? 'local' : undefined);
  if (table) route.table = table;
  // A route must say where packets go; anything else is not a route line.
  if (!via && !dev && !type) return undefined;
  return route;
}

export function parseIpRoute(input: ParseInput): ParseResult {
  // `ip route get X` prints the result of a lookup, not a table entry: adding it as a route would invent one.
  if (input.command && /^(sudo\s+)?ip\s+(-\S+\s+)*(r|ro|rou|rout|route)\s+get\b/.test(input.command.trim())) {
    const lookup = hostLines(input, 'ip-route');
    lookup.lines.forEach((line, i) => {
      if (line.trim()) lookup.skip(i, '`ip route get` output (a route lookup) is not read as a routing table');
    });
    return { format: 'ip-route', facts: [], records: 0, unparsed: lookup.unparsed };
  }
  const json = parseIpJson(input, 'ip-route');
  if (json) return json;
  const source = hostLines(input, 'ip-route');
  const facts: Route[] = [];
  for (let i = 0; i < source.lines.length; i++) {
    const raw = source.lines[i];
    if (raw.trim() === '') continue;
    // Multipath routes continue on indented `nexthop via … dev …` lines.
    if (/^\s+nexthop\s/.test(raw) && facts.length > 0) {
      const fields = words(raw);
      const prev = facts[facts.length - 1];
      prev.via ??= after(fields, 'via');
      prev.dev ??= after(fields, 'dev');
      continue;
    }
    const parsed = parseRouteLine(raw);
    if (!parsed) {
      source.skip(i, 'not a route');
      continue;
    }
    const route: Route = { ...parsed, evidence: [source.evidence(i)] };
    if (input.host) route.host = input.host;
    facts.push(route);
  }
  return { format: 'ip-route', facts, records: facts.length, unparsed: source.unparsed };
}

export const ipRouteFormat: FormatSpec = {
  id: 'ip-route',
  tools: ['ip'],
  parse: parseIpRoute,
  unflatten: unflattenIpRoutePieces,
  commands: [/^ip\s+(-\S+\s+)*(-n\s+\S+\s+)?(-\S+\s+)*(r|ro|rou|rout|route)\b/],
  sniff(lines) {
    if (/^\s*\[\s*\{\s*"(dst|type)"/.test(lines.slice(0, 3).join(''))) return 0.9;
    let ok = 0,
      total = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      total++;
      if (parseRouteLine(line) && / (dev|via) /.test(line)) ok++;
    }
    return total ? (ok / total) * 0.9 : 0;
  },
};
