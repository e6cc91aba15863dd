import type { Neighbor } from '../../model';
import { ipFamily } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { after, hostLines, words, MAC_RE } from './hostText';
import { unflattenIpNeighPieces } from './unflatten';

const STATES = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'STALE', 'NONE', 'INCOMPLETE', 'DELAY', 'PROBE', 'FAILED']);

/** `ip neigh`: `10.244.1.0 dev flannel.1 lladdr ae:cb:5d:41:7a:10 PERMANENT`, `… FAILED`, `… router STALE`. */
function parseNeighLine(line: string): Omit<Neighbor, 'evidence'> | undefined {
  const t = words(line);
  if (t.length < 2 || !ipFamily(t[0])) return undefined;
  const n: Omit<Neighbor, 'evidence'> = { kind: 'Neighbor', ip: t[0] };
  const dev = after(t, 'dev');
  if (dev) n.dev = dev;
  const ll = after(t, 'lladdr');
  if (ll && MAC_RE.test(ll)) n.lladdr = ll.toLowerCase();
  const state = t.filter((w) => STATES.has(w)).join(',');
  if (state) n.state = state;
  if (!dev && !ll && !state) return undefined;
  return n;
}

export function parseIpNeigh(input: ParseInput): ParseResult {
  const h = hostLines(input, 'ip-neigh');
  const facts: Neighbor[] = [];
  const commandDev = /\sdev\s+(?<dev>\S+)/.exec(input.command ?? '')?.groups?.dev;
  for (let i = 0; i < h.lines.length; i++) {
    if (h.lines[i].trim() === '') continue;
    const n = parseNeighLine(h.lines[i]);
    if (!n) {
      h.skip(i, 'not a neighbour entry');
      continue;
    }
    const fact: Neighbor = { ...n, evidence: [h.evidence(i)] };
    // `ip neigh show dev cni0` leaves `dev` out of every line: it comes from the command.
    if (!fact.dev && commandDev) fact.dev = commandDev;
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: 'ip-neigh', facts, records: facts.length, unparsed: h.unparsed };
}

export const ipNeighFormat: FormatSpec = {
  id: 'ip-neigh',
  tools: ['ip'],
  parse: parseIpNeigh,
  unflatten: unflattenIpNeighPieces,
  commands: [/^ip\s+(-\S+\s+)*(-n\s+\S+\s+)?(-\S+\s+)*(n|ne|nei|neig|neigh|neighbor|neighbour)\b/],
  sniff(lines) {
    let ok = 0,
      total = 0;
    for (const l of lines) {
      if (!l.trim()) continue;
      total++;
      if (parseNeighLine(l) && / dev /.test(l)) ok++;
    }
    return total ? (ok / total) * 0.9 : 0;
  },
};
