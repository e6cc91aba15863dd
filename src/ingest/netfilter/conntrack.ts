import type { ConntrackEntry, ConntrackTuple, Fact, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { shareOfLines } from '../sniff';
import { totalParse } from '../total';
import { cutAt, type LinePiece } from '../words';

/**
 * `conntrack -L [-p tcp]`, `conntrack -E` event lines (`[NEW] tcp 6 120 SYN_SENT …`)
 * and /proc/net/nf_conntrack (`ipv4 2 tcp 6 …`). The first src/dst/sport/dport group
 * is the original direction, the second the reply: when the reply's source differs
 * from the original destination, the connection was DNATed (reply src = pod IP).
 * Event types are kept as flags `event:NEW`; `zone=` is kept as flag `zone:N`
 * (ConntrackEntry has no field for either).
 */

const FORMAT = 'conntrack';
const PROTO_LINE = /^(?:\[(\w+)\]\s+)?(?:ipv[46]\s+\d+\s+)?([a-z][a-z0-9-]*)\s+(\d+)\s+(.*)$/;

function parseConntrackLine(text: string): Omit<ConntrackEntry, 'evidence'> | string {
  const match = PROTO_LINE.exec(text);
  if (!match) return 'not a conntrack entry';
  const [, event, protocol, , rest] = match;
  const tokens = rest.split(/\s+/);
  const entry: Omit<ConntrackEntry, 'evidence'> = {
    kind: 'ConntrackEntry',
    protocol,
    original: { src: '', dst: '' },
    reply: { src: '', dst: '' },
    flags: [],
  };
  if (event) entry.flags.push(`event:${event}`);
  let index = 0;
  if (/^\d+$/.test(tokens[index] ?? '')) entry.timeout = Number(tokens[index++]);
  if (/^[A-Z_]+$/.test(tokens[index] ?? '')) entry.state = tokens[index++];
  const tuples: ConntrackTuple[] = [];
  let cur: ConntrackTuple | undefined;
  for (; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.startsWith('[') && token.endsWith(']')) {
      entry.flags.push(token.slice(1, -1));
      continue;
    }
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (key === 'src') {
      cur = { src: value, dst: '' };
      tuples.push(cur);
      continue;
    }
    if (key === 'dst' && cur) cur.dst = value;
    else if (key === 'sport' && cur) cur.sport = Number(value);
    else if (key === 'dport' && cur) cur.dport = Number(value);
    else if (key === 'mark') entry.mark = Number(value);
    else if (key === 'zone') entry.flags.push(`zone:${value}`);
  }
  if (tuples.length < 2 || !tuples[0].dst || !tuples[1].dst) return 'entry without original and reply tuples';
  entry.original = tuples[0];
  entry.reply = tuples[1];
  return entry;
}

export function parseConntrack(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const firstLine = input.firstLine ?? 1;
  const lines = input.text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = firstLine + idx;
    const text = lines[idx].trim();
    if (!text) continue;
    if (/^conntrack v[\d.]+ \(conntrack-tools\)/.test(text)) continue;
    const parsed = text.length > 4000 ? 'line too long for a conntrack entry' : parseConntrackLine(text);
    if (typeof parsed === 'string') {
      unparsed.push({ line: lineNo, reason: parsed, text: text.slice(0, 200) });
      continue;
    }
    const entry: ConntrackEntry = { ...parsed, evidence: [logEvidence(input.uri, lineNo, text, FORMAT)] };
    if (input.host) entry.host = input.host;
    facts.push(entry);
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

/**
 * Where entries start in a line whose newlines were lost (copied from a web page): an event
 * (`[NEW] `), the `ipv4 2 ` of /proc/net/nf_conntrack, or a protocol with its number and timeout
 * (`tcp 6 431999 `), at the line start or after a blank; also the tool's `conntrack v… ` line.
 * Linear: each alternative is anchored on fixed words.
 */
const CONNTRACK_PROTOCOLS = 'tcp|udp|udplite|icmp|icmpv6|sctp|dccp|gre|unknown';
const ENTRY_START_WORDS = [
  String.raw`\[(?:NEW|UPDATE|DESTROY)\]\s+`, // -E events
  String.raw`ipv[46]\s+\d{1,3}\s+`, // /proc/net/nf_conntrack
  String.raw`(?:${CONNTRACK_PROTOCOLS})\s+\d{1,3}\s+\d{1,10}\s`, // `tcp 6 431999 `
  String.raw`conntrack v\d`,
];
const ENTRY_START = new RegExp(String.raw`(?<=^|\s)(?:${ENTRY_START_WORDS.join('|')})`, 'g');
/** A piece that is only an entry's prefix (`[NEW]`, `ipv4 2`): its entry goes on after it. */
const PREFIX_ONLY = /^(?:\[(?:NEW|UPDATE|DESTROY)\]|ipv[46]\s+\d{1,3})(?:\s+ipv[46]\s+\d{1,3})?\s*$/;

/** Cuts one line into the entries it holds; a line with one entry comes back whole. */
export function unflattenConntrack(line: string): LinePiece[] {
  const cuts: number[] = [];
  ENTRY_START.lastIndex = 0;
  for (let m = ENTRY_START.exec(line); m; m = ENTRY_START.exec(line)) {
    const prev = cuts.length ? cuts[cuts.length - 1] : -1;
    if (prev < 0 || !PREFIX_ONLY.test(line.slice(prev, m.index))) cuts.push(m.index);
    ENTRY_START.lastIndex = m.index + 1;
  }
  if (cuts.length < 2) return [{ text: line, start: 0 }];
  return cutAt(
    line,
    cuts.filter((at) => at > 0),
  );
}

/** True when the reply does not simply swap the original tuple: NAT happened. */
export function conntrackNat(entry: Pick<ConntrackEntry, 'original' | 'reply'>): {
  dnat?: ConntrackTuple;
  snat?: boolean;
} {
  const out: { dnat?: ConntrackTuple; snat?: boolean } = {};
  if (
    entry.reply.src !== entry.original.dst ||
    (entry.reply.sport !== undefined && entry.reply.sport !== entry.original.dport)
  ) {
    out.dnat = { src: entry.original.src, dst: entry.reply.src, sport: entry.original.sport, dport: entry.reply.sport };
  }
  if (entry.reply.dst !== entry.original.src) out.snat = true;
  return out;
}

export const conntrackFormat: FormatSpec = {
  id: FORMAT,
  tools: ['conntrack', 'cat'],
  parse: (input) => totalParse(FORMAT, input, () => parseConntrack(input)),
  commands: [/^conntrack\s(.*\s)?(-L|--dump|-E|--event|-G|--get)(\s|$)/, /^cat\s+\/proc\/net\/nf_conntrack\b/],
  sniff: (lines) =>
    shareOfLines(
      lines,
      (line) =>
        /^conntrack v[\d.]+ \(conntrack-tools\)/.test(line) ||
        (PROTO_LINE.test(line) && /\bsrc=\S+ dst=\S+/.test(line)),
    ),
  unflatten: unflattenConntrack,
};
