/**
 * `nslookup` output: bind9's (`Address: 10.96.0.10#53`, `Non-authoritative answer:`,
 * `canonical name =`), new busybox (`Address: 10.96.0.10:53`, `** server can't find …`,
 * `*** Can't find …: No answer`) and old busybox (`Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local`).
 * One run (from `Server:`) gives one DnsLookup per name asked.
 */
import type { DnsLookup, Fact, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import {
  fractionMatching,
  lineEvidence,
  logicalLines,
  spanEvidence,
  splitBeforeTokens,
  stripDot,
  totalParse,
  unparsedLine,
  type LogicalLine,
  type Token,
} from './lines';
import {
  isKubectlChatter,
  parseToolCommand,
  podLabel,
  podsOfKubectlLogs,
  splitArgs,
  toolCommandPatterns,
} from './commandLine';
import {
  addAnswer,
  addressType,
  clusterDnsFromAnswer,
  newLookup,
  questionNameFromArgs,
  questionTypeFromArgs,
  serverFromArgs,
  splitServer,
} from './dnsFacts';

const FORMAT = 'nslookup';

/** `X <label> = data` lines of nslookup and the record type each label stands for. */
const LABELS: [string[], string][] = [
  [['canonical', 'name', '='], 'CNAME'],
  [['name', '='], 'PTR'],
  [['service', '='], 'SRV'],
  [['mail', 'exchanger', '='], 'MX'],
  [['text', '='], 'TXT'],
  [['nameserver', '='], 'NS'],
  [['origin', '='], 'SOA'],
];

function labelAt(tokens: readonly Token[], index: number): [number, string] | undefined {
  for (const [words, type] of LABELS) {
    if (index + words.length >= tokens.length) continue;
    if (words.every((word, k) => tokens[index + k].text === word)) return [words.length, type];
  }
  return undefined;
}

/** Cuts flattened nslookup text before each `Server:`, `Address:`, `Name:`, error and record. */
export function unflattenNslookup(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (tokens, index) => {
    const word = tokens[index].text;
    const next = tokens[index + 1]?.text;
    if (
      word === 'Server:' ||
      word === 'Address:' ||
      word === 'Name:' ||
      word === 'Aliases:' ||
      word === 'Addresses:' ||
      word === ';;' ||
      word === '#' ||
      word === 'nslookup:'
    )
      return true;
    if (word === 'Address' && next !== undefined && /^\d+:$/.test(next)) return true;
    if (word === 'Non-authoritative' && next === 'answer:') return true;
    if (word === 'Authoritative' && next === 'answers') return true;
    if (word === '**' && next === 'server') return true;
    if (word === '***' && next === "Can't") return true;
    // `NAME canonical name = …`: the record starts at NAME, one token before the label
    const label = labelAt(tokens, index + 1);
    return (
      label !== undefined &&
      !(word === 'canonical' && tokens[index + 1].text === 'name') &&
      tokens[index - 1]?.text !== '='
    );
  });
}

interface Run {
  server?: string;
  port?: number;
  /** Until the first `Name:`/record, `Address` lines describe the server. */
  inServer: boolean;
  name?: string;
  /** The lookup the current `Name:` belongs to: the question itself, or the name it is a CNAME of. */
  owner?: string;
  /** CNAME target → the question that led to it. */
  aliases: Map<string, string>;
  asked?: string;
  askedType?: string;
  /** `Server:`/`Address:` lines: the proof of which server answered. */
  serverLines: LogicalLine[];
  lookups: Map<string, DnsLookup>;
  /** The lines each lookup was read from, for its span evidence. */
  lines: Map<string, LogicalLine[]>;
}

/** The question a command asks: its name, record type and server, when the command shows them. */
interface Question {
  asked?: string;
  type?: string;
  server?: string;
}

function questionOf(args: string[]): Question {
  return {
    asked: questionNameFromArgs(args, 'nslookup'),
    type: questionTypeFromArgs(args),
    server: serverFromArgs(args, 'nslookup'),
  };
}

const PROMPTED_NSLOOKUP = /^[#$]\s*nslookup\s+(?<args>.*)$/;
const SERVER = /^Server:\s*(?<server>\S+)$/;
const ADDRESS = /^Address(?:\s+\d+)?:\s*(?<address>\S+)(?:\s+(?<name>\S+))?$/;
const NAME = /^Name:\s*(?<name>\S+)$/;
const CANNOT_FIND = /^\*\* server can't find (?<name>[^\s:]+):\s*(?<status>[A-Z]+)/;
const NO_ANSWER = /^\*\*\* Can't find (?<name>[^\s:]+):\s*No answer/;
const CANNOT_RESOLVE = /^nslookup: can't resolve '(?<name>[^']+)'/;
const TIMEOUT = /^;; (connection timed out|communications error to|no servers could be reached)/;
const COMMUNICATIONS_ERROR = /communications error to (?<server>\S+#\d+)/;
const HEADINGS = /^(Non-authoritative answer:|Authoritative answers can be found from:|Aliases:|;; )/;

/**
 * Reads nslookup output line by line: each `Server:` starts a run, and a run's lookups become
 * facts when the next run (or the text) ends.
 */
class NslookupReader {
  readonly facts: Fact[] = [];
  readonly unparsed: Unparsed[] = [];
  records = 0;
  private run: Run | undefined;
  /** `kubectl logs a kubectl logs b` with `# a`, `# b` labels: each label names the client that follows. */
  private readonly logPods: ReturnType<typeof podsOfKubectlLogs>;
  private client: string | undefined;
  private pending: Question;

  constructor(private readonly input: ParseInput) {
    const command = parseToolCommand(input.command, input.host);
    this.pending = questionOf(command.tool === 'nslookup' ? command.args : []);
    this.logPods = podsOfKubectlLogs(input.command);
    this.client = command.client;
  }

  /** One line: a fact of the current run, a new run or question, or an `unparsed` entry. */
  read(line: LogicalLine): void {
    const text = line.text.trim();
    if (text === '') return;
    const prompted = PROMPTED_NSLOOKUP.exec(text);
    if (prompted?.groups) {
      this.finishRun();
      this.pending = questionOf(splitArgs(prompted.groups.args));
      return;
    }
    const pod = podLabel(text, this.logPods);
    if (pod) {
      this.finishRun();
      this.client = pod;
      return;
    }
    if (text.startsWith('#')) return; // annotation or another prompt
    if (this.serverLine(line, text) || this.addressLine(line, text) || this.nameLine(line, text)) return;
    if (this.errorLine(line, text) || this.timeoutLine(line, text)) return;
    if (HEADINGS.test(text)) return;
    if (this.recordLine(line, text)) return;
    // SOA details under `origin = …` are indented `key = value` lines. The key starts at a
    // letter (or is one space), so the indent and the key never compete for the same spaces:
    // `^\s+[a-z ]+ = ` backtracked quadratically on a long run of spaces (200k: 28 s).
    if (
      /^\s+(?:[a-z][a-z ]*| ) = \S/.test(line.text) ||
      /^(mail addr|serial|refresh|retry|expire|minimum) = /.test(text)
    )
      return;
    if (isKubectlChatter(text)) return;
    this.unparsed.push(unparsedLine(line, 'not nslookup output'));
  }

  finishRun(): void {
    const run = this.run;
    if (!run) return;
    // `nslookup cluster.local` answered by busybox with only its Server lines: asked, nothing came back
    if (run.lookups.size === 0 && run.asked && run.serverLines.length > 0) {
      run.lookups.set(
        run.asked,
        newLookup({ tool: 'nslookup', name: run.asked, type: run.askedType ?? 'A', evidence: [], client: this.client }),
      );
    }
    for (const [key, lookup] of run.lookups) {
      // first the whole record (Server line to its last line), then each line for hovers
      const span = [...run.serverLines, ...(run.lines.get(key) ?? [])];
      if (span.length > 0) lookup.evidence = [spanEvidence(this.input.uri, span, FORMAT), ...lookup.evidence];
      if (run.server) lookup.server = run.server;
      if (run.port !== undefined) lookup.serverPort = run.port;
      if (lookup.status === undefined && lookup.answers.length > 0) lookup.status = 'NOERROR';
      this.facts.push(lookup);
      this.records++;
    }
    this.run = undefined;
  }

  private startRun(): Run {
    this.finishRun();
    const { asked, type, server } = this.pending;
    const run: Run = { inServer: true, lookups: new Map(), lines: new Map(), aliases: new Map(), serverLines: [] };
    run.asked = asked;
    run.askedType = type;
    if (server) run.server = server;
    this.run = run;
    return run;
  }

  private currentRun(): Run {
    return this.run ?? this.startRun();
  }

  private evidence(line: LogicalLine) {
    return lineEvidence(this.input.uri, line, FORMAT);
  }

  /** The lookup of `name` in this run (made on first use), with `line` added to its evidence. */
  private lookupFor(run: Run, name: string, line: LogicalLine, type?: string): DnsLookup {
    const key = name.toLowerCase();
    let lookup = run.lookups.get(key);
    if (!lookup) {
      lookup = newLookup({
        tool: 'nslookup',
        name,
        type: type ?? run.askedType ?? 'A',
        evidence: [this.evidence(line)],
        client: this.client,
      });
      run.lookups.set(key, lookup);
    } else {
      lookup.evidence.push(this.evidence(line));
    }
    const lines = run.lines.get(key) ?? [];
    lines.push(line);
    run.lines.set(key, lines);
    return lookup;
  }

  private serverLine(line: LogicalLine, text: string): boolean {
    const server = SERVER.exec(text)?.groups?.server;
    if (server === undefined) return false;
    const run = this.startRun();
    run.serverLines.push(line);
    if (server !== 'UnKnown') run.server = splitServer(server).ip;
    return true;
  }

  /** `Address: 10.96.0.10#53` of the server, or an answer's `Address: 10.244.0.143`. */
  private addressLine(line: LogicalLine, text: string): boolean {
    const groups = ADDRESS.exec(text)?.groups;
    if (!groups) return false;
    const { address, name } = groups;
    const run = this.currentRun();
    if (run.inServer && run.name === undefined) {
      const server = splitServer(address);
      run.server = server.ip;
      run.serverLines.push(line);
      if (server.port !== undefined) run.port = server.port;
      // old busybox names the server: `Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local`
      const clusterDns = name ? clusterDnsFromAnswer(name, server.ip, this.evidence(line)) : undefined;
      if (clusterDns) this.facts.push(clusterDns);
      return true;
    }
    const type = addressType(address);
    if (!type || run.name === undefined) {
      this.unparsed.push(unparsedLine(line, 'address without a name'));
      return true;
    }
    const lookup = this.lookupFor(run, run.owner ?? run.name, line);
    addAnswer(lookup, { name: run.name, type, data: address });
    const clusterDns = clusterDnsFromAnswer(run.name, address, this.evidence(line));
    if (clusterDns) this.facts.push(clusterDns);
    return true;
  }

  private nameLine(line: LogicalLine, text: string): boolean {
    const name = NAME.exec(text)?.groups?.name;
    if (name === undefined) return false;
    const run = this.currentRun();
    run.inServer = false;
    run.name = stripDot(name);
    run.owner = run.aliases.get(run.name.toLowerCase()) ?? run.name;
    this.lookupFor(run, run.owner, line);
    return true;
  }

  /** `** server can't find …: NXDOMAIN`, `*** Can't find …: No answer`, old busybox's `can't resolve`. */
  private errorLine(line: LogicalLine, text: string): boolean {
    const notFound = CANNOT_FIND.exec(text)?.groups;
    if (notFound) {
      const run = this.currentRun();
      run.inServer = false;
      this.lookupFor(run, stripDot(notFound.name), line).status = notFound.status;
      return true;
    }
    const noAnswer = NO_ANSWER.exec(text)?.groups;
    if (noAnswer) {
      const run = this.currentRun();
      run.inServer = false;
      const lookup = this.lookupFor(run, stripDot(noAnswer.name), line);
      if (lookup.answers.length === 0) lookup.status = 'NOERROR';
      return true;
    }
    const unresolved = CANNOT_RESOLVE.exec(text)?.groups;
    if (unresolved) {
      // old busybox: one message for NXDOMAIN, SERVFAIL and timeouts alike
      this.lookupFor(this.currentRun(), stripDot(unresolved.name), line).status = 'failed';
      return true;
    }
    return false;
  }

  private timeoutLine(line: LogicalLine, text: string): boolean {
    if (!TIMEOUT.test(text)) return false;
    const run = this.currentRun();
    const server = COMMUNICATIONS_ERROR.exec(text)?.groups?.server;
    if (server !== undefined) {
      const address = splitServer(server.replace(/:$/, ''));
      run.server = address.ip;
      run.port = address.port;
    }
    const name = run.asked ?? this.pending.asked;
    if (name === undefined) {
      this.unparsed.push(unparsedLine(line, 'timeout, but the name asked is unknown (no command shown)'));
      return true;
    }
    this.lookupFor(run, name, line).status = 'timeout';
    return true;
  }

  /** `a-app.default.svc.cluster.local canonical name = …` and the other `X <label> = data` records. */
  private recordLine(line: LogicalLine, text: string): boolean {
    const tokens = splitArgs(text);
    const label =
      tokens.length >= 3
        ? labelAt(
            tokens.map((token, index) => ({ text: token, start: index })),
            1,
          )
        : undefined;
    if (!label) return false;
    const [labelWords, type] = label;
    const run = this.currentRun();
    run.inServer = false;
    const name = stripDot(tokens[0]);
    const data = stripDot(tokens.slice(1 + labelWords).join(' '));
    const owner = run.aliases.get(name.toLowerCase()) ?? name;
    const lookup = this.lookupFor(run, owner, line, type === 'CNAME' ? run.askedType : type);
    addAnswer(lookup, { name, type, data });
    if (type === 'CNAME') run.aliases.set(data.toLowerCase(), owner);
    return true;
  }
}

export function parseNslookup(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const reader = new NslookupReader(input);
    for (const line of logicalLines(input, unflattenNslookup)) reader.read(line);
    reader.finishRun();
    return { format: FORMAT, facts: reader.facts, records: reader.records, unparsed: reader.unparsed };
  });
}

export const nslookupFormat: FormatSpec = {
  id: FORMAT,
  tools: ['nslookup'],
  parse: parseNslookup,
  unflatten: unflattenNslookup,
  commands: toolCommandPatterns('nslookup'),
  sniff(lines) {
    const server = lines.some((line) => /^Server:\s+\S+/.test(line.trim()));
    const addr = lines.some((line) => /^Address( \d+)?:\s+\S+/.test(line.trim()));
    if (server && addr) return 0.9;
    if (
      lines.some((line) => /^\*\* server can't find |^\*\*\* Can't find |^Non-authoritative answer:$/.test(line.trim()))
    )
      return 0.8;
    // the answer paragraph after the blank line that follows `Server:`/`Address:`
    const fraction = fractionMatching(
      lines,
      (line) =>
        /^(Name|Address( \d+)?):\s+\S/.test(line.trim()) ||
        /^\S+\t(canonical name|name|service|mail exchanger|text|nameserver|origin) = /.test(line),
    );
    const records = lines.some(
      (line) =>
        /^Name:\s+\S/.test(line.trim()) ||
        /^\S+\t(canonical name|name|service|mail exchanger|text|nameserver|origin) = \S/.test(line),
    );
    return records ? 0.75 * fraction : 0.4 * fraction;
  },
};
