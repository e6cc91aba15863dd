import type { FdbEntry } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { after, hostLines, intAfter, words, MAC_RE } from './hostText';
import { unflattenBridgeFdbPieces } from './unflatten';

const FLAGS = new Set([
  'self',
  'master',
  'permanent',
  'static',
  'dynamic',
  'extern_learn',
  'offload',
  'router',
  'sticky',
  'local',
]);

/** `bridge fdb show`: `ae:cb:5d:41:7a:10 dev flannel.1 dst 172.30.1.49 self permanent`, `… master cni0`. */
function parseFdbLine(line: string, commandDev?: string): Omit<FdbEntry, 'evidence'> | undefined {
  const fields = words(line);
  if (fields.length < 2 || !MAC_RE.test(fields[0])) return undefined;
  // `bridge fdb show dev flannel.1` leaves `dev` out of every line: it comes from the command.
  const dev = after(fields, 'dev') ?? commandDev;
  if (!dev) return undefined;
  const entry: Omit<FdbEntry, 'evidence'> = { kind: 'FdbEntry', mac: fields[0].toLowerCase(), dev, flags: [] };
  const dst = after(fields, 'dst');
  if (dst) entry.dst = dst;
  const master = after(fields, 'master');
  if (master) entry.master = master;
  const vlan = intAfter(fields, 'vlan');
  if (vlan !== undefined) entry.vlan = vlan;
  // `master` is both a flag-like word and a key; only words not used as values count as flags.
  for (let i = 1; i < fields.length; i++) {
    if (['dev', 'dst', 'master', 'vlan', 'port', 'vni', 'via', 'src_vni', 'nhid'].includes(fields[i])) {
      i++;
      continue;
    }
    if (FLAGS.has(fields[i])) entry.flags.push(fields[i]);
  }
  return entry;
}

export function parseBridgeFdb(input: ParseInput): ParseResult {
  const source = hostLines(input, 'bridge-fdb');
  const facts: FdbEntry[] = [];
  const commandDev = input.command ? /\sdev\s+(\S+)/.exec(input.command)?.[1] : undefined;
  for (let i = 0; i < source.lines.length; i++) {
    if (source.lines[i].trim() === '') continue;
    const entry = parseFdbLine(source.lines[i], commandDev);
    if (!entry) {
      const noDev = MAC_RE.test(words(source.lines[i])[0] ?? '');
      source.skip(
        i,
        noDev
          ? 'entry without a device (`bridge fdb show dev X` omits it; give the command)'
          : 'not a forwarding database entry',
      );
      continue;
    }
    const fact: FdbEntry = { ...entry, evidence: [source.evidence(i)] };
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: 'bridge-fdb', facts, records: facts.length, unparsed: source.unparsed };
}

export const bridgeFdbFormat: FormatSpec = {
  id: 'bridge-fdb',
  tools: ['bridge'],
  parse: parseBridgeFdb,
  unflatten: unflattenBridgeFdbPieces,
  commands: [/^bridge\s+(-\S+\s+)*fdb\b/],
  sniff(lines) {
    let ok = 0,
      total = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      total++;
      if (parseFdbLine(line, 'dev')) ok++;
    }
    return total ? (ok / total) * 0.95 : 0;
  },
};
