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
  let t = words(line);
  if (t.length === 0) return undefined;
  let type: string | undefined;
  if (ROUTE_TYPES.has(t[0])) {
    type = t[0];
    t = t.slice(1);
  }
  // Neighbour lines look alike (`10.244.0.53 dev cni0 lladdr … REACHABLE`): never routes.
  if (t.includes('lladdr') || /^(PERMANENT|NOARP|REACHABLE|STALE|INCOMPLETE|DELAY|PROBE|FAILED)$/.test(t[t.length - 1]))
    return undefined;
  const dest = t[0];
  if (dest !== 'default' && !parseCidr(dest)) return undefined;
  const r: Omit<Route, 'evidence'> = { kind: 'Route', destination: dest };
  const via = after(t, 'via');
  if (via) r.via = via.replace(/^inet6?\s*/, '');
  const dev = after(t, 'dev');
  if (dev) r.dev = dev;
  const src = after(t, 'src');
  if (src) r.src = src;
  const proto = after(t, 'proto');
  if (proto) r.proto = proto;
  const scope = after(t, 'scope');
  if (scope) r.scope = scope;
  const metric = intAfter(t, 'metric');
  if (metric !== undefined) r.metric = metric;
  if (t.includes('onlink')) r.onlink = true;
  const table = after(t, 'table') ?? (type === 'local' || type === 'broadcast' ? 'local' : undefined);
  if (table) r.table = table;
  // A route must say where packets go; anything else is not a route line.
  if (!via && !dev && !type) return undefined;
  return r;
}

export function parseIpRoute(input: ParseInput): ParseResult {
  // `ip route get X` prints the result of a lookup, not a table entry: adding it as a route would invent one.
  if (input.command && /^(sudo\s+)?ip\s+(-\S+\s+)*(r|ro|rou|rout|route)\s+get\b/.test(input.command.trim())) {
    const h = hostLines(input, 'ip-route');
    h.lines.forEach((l, i) => {
      if (l.trim()) h.skip(i, '`ip route get` output (a route lookup) is not read as a routing table');
    });
    return { format: 'ip-route', facts: [], records: 0, unparsed: h.unparsed };
  }
  const json = parseIpJson(input, 'ip-route');
  if (json) return json;
  const h = hostLines(input, 'ip-route');
  const facts: Route[] = [];
  for (let i = 0; i < h.lines.length; i++) {
    const raw = h.lines[i];
    if (raw.trim() === '') continue;
    // Multipath routes continue on indented `nexthop via … dev …` lines.
    if (/^\s+nexthop\s/.test(raw) && facts.length > 0) {
      const t = words(raw);
      const prev = facts[facts.length - 1];
      prev.via ??= after(t, 'via');
      prev.dev ??= after(t, 'dev');
      continue;
    }
    const r = parseRouteLine(raw);
    if (!r) {
      h.skip(i, 'not a route');
      continue;
    }
    const route: Route = { ...r, evidence: [h.evidence(i)] };
    if (input.host) route.host = input.host;
    facts.push(route);
  }
  return { format: 'ip-route', facts, records: facts.length, unparsed: h.unparsed };
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
    for (const l of lines) {
      if (!l.trim()) continue;
      total++;
      if (parseRouteLine(l) && / (dev|via) /.test(l)) ok++;
    }
    return total ? (ok / total) * 0.9 : 0;
  },
};
