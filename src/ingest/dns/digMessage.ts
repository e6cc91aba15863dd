/**
 * Reads dig-style DNS messages (`;; ->>HEADER<<-`, `;; QUESTION SECTION:`,
 * `;; ANSWER SECTION:` …), as printed by `dig` and by `host -v`. One message (one
 * query and its reply, e.g. one `+showsearch` attempt) becomes one DnsLookup.
 */
import type { DnsAnswer, DnsLookup, Fact, Unparsed } from '../../model';
import { spanEvidence, stripDot, tokenize, unparsedLine, type LogicalLine, type Token } from './lines';
import { addAnswer, addressType, clusterDnsFromAnswer, DNS_TYPES, newLookup, splitServer } from './dnsFacts';

type Section = 'none' | 'question' | 'answer' | 'authority' | 'additional' | 'opt';

/** `name [ttl] [class] TYPE data…` as dig prints resource records; undefined when it is not one. */
export function parseRecord(tokens: readonly Token[]): DnsAnswer | undefined {
  if (tokens.length < 3) return undefined;
  let position = 1;
  let ttl: number | undefined;
  if (/^\d{1,10}$/.test(tokens[position].text)) {
    ttl = Number(tokens[position].text);
    position++;
  }
  if (position < tokens.length && /^(IN|CH|HS|CLASS\d+)$/.test(tokens[position].text)) position++;
  if (position >= tokens.length - 1) return undefined;
  const type = tokens[position].text;
  if (!DNS_TYPES.has(type) && !/^TYPE\d+$/.test(type)) return undefined;
  const data = tokens
    .slice(position + 1)
    .map((token) => token.text)
    .join(' ');
  const answer: DnsAnswer = {
    name: stripDot(tokens[0].text),
    type,
    data: type === 'A' || type === 'AAAA' ? data : stripDot(data),
  };
  if (ttl !== undefined) answer.ttl = ttl;
  return answer;
}

interface Message {
  lines: LogicalLine[];
  question?: { name: string; type: string };
  status?: string;
  server?: string;
  port?: number;
  answers: DnsAnswer[];
  headerSeen: boolean;
  /** The name the command asked, for messages that never got a reply. */
  askedName?: string;
  askedType?: string;
}

export interface DigReaderOptions {
  tool: DnsLookup['tool'];
  format: string;
  uri: string;
  client?: string;
  /** +short output: bare answers, one per line. */
  short?: boolean;
  askedName?: string;
  askedType?: string;
  server?: string;
}

/** Feeds logical lines one at a time; collects facts, records and unparsed lines. */
export class DigReader {
  readonly facts: Fact[] = [];
  readonly unparsed: Unparsed[] = [];
  records = 0;
  private msg: Message | undefined;
  private section: Section = 'none';

  constructor(private readonly opts: DigReaderOptions) {}

  /** Attributes the following messages to another pod (`# dig-pod-1` labels in `kubectl logs` output). */
  setClient(client: string | undefined): void {
    this.flush();
    this.opts.client = client;
  }

  /** Starts a new message (a `; <<>> DiG … <<>> args` banner or a second header). */
  begin(logicalLine: LogicalLine, askedName?: string, askedType?: string, server?: string): void {
    const message = this.msg;
    // dig prints its timeout errors (stderr) before its banner: they belong to the same query.
    if (
      message &&
      !message.headerSeen &&
      !message.question &&
      message.answers.length === 0 &&
      message.askedName === undefined
    ) {
      message.lines.push(logicalLine);
      message.askedName = askedName;
      message.askedType = askedType;
      if (server && !message.server) message.server = server;
      return;
    }
    this.flush();
    this.msg = {
      lines: [logicalLine],
      answers: [],
      headerSeen: false,
      askedName: askedName ?? this.opts.askedName,
      askedType: askedType ?? this.opts.askedType,
      server,
    };
    this.section = 'none';
  }

  private current(logicalLine: LogicalLine): Message {
    if (!this.msg) this.begin(logicalLine);
    else this.msg.lines.push(logicalLine);
    return this.msg as Message;
  }

  /** Returns false when the line is not dig-message text (the caller decides what it is). */
  feed(logicalLine: LogicalLine): boolean {
    const text = logicalLine.text.trim();
    if (text === '') {
      if (this.section === 'question') this.section = 'none';
      return true;
    }
    if (text.startsWith(';; ->>HEADER<<-')) {
      if (this.msg?.headerSeen) this.begin(logicalLine);
      else this.current(logicalLine);
      const message = this.msg as Message;
      message.headerSeen = true;
      const status = /status: (?<status>[A-Z]+)/.exec(text)?.groups?.status;
      if (status !== undefined) message.status = status;
      this.section = 'none';
      return true;
    }
    const section =
      /^;; (?<section>QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:$/.exec(text)?.groups?.section ??
      (text === ';; OPT PSEUDOSECTION:' ? 'OPT' : undefined);
    if (section !== undefined) {
      this.current(logicalLine);
      this.section = section.toLowerCase() as Section;
      if (this.section === 'opt') this.section = 'opt';
      return true;
    }
    if (text.startsWith(';; SERVER:') || text.startsWith('Received ')) {
      const address = /(?:SERVER:|from) (?<server>[0-9a-fA-F.:]+#\d+)/.exec(text)?.groups?.server;
      if (address !== undefined) {
        const server = splitServer(address);
        const msg = this.current(logicalLine);
        msg.server = server.ip;
        msg.port = server.port;
      } else this.current(logicalLine);
      this.section = 'none';
      return true;
    }
    if (/^;; (connection timed out|communications error to|no servers could be reached)/.test(text)) {
      const msg =
        this.msg && !this.msg.headerSeen ? this.current(logicalLine) : (this.begin(logicalLine), this.msg as Message);
      msg.status = 'timeout';
      const address = /communications error to (?<server>[0-9a-fA-F.:]+#\d+)/.exec(text)?.groups?.server;
      if (address !== undefined) {
        const server = splitServer(address);
        msg.server = server.ip;
        msg.port = server.port;
      }
      return true;
    }
    if (text.startsWith('Trying "')) {
      const name = /^Trying "(?<name>[^"]*)"/.exec(text)?.groups?.name;
      this.begin(logicalLine, name !== undefined ? stripDot(name) : undefined);
      return true;
    }
    if (this.section === 'question' && text.startsWith(';')) {
      const toks = tokenize(text.slice(1));
      const rr = toks.length >= 2 ? toks : undefined;
      if (rr) {
        const type = rr[rr.length - 1].text;
        this.current(logicalLine).question = { name: stripDot(rr[0].text), type };
        return true;
      }
    }
    if (text.startsWith(';')) {
      if (this.msg) this.msg.lines.push(logicalLine);
      return true;
    } // other dig comments: understood, no fact
    if (this.section === 'answer' || this.section === 'authority' || this.section === 'additional') {
      const rr = parseRecord(tokenize(text));
      if (!rr) {
        this.unparsed.push(unparsedLine(logicalLine, `not a resource record in the ${this.section} section`));
        return true;
      }
      const msg = this.current(logicalLine);
      if (this.section === 'answer') addAnswer(msg, rr);
      return true;
    }
    if (!this.msg?.headerSeen && !this.opts.short) {
      // `dig +noall +answer`: bare resource records, no header and no section titles
      const rr = parseRecord(tokenize(text));
      if (rr) {
        addAnswer(this.current(logicalLine), rr);
        return true;
      }
    }
    if (this.opts.short || !this.msg?.headerSeen) return this.feedShort(logicalLine, text);
    return false;
  }

  /** `+short`: IPs, names, SRV data, one per line (several when the newlines were lost). */
  private feedShort(logicalLine: LogicalLine, text: string): boolean {
    const toks = tokenize(text).map((token) => token.text);
    const askedType = this.msg?.askedType ?? this.opts.askedType;
    const allAddr = toks.every((word) => addressType(word) !== undefined);
    const answers: DnsAnswer[] = [];
    const name = this.msg?.askedName ?? this.opts.askedName;
    if (!name) {
      const looksShort = toks.every(
        (word) => addressType(word) !== undefined || /^[A-Za-z0-9_.-]+\.$/.test(word) || /^\d+$/.test(word),
      );
      if (!looksShort) return false;
      this.unparsed.push(
        unparsedLine(logicalLine, 'a dig +short answer, but the name asked is unknown (no command shown)'),
      );
      return true;
    }
    if (allAddr) for (const word of toks) answers.push({ name, type: addressType(word) as string, data: word });
    else if (toks.length === 4 && toks.slice(0, 3).every((word) => /^\d+$/.test(word)))
      answers.push({ name, type: 'SRV', data: stripDot(toks.join(' ')) });
    else if (toks.length === 1 && /^[A-Za-z0-9_*][A-Za-z0-9_.*-]*\.$/.test(toks[0]))
      answers.push({ name, type: askedType === 'PTR' ? 'PTR' : 'CNAME', data: stripDot(toks[0]) });
    else return false;
    const msg = this.current(logicalLine);
    for (const dnsAnswer of answers) addAnswer(msg, dnsAnswer);
    return true;
  }

  /** Emits the message in progress as a DnsLookup. */
  flush(): void {
    const message = this.msg;
    this.msg = undefined;
    this.section = 'none';
    if (!message) return;
    const name = message.question?.name ?? message.askedName ?? message.answers[0]?.name;
    if (name === undefined || (message.status === undefined && message.answers.length === 0 && !message.headerSeen))
      return;
    const type = message.question?.type ?? message.askedType ?? (message.answers[0]?.type === 'AAAA' ? 'AAAA' : 'A');
    const lookup = newLookup({
      tool: this.opts.tool,
      name,
      type,
      evidence: [spanEvidence(this.opts.uri, message.lines, this.opts.format)],
      client: this.opts.client,
    });
    const server = message.server ?? this.opts.server;
    if (server) lookup.server = server;
    if (message.port !== undefined) lookup.serverPort = message.port;
    lookup.status = message.status ?? (message.answers.length > 0 ? 'NOERROR' : undefined);
    if (lookup.status === undefined) delete lookup.status;
    for (const dnsAnswer of message.answers) {
      if (!dnsAnswer.name) dnsAnswer.name = name;
      lookup.answers.push(dnsAnswer);
      const cd =
        dnsAnswer.type === 'A' || dnsAnswer.type === 'AAAA'
          ? clusterDnsFromAnswer(dnsAnswer.name, dnsAnswer.data, lookup.evidence[0])
          : undefined;
      if (cd) this.facts.push(cd);
    }
    this.facts.push(lookup);
    this.records++;
  }
}
