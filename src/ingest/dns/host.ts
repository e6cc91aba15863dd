/**
 * `host` output: `NAME has address IP`, `is an alias for`, `domain name pointer`,
 * `has SRV record`, `Host NAME not found: 3(NXDOMAIN)`, timeouts, and `host -v`
 * (dig-style messages, read by the shared DigReader).
 */
import type { DnsLookup, Fact, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import {
  fractionMatching,
  lineEvidence,
  logicalLines,
  splitBeforeTokens,
  stripDot,
  totalParse,
  unparsedLine,
  type Token,
} from './lines';
import { isKubectlChatter, parseToolCommand, toolCommandPatterns } from './commandLine';
import {
  addAnswer,
  clusterDnsFromAnswer,
  newLookup,
  questionNameFromArgs,
  questionTypeFromArgs,
  serverFromArgs,
  splitServer,
} from './dnsFacts';
import { DigReader } from './digMessage';

const FORMAT = 'host';

/** The phrase after the name and the record type it reports. */
const PHRASES: [string[], string][] = [
  [['has', 'address'], 'A'],
  [['has', 'IPv6', 'address'], 'AAAA'],
  [['is', 'an', 'alias', 'for'], 'CNAME'],
  [['domain', 'name', 'pointer'], 'PTR'],
  [['has', 'SRV', 'record'], 'SRV'],
  [['mail', 'is', 'handled', 'by'], 'MX'],
  [['descriptive', 'text'], 'TXT'],
  [['name', 'server'], 'NS'],
  [['has', 'no'], ''],
];

function phraseAt(tokens: readonly Token[], index: number): [number, string] | undefined {
  for (const [words, type] of PHRASES) {
    if (index + words.length > tokens.length) continue;
    if (words.every((word, k) => tokens[index + k].text === word)) return [words.length, type];
  }
  return undefined;
}

/** Cuts flattened host output before each `NAME has address …` record and each `Host … not found`. */
export function unflattenHost(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (tokens, index) => {
    const word = tokens[index].text;
    if (
      (word === 'Host' && tokens[index + 2]?.text === 'not') ||
      word === ';;' ||
      word === '#' ||
      word === 'Trying' ||
      word === 'Received' ||
      word === 'Using'
    )
      return true;
    return phraseAt(tokens, index + 1) !== undefined && phraseAt(tokens, index) === undefined;
  });
}

export function parseHost(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const args = cmd.tool === 'host' ? cmd.args : [];
    const asked = questionNameFromArgs(args, 'host');
    const server = serverFromArgs(args, 'host');
    const facts: Fact[] = [];
    const unparsed: Unparsed[] = [];
    let records = 0;
    const lookups = new Map<string, DnsLookup>();
    const aliases = new Map<string, string>();
    let usingServer: { ip: string; port?: number } | undefined = server ? { ip: server } : undefined;
    const reader = new DigReader({
      tool: 'host',
      format: FORMAT,
      uri: input.uri,
      client: cmd.client,
      askedName: asked,
      askedType: questionTypeFromArgs(args),
      server,
    });
    let inMessage = false;

    for (const logicalLine of logicalLines(input, unflattenHost)) {
      const line = logicalLine.text.trim();
      if (line === '') {
        if (inMessage) reader.feed(logicalLine);
        continue;
      }
      if (line.startsWith('#')) continue;
      // `host -v`: a dig-style message from `Trying "name"` to `Received N bytes from …`
      if (line.startsWith('Trying "')) inMessage = true;
      if (inMessage) {
        if (line.startsWith('Received ')) inMessage = false;
        if (reader.feed(logicalLine)) continue;
      }
      const notFound = /^Host (?<name>\S+) not found: \d+\((?<status>[A-Z]+)\)/.exec(line)?.groups;
      if (notFound) {
        const name = stripDot(notFound.name);
        const lookup =
          lookups.get(name) ??
          newLookup({ tool: 'host', name, type: questionTypeFromArgs(args) ?? 'A', evidence: [], client: cmd.client });
        lookup.status = notFound.status;
        lookup.evidence.push(lineEvidence(input.uri, logicalLine, FORMAT));
        lookups.set(name, lookup);
        continue;
      }
      if (/^;; (connection timed out|communications error to|no servers could be reached)/.test(line)) {
        const address = /communications error to (?<server>\S+#\d+)/.exec(line)?.groups?.server;
        if (address !== undefined) usingServer = splitServer(address);
        if (!asked) {
          unparsed.push(unparsedLine(logicalLine, 'timeout, but the name asked is unknown (no command shown)'));
          continue;
        }
        const lookup =
          lookups.get(asked) ??
          newLookup({
            tool: 'host',
            name: asked,
            type: questionTypeFromArgs(args) ?? 'A',
            evidence: [],
            client: cmd.client,
          });
        lookup.status = 'timeout';
        lookup.evidence.push(lineEvidence(input.uri, logicalLine, FORMAT));
        lookups.set(asked, lookup);
        continue;
      }
      // `Using domain server:` block when a server is given on the command line
      const address = /^Address: (?<server>\S+)$/.exec(line)?.groups?.server;
      if (address !== undefined) {
        usingServer = splitServer(address);
        continue;
      }
      if (/^(Using domain server:|Name: |Aliases:)/.test(line)) continue;
      const toks = line.split(/\s+/).map((text, start) => ({ text, start }));
      const ph = toks.length >= 3 ? phraseAt(toks, 1) : undefined;
      if (ph) {
        const name = stripDot(toks[0].text);
        // `ext is an alias for a-app.` then `a-app has address …`: both answer the question `ext`
        const owner = aliases.get(name.toLowerCase()) ?? name;
        const noRecord = ph[1] === '' ? toks[1 + ph[0]]?.text : undefined; // `has no AAAA record`
        const type = noRecord ?? (ph[1] === 'PTR' || ph[1] === 'SRV' ? ph[1] : (questionTypeFromArgs(args) ?? 'A'));
        const lookup =
          lookups.get(owner) ?? newLookup({ tool: 'host', name: owner, type, evidence: [], client: cmd.client });
        lookup.evidence.push(lineEvidence(input.uri, logicalLine, FORMAT));
        lookups.set(owner, lookup);
        if (ph[1] === '') {
          lookup.status = 'NOERROR';
          continue;
        }
        const data = stripDot(
          toks
            .slice(1 + ph[0])
            .map((token) => token.text)
            .join(' '),
        );
        if (ph[1] === 'CNAME') aliases.set(data.toLowerCase(), owner);
        addAnswer(lookup, { name, type: ph[1], data });
        lookup.status = 'NOERROR';
        const cd =
          ph[1] === 'A' || ph[1] === 'AAAA'
            ? clusterDnsFromAnswer(name, data, lineEvidence(input.uri, logicalLine, FORMAT))
            : undefined;
        if (cd) facts.push(cd);
        continue;
      }
      if (isKubectlChatter(line)) continue;
      unparsed.push(unparsedLine(logicalLine, 'not host output'));
    }
    reader.flush();
    for (const lookup of lookups.values()) {
      if (usingServer) {
        lookup.server = usingServer.ip;
        if (usingServer.port !== undefined) lookup.serverPort = usingServer.port;
      }
      facts.push(lookup);
      records++;
    }
    facts.push(...reader.facts);
    unparsed.push(...reader.unparsed);
    return { format: FORMAT, facts, records: records + reader.records, unparsed };
  });
}

export const hostFormat: FormatSpec = {
  id: FORMAT,
  tools: ['host'],
  parse: parseHost,
  unflatten: unflattenHost,
  commands: toolCommandPatterns('host(?=\\s)'),
  sniff(lines) {
    // `host -v`: dig-style sections between `Trying "name"` and `Received N bytes from …`
    const trying = lines.some((line) => line.startsWith('Trying "'));
    const received = lines.some((line) => /^Received \d+ bytes from /.test(line));
    if (trying && (received || lines.some((line) => line.startsWith(';; ->>HEADER<<-')))) return 0.97;
    // a later paragraph of `host -v` (it prints blank lines between its sections): what dig
    // prints too, so only enough to go on a host block, never to take one from dig
    if (
      received ||
      (lines.some((line) => /^;; [A-Z]+ SECTION:$/.test(line.trim())) &&
        lines.every((line) => !line.trim() || line.startsWith(';') || /\sIN\s/.test(line)))
    )
      return 0.5;
    const fraction = fractionMatching(
      lines,
      (line) =>
        / (has address|has IPv6 address|is an alias for|domain name pointer|has SRV record|mail is handled by) /.test(
          line,
        ) ||
        / has no [A-Z]+ record$/.test(line) ||
        /^Host \S+ not found: /.test(line),
    );
    return fraction > 0 ? 0.5 + 0.45 * fraction : 0;
  },
};
