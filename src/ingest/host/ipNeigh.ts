import type { Neighbor } from '../../model';
import { ipFamily } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { after, hostLines, words, MAC_RE } from './hostText';
import { unflattenIpNeighPieces } from './unflatten';

const STATES = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'STALE', 'NONE', 'INCOMPLETE', 'DELAY', 'PROBE', 'FAILED']);

/** `ip neigh`: `10.244.1.0 dev flannel.1 lladdr ae:cb:5d:41:7a:10 PERMANENT`, `… FAILED`, `… router STALE`. */
function parseNeighLine(line: string): Omit<Neighbor, 'evidence'> | undefined {
  const fields = words(line);
  if (fields.length < 2 || !ipFamily(fields[0])) return undefined;
  const neighbor: Omit<Neighbor, 'evidence'> = { kind: 'Neighbor', ip: fields[0] };
  const dev = after(fields, 'dev');
  if (dev) neighbor.dev = dev;
  const ll = after(fields, 'lladdr');
  if (ll && MAC_RE.test(ll)) neighbor.lladdr = ll.toLowerCase();
  const state = fields.filter((word) => STATES.has(word)).join(',');
  if (state) neighbor.state = state;
  if (!dev && !ll && !state) return undefined;
  return neighbor;
}

export function parseIpNeigh(input: ParseInput): ParseResult {
  const source = hostLines(input, 'ip-neigh');
  const facts: Neighbor[] = [];
  const commandDev = /\sdev\s+(?<dev>\S+)/.exec(input.command ?? '')?.groups?.dev;
  for (let i = 0; i < source.lines.length; i++) {
    if (source.lines[i].trim() === '') continue;
    const neighbor = parseNeighLine(source.lines[i]);
    if (!neighbor) {
      source.skip(i, 'not a neighbour entry');
      continue;
    }
    const fact: Neighbor = { ...neighbor, evidence: [source.evidence(i)] };
    // `ip neigh show dev cni0` leaves `dev` out of every line: it comes from the command.
    if (!fact.dev && commandDev) fact.dev = commandDev;
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: 'ip-neigh', facts, records: facts.length, unparsed: source.unparsed };
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
    for (const line of lines) {
      if (!line.trim()) continue;
      total++;
      if (parseNeighLine(line) && / dev /.test(line)) ok++;
    }
    return total ? (ok / total) * 0.9 : 0;
  },
};
