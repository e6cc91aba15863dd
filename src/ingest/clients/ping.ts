/**
 * `ping` (busybox and iputils): `PING 10.0.0.2 (10.0.0.2): 56 data bytes`, replies, iputils'
 * `From 10.244.0.1 icmp_seq=1 Destination Host Unreachable`, the statistics line
 * `2 packets transmitted, 0 packets received, 100% packet loss`, and the errors
 * `ping: sendto: Network is unreachable`, `ping: bad address 'web'`, `ping: web: Name or service not known`.
 */
import type { ClientResult, Fact, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, splitBeforeTokens, unparsedLine } from '../dns/lines';
import { totalParse } from '../total';
import { clientResult, EXIT_STATUS, outcomeOfErrno, RUNNER_PREFIX } from './clientLines';

const FORMAT = 'ping';
const HEADER = /^PING (?<target>\S+) \((?<ip>[^)]+)\):? \d+(?:\(\d+\))? (?:data )?bytes(?: of data\.)?$/;
const REPLY_FIELDS = String.raw`(?:icmp_)?seq=\d+ ttl=\d+ time=[\d.]+ ms$`;
/** `64 bytes from 10.244.0.5: seq=0 ttl=64 time=0.1 ms` (busybox) or with `icmp_seq=` (iputils). */
const REPLY = new RegExp(String.raw`^\d+ bytes from \S+ ${REPLY_FIELDS}|^\d+ bytes from \S+: ${REPLY_FIELDS}`);
const UNREACHABLE = /^From (?<from>\S+?):? icmp_seq=\d+ (?<message>Destination (?:Host|Net|Port) Unreachable|.*)$/;
/** busybox's `bad address 'x'`, iputils' `x: Name or service not known` (or a resolver failure). */
const UNRESOLVED = new RegExp(
  String.raw`^(?:bad address '(?<busybox>[^']+)'` +
    String.raw`|(?<iputils>\S+): (?:Name or service not known|Temporary failure in name resolution))`,
);
const STATISTICS = new RegExp(
  String.raw`^(?<sent>\d+) packets transmitted, (?<received>\d+)(?: packets)? received,` +
    String.raw`(?: \+\d+ errors,)?(?: \+\d+ duplicates,)? (?<loss>[\d.]+)% packet loss`,
);
const CHATTER = /^(?:--- \S+ ping statistics ---|round-trip min\/avg\/max = .*|rtt min\/avg\/max\/mdev = .*)$/;
const ERROR = /^ping: (?<message>.*)$/;

function parsePing(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  let target: string | undefined;
  let replies = 0;
  for (const logicalLine of logicalLines(input, unflattenPing)) {
    const text = logicalLine.text.trim();
    if (!text) continue;
    const add = (fields: Omit<ClientResult, 'kind' | 'evidence' | 'tool'>) =>
      facts.push(
        clientResult(
          { tool: 'ping', ...fields },
          lineEvidence(input.uri, { ...logicalLine, text }, FORMAT),
          input.host,
        ),
      );
    if (text.length > 4000) {
      unparsed.push(unparsedLine(logicalLine, 'line too long for ping output'));
      continue;
    }
    const header = HEADER.exec(text)?.groups;
    if (header) {
      target = header.ip;
      continue;
    }
    if (REPLY.test(text)) {
      replies++;
      continue;
    }
    if (CHATTER.test(text) || EXIT_STATUS.test(text)) continue;
    const stats = STATISTICS.exec(text)?.groups;
    if (stats) {
      const loss = Number(stats.loss);
      const fields: Omit<ClientResult, 'kind' | 'evidence' | 'tool'> = {
        outcome: loss > 0 ? 'packet-loss' : 'ok',
        code: loss,
        message: text,
      };
      if (target) fields.target = target;
      add(fields);
      continue;
    }
    const unreachable = UNREACHABLE.exec(text)?.groups;
    if (unreachable) {
      const outcome = /Host Unreachable/.test(unreachable.message)
        ? 'no-route'
        : /Net Unreachable/.test(unreachable.message)
          ? 'network-unreachable'
          : undefined;
      if (outcome) {
        add({ outcome, target: unreachable.from, message: text });
        continue;
      }
    }
    const error = ERROR.exec(text)?.groups;
    if (error) {
      const bad = UNRESOLVED.exec(error.message)?.groups;
      if (bad) {
        add({ outcome: 'unresolved', target: bad.busybox ?? bad.iputils, message: text });
        continue;
      }
      const outcome = outcomeOfErrno(error.message);
      if (outcome) {
        const fields: Omit<ClientResult, 'kind' | 'evidence' | 'tool'> = { outcome, message: text };
        if (target) fields.target = target;
        add(fields);
        continue;
      }
    }
    unparsed.push(unparsedLine(logicalLine, 'not ping output'));
  }
  return { format: FORMAT, facts, records: facts.length + replies, unparsed };
}

/** Cuts a flattened ping output before its header, each reply, the statistics and each error. */
function unflattenPing(line: string) {
  return splitBeforeTokens(line, (tokens, index) => {
    const word = tokens[index].text;
    const next = tokens[index + 1]?.text;
    if (/^\d+$/.test(word))
      return (
        (next === 'bytes' && tokens[index + 2]?.text === 'from') ||
        (next === 'packets' && tokens[index + 2]?.text === 'transmitted,')
      );
    if (word === '---') return tokens[index + 2]?.text === 'ping';
    if (word === 'From') return /^icmp_seq=/.test(tokens[index + 2]?.text ?? '');
    return word === 'PING' || word === 'ping:' || word === 'round-trip' || word === 'rtt' || /^exit=\d+$/.test(word);
  });
}

export const pingFormat: FormatSpec = {
  id: FORMAT,
  tools: ['ping', 'ping6'],
  parse: (input) => totalParse(FORMAT, input, () => parsePing(input)),
  commands: [new RegExp(`^${RUNNER_PREFIX}ping6?(\\s|$)`)],
  unflatten: unflattenPing,
  sniff: (lines) =>
    0.9 *
    fractionMatching(
      lines,
      (line) => HEADER.test(line.trim()) || REPLY.test(line.trim()) || STATISTICS.test(line.trim()),
    ),
};
