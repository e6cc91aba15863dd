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
  const t = words(line);
  if (t.length < 2 || !MAC_RE.test(t[0])) return undefined;
  // `bridge fdb show dev flannel.1` leaves `dev` out of every line: it comes from the command.
  const dev = after(t, 'dev') ?? commandDev;
  if (!dev) return undefined;
  const e: Omit<FdbEntry, 'evidence'> = { kind: 'FdbEntry', mac: t[0].toLowerCase(), dev, flags: [] };
  const dst = after(t, 'dst');
  if (dst) e.dst = dst;
  const master = after(t, 'master');
  if (master) e.master = master;
  const vlan = intAfter(t, 'vlan');
  if (vlan !== undefined) e.vlan = vlan;
  // `master` is both a flag-like word and a key; only words not used as values count as flags.
  for (let i = 1; i < t.length; i++) {
    if (['dev', 'dst', 'master', 'vlan', 'port', 'vni', 'via', 'src_vni', 'nhid'].includes(t[i])) {
      i++;
      continue;
    }
    if (FLAGS.has(t[i])) e.flags.push(t[i]);
  }
  return e;
}

export function parseBridgeFdb(input: ParseInput): ParseResult {
  const h = hostLines(input, 'bridge-fdb');
  const facts: FdbEntry[] = [];
  const commandDev = input.command ? /\sdev\s+(\S+)/.exec(input.command)?.[1] : undefined;
  for (let i = 0; i < h.lines.length; i++) {
    if (h.lines[i].trim() === '') continue;
    const e = parseFdbLine(h.lines[i], commandDev);
    if (!e) {
      const noDev = MAC_RE.test(words(h.lines[i])[0] ?? '');
      h.skip(
        i,
        noDev
          ? 'entry without a device (`bridge fdb show dev X` omits it; give the command)'
          : 'not a forwarding database entry',
      );
      continue;
    }
    const fact: FdbEntry = { ...e, evidence: [h.evidence(i)] };
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: 'bridge-fdb', facts, records: facts.length, unparsed: h.unparsed };
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
    for (const l of lines) {
      if (!l.trim()) continue;
      total++;
      if (parseFdbLine(l, 'dev')) ok++;
    }
    return total ? (ok / total) * 0.95 : 0;
  },
};
