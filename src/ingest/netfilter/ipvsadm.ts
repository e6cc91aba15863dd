import type { Fact, IpvsVirtualServer, KubeProxyConfig, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import { registerFormat } from '../registry';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { shareOfLines } from '../sniff';
import { totalParse } from '../total';

/**
 * `ipvsadm -Ln`: virtual servers (`TCP  10.96.0.1:443 rr [persistent 10800]`) each
 * followed by real servers (`  -> 172.30.1.48:6443  Masq  1  0  0`). `--stats` and
 * `--rate` listings print counters instead of scheduler/forwarding: their virtual
 * servers are read (scheduler left empty), their per-server counters are skipped.
 */

const FORMAT = 'ipvsadm';
const VIRTUAL = /^(TCP|UDP|SCTP)\s+(\[[0-9a-fA-F:.]+\]|[\d.]+):(\d+)(?:\s+(.*))?$/;
const REAL = /^->\s+(\[[0-9a-fA-F:.]+\]|[\d.]+):(\d+)\s+(\S+)(?:\s+(\S+)(?:\s+(\d+)\s+(\d+))?)?/;

const stripBrackets = (a: string) => (a.startsWith('[') ? a.slice(1, -1) : a);

export function parseIpvsadm(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const servers: IpvsVirtualServer[] = [];
  const firstLine = input.firstLine ?? 1;
  let counterColumns = false;
  let current: IpvsVirtualServer | undefined;
  let records = 0;
  const lines = input.text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = firstLine + idx;
    const text = lines[idx].trim();
    if (!text || text.startsWith('#')) continue;
    if (text.startsWith('IP Virtual Server version')) continue;
    if (text.startsWith('Prot LocalAddress')) { counterColumns = /Conns|CPS/.test(text); continue; }
    if (text.startsWith('-> RemoteAddress')) continue;
    const v = VIRTUAL.exec(text);
    if (v) {
      const rest = (v[4] ?? '').split(/\s+/).filter(Boolean);
      const vs: IpvsVirtualServer = {
        kind: 'IpvsVirtualServer', protocol: v[1] as IpvsVirtualServer['protocol'], address: stripBrackets(v[2]), port: Number(v[3]),
        scheduler: counterColumns ? '' : (rest[0] ?? ''), realServers: [], evidence: [logEvidence(input.uri, lineNo, text, FORMAT)],
      };
      const persistent = rest.indexOf('persistent');
      if (persistent >= 0 && /^\d+$/.test(rest[persistent + 1] ?? '')) vs.persistentSeconds = Number(rest[persistent + 1]);
      servers.push(vs);
      facts.push(vs);
      current = vs;
      records++;
      continue;
    }
    const r = REAL.exec(text);
    if (r && current) {
      records++;
      if (counterColumns) continue;
      const weight = Number(r[4]);
      if (!Number.isFinite(weight)) { unparsed.push({ line: lineNo, reason: 'real server without weight', text }); continue; }
      const rs: IpvsVirtualServer['realServers'][number] = { address: stripBrackets(r[1]), port: Number(r[2]), forward: r[3], weight };
      if (r[5] !== undefined) { rs.activeConn = Number(r[5]); rs.inactConn = Number(r[6]); }
      current.realServers.push(rs);
      current.evidence.push(logEvidence(input.uri, lineNo, text, FORMAT));
      continue;
    }
    unparsed.push({ line: lineNo, reason: r ? 'real server before any virtual server' : 'not an ipvsadm -Ln line', text: text.slice(0, 200) });
  }
  if (servers.length > 0) {
    const config: KubeProxyConfig = { kind: 'KubeProxy', mode: 'ipvs', evidence: [servers[0].evidence[0]] };
    facts.push(config);
  }
  return { format: FORMAT, facts, records, unparsed };
}

export const ipvsadmFormat: FormatSpec = {
  id: FORMAT,
  parse: (input) => totalParse(FORMAT, input, () => parseIpvsadm(input)),
  commands: [/^ipvsadm\s(.*\s)?-[a-zA-Z]*[Ll]/],
  sniff: (lines) => shareOfLines(lines, (t) => t.startsWith('IP Virtual Server version') || t.startsWith('Prot LocalAddress') || t.startsWith('-> RemoteAddress') || VIRTUAL.test(t) || REAL.test(t)),
};

registerFormat(ipvsadmFormat);
