/**
 * Linux `traceroute` (iputils-successor "modern traceroute") and busybox `traceroute`:
 * `traceroute to NAME (IP), 30 hops max, 60 byte packets`, then one line per hop
 * ` 1  10.244.0.1 (10.244.0.1)  0.015 ms  0.014 ms  0.013 ms`, `* * *` for silence and
 * `!H`/`!N`/`!X`/`!A` … after a time when an ICMP unreachable came back.
 */
import { isIPv4, isIPv6, type Fact, type TracerouteResult, type Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import {
  fractionMatching,
  lineEvidence,
  logicalLines,
  splitBeforeTokens,
  tokenize,
  totalParse,
  unparsedLine,
  type LogicalLine,
} from '../dns/lines';
import { isKubectlChatter, parseToolCommand, toolCommandPatterns } from '../dns/commandLine';

const FORMAT = 'traceroute';
type Hop = TracerouteResult['hops'][number];
type Probe = Hop['probes'][number];

const HEADER = new RegExp(
  String.raw`^traceroute6? to (?<target>\S+) \((?<targetIp>[0-9a-fA-F.:]+)\),\s*(?<maxHops>\d+) hops max` +
    String.raw`(?:, (?<packetBytes>\d+) byte packets)?`,
);

/**
 * Cuts a flattened traceroute before its header and before each hop number: the
 * hop counter is the integer that continues 1, 2, 3 … and is not a time (`ms` follows times).
 */
export function unflattenTraceroute(line: string): { text: string; start: number }[] {
  let next = 0; // the hop number expected next; 0 until a header or a first hop is seen
  return splitBeforeTokens(line, (tokens, index) => {
    if (index === 1)
      next = /^\d{1,3}$/.test(tokens[0].text) ? Number(tokens[0].text) + 1 : tokens[0].text === 'traceroute' ? 1 : 0;
    const word = tokens[index].text;
    const after = tokens[index + 1]?.text;
    if (word === 'traceroute' && after === 'to') {
      next = 1;
      return true;
    }
    if (next === 0 || word !== String(next) || after === undefined) return false;
    if (after === 'ms' || after === 'hops' || after === 'byte') return false;
    next++;
    return true;
  });
}

const isAddress = (text: string): boolean => isIPv4(text) || isIPv6(text);

/** One hop line after its number: addresses, names, times, stars and `!X` marks. */
function parseProbes(rest: string, carry: { ip?: string; name?: string }): Probe[] | undefined {
  const toks = tokenize(rest).map((token) => token.text);
  const probes: Probe[] = [];
  let cur: { ip?: string; name?: string } = { ...carry };
  for (let i = 0; i < toks.length; i++) {
    const token = toks[i];
    if (token === '*') {
      probes.push({ note: '*' });
      continue;
    }
    if (/^![A-Za-z0-9<>-]*$/.test(token)) {
      // !H, !N, !X, busybox's lone ! and !F-1450
      const last = probes[probes.length - 1];
      if (!last || last.rttMs === undefined) return undefined;
      last.note = token;
      continue;
    }
    if (/^\d+(\.\d+)?$/.test(token) && toks[i + 1] === 'ms') {
      const probe: Probe = { rttMs: Number(token) };
      if (cur.ip) probe.ip = cur.ip;
      if (cur.name) probe.name = cur.name;
      probes.push(probe);
      i++;
      continue;
    }
    const address = /^\((?<ip>[0-9a-fA-F.:]+)\)$/.exec(toks[i + 1] ?? '')?.groups?.ip;
    if (address !== undefined && isAddress(address)) {
      cur = token === address ? { ip: address } : { ip: address, name: token };
      i++;
      continue;
    }
    if (isAddress(token)) {
      cur = { ip: token };
      continue;
    }
    return undefined;
  }
  carry.ip = cur.ip;
  carry.name = cur.name;
  return probes;
}

export function parseTraceroute(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const facts: Fact[] = [];
    const unparsed: Unparsed[] = [];
    let cur: TracerouteResult | undefined;
    let lines: LogicalLine[] = [];
    // busybox prints a probe's address only when it changes, also across hops
    const carry: { ip?: string; name?: string } = {};
    const finish = (): void => {
      if (!cur) return;
      const last = lines[lines.length - 1];
      if (last && last.line !== cur.evidence[0].line) cur.evidence[0].endLine = last.line;
      facts.push(cur);
      cur = undefined;
      lines = [];
    };
    for (const logicalLine of logicalLines(input, unflattenTraceroute)) {
      const text = logicalLine.text.trim();
      if (text === '') continue;
      const header = HEADER.exec(text)?.groups;
      if (header) {
        finish();
        cur = {
          kind: 'Traceroute',
          target: header.target,
          hops: [],
          evidence: [lineEvidence(input.uri, logicalLine, FORMAT)],
        };
        if (isAddress(header.targetIp)) cur.targetIp = header.targetIp;
        cur.maxHops = Number(header.maxHops);
        if (cmd.client) cur.client = cmd.client;
        lines = [logicalLine];
        carry.ip = undefined;
        carry.name = undefined;
        continue;
      }
      const hop = /^(?<ttl>\d{1,3})\s+(?<probes>.*)$/.exec(text)?.groups;
      if (hop && cur) {
        const probes = parseProbes(hop.probes, carry);
        if (probes && probes.length > 0) {
          cur.hops.push({ ttl: Number(hop.ttl), probes, line: logicalLine.line });
          lines.push(logicalLine);
          continue;
        }
      }
      // tool warnings, no facts
      if (/^traceroute: /.test(text) || /^(Warning|warning): /.test(text) || isKubectlChatter(text)) continue;
      unparsed.push(
        unparsedLine(logicalLine, cur ? 'not a traceroute hop' : 'traceroute hop before any "traceroute to" header'),
      );
    }
    finish();
    return { format: FORMAT, facts, records: facts.length, unparsed };
  });
}

export const tracerouteFormat: FormatSpec = {
  id: FORMAT,
  tools: ['traceroute', 'traceroute6'],
  parse: parseTraceroute,
  unflatten: unflattenTraceroute,
  commands: toolCommandPatterns('traceroute6?'),
  sniff(lines) {
    if (lines.some((line) => HEADER.test(line.trim()))) return 0.95;
    return 0.5 * fractionMatching(lines, (line) => /^\s*\d{1,3}\s+(\*|\S+\s+(\(\S+\)\s+)?\d+\.\d+ ms)/.test(line));
  },
};
