/**
 * What listens: `ss -l[tu][n][p]` (`LISTEN 0 9 *:80 *:* users:(("busybox",pid=15077,fd=4))`, with a
 * leading Netid column when TCP and UDP are mixed) and `netstat -l[tu][n][p]`
 * (`tcp6 0 0 :::80 :::* LISTEN 24750/busybox`). Listening TCP and bound UDP sockets become
 * ListeningSocket facts; established connections are not what these facts say and are reported.
 */
import type { Fact, ListeningSocket } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, tokenize, unparsedLine } from '../dns/lines';
import { totalParse } from '../total';

const FORMAT = 'sockets';
const SS_HEADER = /^(?:Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/;
const NETSTAT_TITLE = /^Active (?:Internet connections|UNIX domain sockets)\b/;
const NETSTAT_HEADER = /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address/;
const SS_PROCESS = /users:\(\("(?<name>[^"]{1,200})",pid=(?<pid>\d{1,10})/;
const NETSTAT_PROCESS = /^(?<pid>\d{1,10})\/(?<name>\S+)$/;

/** `*:80`, `0.0.0.0:53`, `[::]:80`, `:::8080`, `127.0.0.53%lo:53` → address and port. */
function splitAddressPort(text: string): { address: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  let address = text.slice(0, colon).replace(/%\S*$/, '');
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  return address ? { address, port: Number(portText) } : undefined;
}

const protocolOf = (word: string): 'tcp' | 'udp' | undefined =>
  /^tcp6?$/.test(word) ? 'tcp' : /^udp6?$/.test(word) ? 'udp' : undefined;

/** The protocol the command lists when rows do not say it (`ss -ltn` → tcp). */
function commandProtocol(command: string | undefined): 'tcp' | 'udp' | undefined {
  const flags = (command ?? '')
    .split(/\s+/)
    .filter((word) => /^-[a-zA-Z]+$/.test(word))
    .join('');
  const tcp = flags.includes('t');
  const udp = flags.includes('u');
  return tcp && !udp ? 'tcp' : udp && !tcp ? 'udp' : undefined;
}

function parseSockets(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: ReturnType<typeof unparsedLine>[] = [];
  const fromCommand = commandProtocol(input.command);
  for (const logicalLine of logicalLines(input)) {
    const text = logicalLine.text.trim();
    if (!text || SS_HEADER.test(text) || NETSTAT_TITLE.test(text) || NETSTAT_HEADER.test(text)) continue;
    const cols = text.length < 4000 ? tokenize(text).map((token) => token.text) : [];
    let protocol: 'tcp' | 'udp' | undefined;
    let state: string | undefined;
    let local: string | undefined;
    let processText: string | undefined;
    if (protocolOf(cols[0] ?? '') && /^\d+$/.test(cols[1] ?? '') && /^\d+$/.test(cols[2] ?? '')) {
      // netstat: Proto Recv-Q Send-Q Local Foreign [State] [PID/Program]
      protocol = protocolOf(cols[0]);
      local = cols[3];
      const rest = cols.slice(5);
      state = rest[0] && !NETSTAT_PROCESS.test(rest[0]) && rest[0] !== '-' ? rest.shift() : undefined;
      processText = rest.join(' ') || undefined;
      if (protocol === 'udp' && !state) state = 'UNCONN';
    } else {
      // ss: [Netid] State Recv-Q Send-Q Local Peer [Process]
      const withNetid = /^(?:tcp|udp|raw|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|sctp|mptcp)$/.test(cols[0] ?? '');
      const at = withNetid ? 1 : 0;
      if (!/^[A-Z][A-Z0-9-]*$/.test(cols[at] ?? '') || !/^\d+$/.test(cols[at + 1] ?? '')) {
        unparsed.push(unparsedLine(logicalLine, 'not a socket row of ss or netstat'));
        continue;
      }
      protocol = withNetid ? protocolOf(cols[0]) : undefined;
      state = cols[at];
      local = cols[at + 3];
      processText = cols.slice(at + 5).join(' ') || undefined;
      protocol ??= fromCommand ?? (state === 'LISTEN' ? 'tcp' : state === 'UNCONN' ? 'udp' : undefined);
    }
    const where = local ? splitAddressPort(local) : undefined;
    if (!where || !protocol) {
      unparsed.push(unparsedLine(logicalLine, 'socket row without a local address:port or a protocol'));
      continue;
    }
    if (state !== 'LISTEN' && state !== 'UNCONN') {
      unparsed.push(unparsedLine(logicalLine, `a ${state ?? 'connected'} socket: only listening sockets are read`));
      continue;
    }
    const fact: ListeningSocket = {
      kind: 'ListeningSocket',
      protocol,
      address: where.address,
      port: where.port,
      evidence: [lineEvidence(input.uri, { ...logicalLine, text }, FORMAT)],
    };
    const proc = processText ? (SS_PROCESS.exec(processText) ?? NETSTAT_PROCESS.exec(processText)) : null;
    if (proc?.groups) {
      fact.process = proc.groups.name;
      fact.pid = Number(proc.groups.pid);
    }
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

export const socketsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['ss', 'netstat'],
  parse: (input) => totalParse(FORMAT, input, () => parseSockets(input)),
  // One `\s` before the optional middle (not `\s+`): the two could share a run of spaces and
  // backtrack quadratically on it (the regex net: 4.4 s at 40k spaces); the language is the same.
  commands: [/^ss\s(?:.*\s)?-[a-zA-Z]*l/, /^netstat\s(?:.*\s)?-[a-zA-Z]*l/],
  sniff: (lines) =>
    0.9 *
    fractionMatching(lines, (line) => {
      const trimmed = line.trim();
      return (
        SS_HEADER.test(trimmed) ||
        NETSTAT_TITLE.test(trimmed) ||
        NETSTAT_HEADER.test(trimmed) ||
        /^(?:(?:tcp|udp)\s+)?(?:LISTEN|UNCONN)\s+\d+\s+\d+\s+\S+:\S+\s+\S+:\S+/.test(trimmed) ||
        /^(?:tcp|udp)6?\s+\d+\s+\d+\s+\S+:\S+\s+\S+:\S+(?:\s+LISTEN)?/.test(trimmed)
      );
    }),
};
