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

function labelAt(t: readonly Token[], i: number): [number, string] | undefined {
  for (const [words, type] of LABELS) {
    if (i + words.length >= t.length) continue;
    if (words.every((w, k) => t[i + k].text === w)) return [words.length, type];
  }
  return undefined;
}

/** Cuts flattened nslookup text before each `Server:`, `Address:`, `Name:`, error and record. */
export function unflattenNslookup(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (t, i) => {
    const x = t[i].text;
    const next = t[i + 1]?.text;
    if (
      x === 'Server:' ||
      x === 'Address:' ||
      x === 'Name:' ||
      x === 'Aliases:' ||
      x === 'Addresses:' ||
      x === ';;' ||
      x === '#' ||
      x === 'nslookup:'
    )
      return true;
    if (x === 'Address' && next !== undefined && /^\d+:$/.test(next)) return true;
    if (x === 'Non-authoritative' && next === 'answer:') return true;
    if (x === 'Authoritative' && next === 'answers') return true;
    if (x === '**' && next === 'server') return true;
    if (x === '***' && next === "Can't") return true;
    // `NAME canonical name = …`: the record starts at NAME, one token before the label
    const label = labelAt(t, i + 1);
    return label !== undefined && !(x === 'canonical' && t[i + 1].text === 'name') && t[i - 1]?.text !== '=';
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

export function parseNslookup(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const args = cmd.tool === 'nslookup' ? cmd.args : [];
    const facts: Fact[] = [];
    const unparsed: Unparsed[] = [];
    let records = 0;
    let run: Run | undefined;
    // `kubectl logs a kubectl logs b` with `# a`, `# b` labels: each label names the client that follows
    const logPods = podsOfKubectlLogs(input.command);
    let client = cmd.client;
    let pending = {
      asked: questionNameFromArgs(args, 'nslookup'),
      type: questionTypeFromArgs(args),
      server: serverFromArgs(args, 'nslookup'),
    };

    const startRun = (): Run => {
      finishRun();
      run = {
        inServer: true,
        lookups: new Map(),
        lines: new Map(),
        aliases: new Map(),
        serverLines: [],
        asked: pending.asked,
        askedType: pending.type,
      };
      if (pending.server) run.server = pending.server;
      return run;
    };
    const currentRun = (): Run => run ?? startRun();
    const finishRun = (): void => {
      if (!run) return;
      // `nslookup cluster.local` answered by busybox with only its Server lines: asked, nothing came back
      if (run.lookups.size === 0 && run.asked && run.serverLines.length > 0) {
        run.lookups.set(run.asked, newLookup('nslookup', run.asked, run.askedType ?? 'A', [], client));
      }
      for (const [key, l] of run.lookups) {
        // first the whole record (Server line to its last line), then each line for hovers
        const span = [...run.serverLines, ...(run.lines.get(key) ?? [])];
        if (span.length > 0) l.evidence = [spanEvidence(input.uri, span, FORMAT), ...l.evidence];
        if (run.server) l.server = run.server;
        if (run.port !== undefined) l.serverPort = run.port;
        if (l.status === undefined && l.answers.length > 0) l.status = 'NOERROR';
        facts.push(l);
        records++;
      }
      run = undefined;
    };
    const lookupFor = (r: Run, name: string, l: LogicalLine, type?: string): DnsLookup => {
      const key = name.toLowerCase();
      let lk = r.lookups.get(key);
      if (!lk) {
        lk = newLookup('nslookup', name, type ?? r.askedType ?? 'A', [lineEvidence(input.uri, l, FORMAT)], client);
        r.lookups.set(key, lk);
      } else {
        lk.evidence.push(lineEvidence(input.uri, l, FORMAT));
      }
      const ls = r.lines.get(key) ?? [];
      ls.push(l);
      r.lines.set(key, ls);
      return lk;
    };

    for (const l of logicalLines(input, unflattenNslookup)) {
      const t = l.text.trim();
      if (t === '') continue;
      let m: RegExpExecArray | null;
      if ((m = /^[#$]\s*nslookup\s+(.*)$/.exec(t))) {
        finishRun();
        const a = splitArgs(m[1]);
        pending = {
          asked: questionNameFromArgs(a, 'nslookup'),
          type: questionTypeFromArgs(a),
          server: serverFromArgs(a, 'nslookup'),
        };
        continue;
      }
      const pod = podLabel(t, logPods);
      if (pod) {
        finishRun();
        client = pod;
        continue;
      }
      if (t.startsWith('#')) continue; // annotation or another prompt
      if ((m = /^Server:\s*(\S+)$/.exec(t))) {
        const r = startRun();
        r.serverLines.push(l);
        if (m[1] !== 'UnKnown') r.server = splitServer(m[1]).ip;
        continue;
      }
      if ((m = /^Address(?:\s+\d+)?:\s*(\S+)(?:\s+(\S+))?$/.exec(t))) {
        const r = currentRun();
        if (r.inServer && r.name === undefined) {
          const s = splitServer(m[1]);
          r.server = s.ip;
          r.serverLines.push(l);
          if (s.port !== undefined) r.port = s.port;
          // old busybox names the server: `Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local`
          const cd = m[2] ? clusterDnsFromAnswer(m[2], s.ip, lineEvidence(input.uri, l, FORMAT)) : undefined;
          if (cd) facts.push(cd);
          continue;
        }
        const type = addressType(m[1]);
        if (!type || r.name === undefined) {
          unparsed.push(unparsedLine(l, 'address without a name'));
          continue;
        }
        const lk = lookupFor(r, r.owner ?? r.name, l);
        addAnswer(lk, { name: r.name, type, data: m[1] });
        const cd = clusterDnsFromAnswer(r.name, m[1], lineEvidence(input.uri, l, FORMAT));
        if (cd) facts.push(cd);
        continue;
      }
      if ((m = /^Name:\s*(\S+)$/.exec(t))) {
        const r = currentRun();
        r.inServer = false;
        r.name = stripDot(m[1]);
        r.owner = r.aliases.get(r.name.toLowerCase()) ?? r.name;
        lookupFor(r, r.owner, l);
        continue;
      }
      if ((m = /^\*\* server can't find ([^\s:]+):\s*([A-Z]+)/.exec(t))) {
        const r = currentRun();
        r.inServer = false;
        const lk = lookupFor(r, stripDot(m[1]), l);
        lk.status = m[2];
        continue;
      }
      if ((m = /^\*\*\* Can't find ([^\s:]+):\s*No answer/.exec(t))) {
        const r = currentRun();
        r.inServer = false;
        const lk = lookupFor(r, stripDot(m[1]), l);
        if (lk.answers.length === 0) lk.status = 'NOERROR';
        continue;
      }
      if ((m = /^nslookup: can't resolve '([^']+)'/.exec(t))) {
        // old busybox: one message for NXDOMAIN, SERVFAIL and timeouts alike
        const r = currentRun();
        lookupFor(r, stripDot(m[1]), l).status = 'failed';
        continue;
      }
      if (/^;; (connection timed out|communications error to|no servers could be reached)/.test(t)) {
        const r = currentRun();
        const s = /communications error to (\S+#\d+)/.exec(t);
        if (s) {
          const sv = splitServer(s[1].replace(/:$/, ''));
          r.server = sv.ip;
          r.port = sv.port;
        }
        const name = r.asked ?? pending.asked;
        if (name === undefined) {
          unparsed.push(unparsedLine(l, 'timeout, but the name asked is unknown (no command shown)'));
          continue;
        }
        lookupFor(r, name, l).status = 'timeout';
        continue;
      }
      if (/^(Non-authoritative answer:|Authoritative answers can be found from:|Aliases:|;; )/.test(t)) continue;
      const toks = splitArgs(t);
      const label =
        toks.length >= 3
          ? labelAt(
              toks.map((x, i) => ({ text: x, start: i })),
              1,
            )
          : undefined;
      if (label) {
        const r = currentRun();
        r.inServer = false;
        const name = stripDot(toks[0]);
        const data = stripDot(toks.slice(1 + label[0]).join(' '));
        const owner = r.aliases.get(name.toLowerCase()) ?? name;
        const lk = lookupFor(r, owner, l, label[1] === 'CNAME' ? r.askedType : label[1]);
        addAnswer(lk, { name, type: label[1], data });
        if (label[1] === 'CNAME') r.aliases.set(data.toLowerCase(), owner);
        continue;
      }
      // SOA details under `origin = …` are indented `key = value` lines. The key starts at a
      // letter (or is one space), so the indent and the key never compete for the same spaces:
      // `^\s+[a-z ]+ = ` backtracked quadratically on a long run of spaces (200k: 28 s).
      if (/^\s+(?:[a-z][a-z ]*| ) = \S/.test(l.text) || /^(mail addr|serial|refresh|retry|expire|minimum) = /.test(t))
        continue;
      if (isKubectlChatter(t)) continue;
      unparsed.push(unparsedLine(l, 'not nslookup output'));
    }
    finishRun();
    return { format: FORMAT, facts, records, unparsed };
  });
}

export const nslookupFormat: FormatSpec = {
  id: FORMAT,
  tools: ['nslookup'],
  parse: parseNslookup,
  unflatten: unflattenNslookup,
  commands: toolCommandPatterns('nslookup'),
  sniff(lines) {
    const server = lines.some((l) => /^Server:\s+\S+/.test(l.trim()));
    const addr = lines.some((l) => /^Address( \d+)?:\s+\S+/.test(l.trim()));
    if (server && addr) return 0.9;
    if (lines.some((l) => /^\*\* server can't find |^\*\*\* Can't find |^Non-authoritative answer:$/.test(l.trim())))
      return 0.8;
    // the answer paragraph after the blank line that follows `Server:`/`Address:`
    const f = fractionMatching(
      lines,
      (l) =>
        /^(Name|Address( \d+)?):\s+\S/.test(l.trim()) ||
        /^\S+\t(canonical name|name|service|mail exchanger|text|nameserver|origin) = /.test(l),
    );
    const records = lines.some(
      (l) =>
        /^Name:\s+\S/.test(l.trim()) ||
        /^\S+\t(canonical name|name|service|mail exchanger|text|nameserver|origin) = \S/.test(l),
    );
    return records ? 0.75 * f : 0.4 * f;
  },
};
