import type { Fact, IpvsVirtualServer, KubeProxyConfig, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { shareOfLines } from '../sniff';
import { totalParse } from '../total';
import { cutAt, type LinePiece } from '../words';

/**
 * `ipvsadm -Ln`: virtual servers (`TCP  10.96.0.1:443 rr [persistent 10800]`) each
 * followed by real servers (`  -> 172.30.1.48:6443  Masq  1  0  0`). `--stats` and
 * `--rate` listings print counters instead of scheduler/forwarding: their virtual
 * servers are read (scheduler left empty), their per-server counters are skipped.
 */

const FORMAT = 'ipvsadm';
const VIRTUAL = /^(?<protocol>TCP|UDP|SCTP)\s+(?<address>\[[0-9a-fA-F:.]+\]|[\d.]+):(?<port>\d+)(?:\s+(?<rest>.*))?$/;
const REAL = new RegExp(
  String.raw`^->\s+(?<address>\[[0-9a-fA-F:.]+\]|[\d.]+):(?<port>\d+)\s+(?<forward>\S+)` +
    String.raw`(?:\s+(?<weight>\S+)(?:\s+(?<active>\d+)\s+(?<inactive>\d+))?)?`,
);

const stripBrackets = (address: string) => (address.startsWith('[') ? address.slice(1, -1) : address);

const BANNER = /^IP Virtual Server version \S+ \(size=\d+\)$/;
const COLUMNS = [
  ...['Scheduler', 'Flags', 'Forward', 'Weight', 'ActiveConn', 'InActConn', 'Conns'],
  ...['InPkts', 'OutPkts', 'InBytes', 'OutBytes', 'CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'],
];
const COLUMN_WORDS = String.raw`(?:\s+(?:${COLUMNS.join('|')}))*`;
const VIRTUAL_HEADER = new RegExp(`^Prot LocalAddress:Port${COLUMN_WORDS}$`);
const REAL_HEADER = new RegExp(`^-> RemoteAddress:Port${COLUMN_WORDS}$`);

/** Where lines start in `ipvsadm -Ln` output whose newlines were lost: headers, virtual servers, `-> ` real servers. */
const VIRTUAL_ADDRESS = String.raw`(?:\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3})`;
const LINE_STARTS = [
  'IP Virtual Server version ',
  'Prot LocalAddress:Port',
  String.raw`->\s`,
  String.raw`(?:TCP|UDP|SCTP)\s+${VIRTUAL_ADDRESS}:\d`,
];
const LINE_START = new RegExp(String.raw`(?<=^|\s)(?=${LINE_STARTS.join('|')})`, 'g');

/** Cuts one line into the lines of ipvsadm output it holds; a line with one comes back whole. */
export function unflattenIpvsadm(line: string): LinePiece[] {
  const cuts: number[] = [];
  LINE_START.lastIndex = 0;
  for (let m = LINE_START.exec(line); m; m = LINE_START.exec(line)) {
    if (m.index > 0) cuts.push(m.index);
    LINE_START.lastIndex = m.index + 1;
  }
  return cuts.length === 0 ? [{ text: line, start: 0 }] : cutAt(line, cuts);
}

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
    // header lines, whole: a line that only starts like one (text whose newlines were lost) is reported
    if (BANNER.test(text) || REAL_HEADER.test(text)) continue;
    if (VIRTUAL_HEADER.test(text)) {
      counterColumns = /Conns|CPS/.test(text);
      continue;
    }
    const match = VIRTUAL.exec(text)?.groups;
    if (match) {
      const rest = (match.rest ?? '').split(/\s+/).filter(Boolean);
      const vs: IpvsVirtualServer = {
        kind: 'IpvsVirtualServer',
        protocol: match.protocol as IpvsVirtualServer['protocol'],
        address: stripBrackets(match.address),
        port: Number(match.port),
        scheduler: counterColumns ? '' : (rest[0] ?? ''),
        realServers: [],
        evidence: [logEvidence(input.uri, lineNo, text, FORMAT)],
      };
      const persistent = rest.indexOf('persistent');
      if (persistent >= 0 && /^\d+$/.test(rest[persistent + 1] ?? ''))
        vs.persistentSeconds = Number(rest[persistent + 1]);
      servers.push(vs);
      facts.push(vs);
      current = vs;
      records++;
      continue;
    }
    const real = REAL.exec(text)?.groups;
    if (real && current) {
      records++;
      if (counterColumns) continue;
      const weight = Number(real.weight);
      if (!Number.isFinite(weight)) {
        unparsed.push({ line: lineNo, reason: 'real server without weight', text });
        continue;
      }
      const rs: IpvsVirtualServer['realServers'][number] = {
        address: stripBrackets(real.address),
        port: Number(real.port),
        forward: real.forward,
        weight,
      };
      if (real.active !== undefined) {
        rs.activeConn = Number(real.active);
        rs.inactConn = Number(real.inactive);
      }
      current.realServers.push(rs);
      current.evidence.push(logEvidence(input.uri, lineNo, text, FORMAT));
      continue;
    }
    unparsed.push({
      line: lineNo,
      reason: real ? 'real server before any virtual server' : 'not an ipvsadm -Ln line',
      text: text.slice(0, 200),
    });
  }
  if (servers.length > 0) {
    const config: KubeProxyConfig = { kind: 'KubeProxy', mode: 'ipvs', evidence: [servers[0].evidence[0]] };
    facts.push(config);
  }
  return { format: FORMAT, facts, records, unparsed };
}

export const ipvsadmFormat: FormatSpec = {
  id: FORMAT,
  tools: ['ipvsadm'],
  parse: (input) => totalParse(FORMAT, input, () => parseIpvsadm(input)),
  commands: [/^ipvsadm\s(.*\s)?-[a-zA-Z]*[Ll]/],
  unflatten: unflattenIpvsadm,
  sniff: (lines) =>
    shareOfLines(
      lines,
      (line) =>
        line.startsWith('IP Virtual Server version') ||
        line.startsWith('Prot LocalAddress') ||
        line.startsWith('-> RemoteAddress') ||
        VIRTUAL.test(line) ||
        REAL.test(line),
    ),
};
