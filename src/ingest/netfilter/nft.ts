import type { Fact, KubeProxyConfig, NftMapElement, NftRule, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parseNatTarget, parsePort } from './iptablesFields';
import { totalParse } from '../total';

/**
 * `nft list ruleset` / `nft list table ip kube-proxy`: tables, chains and their
 * rules, and the elements of maps (`10.96.0.10 . udp . 53 : goto service-…`), which
 * is where kube-proxy's nftables mode keeps its Service lookup. Block structure is
 * followed by braces, one line at a time.
 */

const FORMAT = 'nft';

interface Block {
  kind: 'table' | 'chain' | 'set' | 'map' | 'other';
  name: string;
}

function braceBalance(text: string): number {
  let depth = 0;
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '{') depth++;
    else if (!quoted && char === '}') depth--;
  }
  return depth;
}

/** Splits at commas outside braces and quotes. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (char === '{') depth++;
    else if (char === '}') depth--;
    else if (char === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((part) => part.trim()).filter(Boolean);
}

/** `dnat to 10.244.0.105:53`, `dnat ip to 10.244.0.105 . 53`, `dnat ip6 to [fd00::1]:53`. */
function parseNftDnat(rule: string): { ip: string; port?: number } | undefined {
  const match = /\bdnat (?:ip6? )?to (?<target>\S+)(?: \. (?<port>\d+))?/.exec(rule)?.groups;
  if (!match) return undefined;
  const target = parseNatTarget(match.target);
  if (!target) return undefined;
  if (target.port === undefined && match.port) target.port = parsePort(match.port);
  return target;
}

/** The chains a `numgen random mod N vmap { 0 : goto A, 1 : goto B }` picks from. */
function numgenChains(rule: string): string[] | undefined {
  const at = rule.indexOf('numgen ');
  if (at < 0) return undefined;
  const open = rule.indexOf('{', at);
  const close = rule.indexOf('}', open);
  if (open < 0 || close < 0) return undefined;
  return splitTopLevel(rule.slice(open + 1, close))
    .map((element) => /:\s*(?:goto|jump)\s+(\S+)/.exec(element)?.[1])
    .filter((chain): chain is string => !!chain);
}

function parseElement(text: string): { key: string[]; verdict: string } | undefined {
  // Whitespace runs collapsed first, so the patterns below never backtrack over them.
  const flat = text.replace(/\s+/g, ' ');
  const colon = flat.lastIndexOf(' : ');
  const keyPart = (colon >= 0 ? flat.slice(0, colon) : flat)
    .replace(/ comment "[^"]*"/, '')
    .replace(/ (timeout|expires) \S+/g, '')
    .trim();
  if (!keyPart) return undefined;
  return {
    key: keyPart.split(' . ').map((part) => part.trim()),
    verdict: colon >= 0 ? flat.slice(colon + 3).trim() : '',
  };
}

function stripHandle(text: string): string {
  const at = text.lastIndexOf(' # handle ');
  return at >= 0 && /^\d+$/.test(text.slice(at + 10)) ? text.slice(0, at).trimEnd() : text;
}

export function parseNft(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const firstLine = input.firstLine ?? 1;
  const stack: Block[] = [];
  let table: { family: string; name: string } | undefined;
  let kubeProxyLine: number | undefined;
  let kubeProxyText = '';
  let pending: { text: string; line: number } | undefined;
  let inElements = false;
  let records = 0;
  const lines = input.text.split(/\r?\n/);
  const top = () => stack[stack.length - 1];

  const addElements = (text: string, lineNo: number, raw: string) => {
    const enclosing = top();
    if (enclosing?.kind !== 'map' || !table) return;
    for (const part of splitTopLevel(text)) {
      const el = parseElement(part);
      if (!el) continue;
      const fact: NftMapElement = {
        kind: 'NftMapElement',
        table: table.name,
        map: enclosing.name,
        key: el.key,
        verdict: el.verdict,
        evidence: [logEvidence(input.uri, lineNo, raw, FORMAT)],
      };
      facts.push(fact);
      records++;
    }
  };

  const addRule = (text: string, lineNo: number) => {
    const enclosing = top();
    if (!table || enclosing?.kind !== 'chain') return;
    const rule: NftRule = {
      kind: 'NftRule',
      table: table.name,
      family: table.family,
      chain: enclosing.name,
      text,
      evidence: [logEvidence(input.uri, lineNo, text, FORMAT)],
    };
    const eps = numgenChains(text);
    if (eps?.length) rule.endpointChains = eps;
    const dnat = parseNftDnat(text);
    if (dnat) rule.dnatTo = dnat;
    const comment = /\bcomment "(?<text>[^"]*)"/.exec(text)?.groups;
    if (comment) rule.comment = comment.text;
    facts.push(rule);
    records++;
  };

  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = firstLine + idx;
    const raw = lines[idx];
    // `nft -a` appends `# handle N` to tables, chains, sets and rules.
    const text = stripHandle(raw.trim());
    if (!text || text.startsWith('#')) continue;
    if (inElements) {
      const end = braceBalance(text) < 0;
      addElements(end ? text.slice(0, text.lastIndexOf('}')) : text, lineNo, text);
      if (end) inElements = false;
      continue;
    }
    if (pending) {
      pending.text += ' ' + text;
      if (braceBalance(pending.text) <= 0) {
        addRule(pending.text, pending.line);
        pending = undefined;
      }
      continue;
    }
    const opener = BLOCK_OPENER.exec(text)?.groups;
    if (opener) {
      const kind = opener.kind;
      if (kind === 'table') {
        table = { family: opener.family ?? 'ip', name: opener.name };
        stack.push({ kind: 'table', name: opener.name });
        if (opener.name === 'kube-proxy' && kubeProxyLine === undefined) {
          kubeProxyLine = lineNo;
          kubeProxyText = text;
        }
      } else {
        stack.push({ kind: kind === 'chain' || kind === 'set' || kind === 'map' ? kind : 'other', name: opener.name });
      }
      continue;
    }
    if (text === '}') {
      if (!stack.pop()) unparsed.push({ line: lineNo, reason: 'closing brace without block', text });
      if (stack.length === 0) table = undefined;
      continue;
    }
    const enclosing = top();
    if (!enclosing) {
      unparsed.push({ line: lineNo, reason: 'outside any nft table', text: text.slice(0, 200) });
      continue;
    }
    if (enclosing.kind === 'set' || enclosing.kind === 'map') {
      const elements = /^elements\s*=\s*\{(?<rest>.*)$/.exec(text)?.groups;
      if (elements) {
        const rest = elements.rest;
        const closes = braceBalance('{' + rest) <= 0;
        addElements(closes ? rest.slice(0, rest.lastIndexOf('}')) : rest, lineNo, text);
        inElements = !closes;
      }
      // `type`, `flags`, `comment`, `timeout`, `size`, `policy`: properties we do not model.
      continue;
    }
    if (enclosing.kind === 'chain') {
      if (
        /^type\s+\S+\s+hook\s/.test(text) ||
        /^comment\s+"/.test(text) ||
        /^policy\s+\S+;?$/.test(text) ||
        /^devices?\s*=/.test(text)
      )
        continue;
      if (braceBalance(text) > 0) {
        pending = { text, line: lineNo };
        continue;
      }
      addRule(text, lineNo);
      continue;
    }
    if (enclosing.kind === 'table' && /^(comment|flags)\s/.test(text)) continue;
    if (enclosing.kind === 'other') continue;
    unparsed.push({ line: lineNo, reason: 'unknown nft statement', text: text.slice(0, 200) });
  }
  if (pending)
    unparsed.push({ line: pending.line, reason: 'rule with unbalanced braces', text: pending.text.slice(0, 200) });
  if (kubeProxyLine !== undefined) {
    const config: KubeProxyConfig = {
      kind: 'KubeProxy',
      mode: 'nftables',
      evidence: [logEvidence(input.uri, kubeProxyLine, kubeProxyText, FORMAT)],
    };
    facts.push(config);
  }
  return { format: FORMAT, facts, records, unparsed };
}

/** `table ip kube-proxy {`, `chain services {`, `map service-ips {`, `ct helper ftp {` … */
const BLOCK_OPENER = new RegExp(
  String.raw`^(?<kind>table|chain|set|map|flowtable|counter|quota|ct\s+\S+|limit|secmark|synproxy)\s+` +
    String.raw`(?:(?<family>ip6?|inet|arp|bridge|netdev)\s+)?(?<name>\S+)\s*\{$`,
);
// First words of the statements and properties nft prints inside tables, chains, sets and maps.
const NFT_STATEMENT_WORDS = [
  ...['type', 'flags', 'comment', 'elements', 'timeout', 'size', 'policy', 'counter'],
  ...['ip', 'ip6', 'meta', 'tcp', 'udp', 'sctp', 'th', 'ct', 'fib', 'numgen', 'jhash'],
  ...['jump', 'goto', 'mark', 'masquerade', 'reject', 'drop', 'accept', 'return', 'dnat', 'snat'],
  ...['update', 'add', 'iif', 'oif', 'iifname', 'oifname', 'ether', 'log', 'limit', 'queue'],
  ...['notrack', 'devices', 'hook'],
];
const NFT_STATEMENT = new RegExp(String.raw`^(${NFT_STATEMENT_WORDS.join('|')})\b`);
// A wrapped line of an `elements = { … }` list: addresses, dots, verdicts, ending in `,` or `}`.
const ELEMENT_CONTINUATION = /^[\w.:/ "-]+(?: : (?:goto|jump) \S+| : (?:drop|accept))?[,}]$/;

export const nftFormat: FormatSpec = {
  id: FORMAT,
  tools: ['nft'],
  parse: (input) => totalParse(FORMAT, input, () => parseNft(input)),
  commands: [/^nft\s(.*\s)?list\s/],
  sniff(lines) {
    let hits = 0;
    let seen = 0;
    let inTable = false;
    for (const line of lines) {
      // `nft -a` ends openers and rules with `# handle N`
      const text = stripHandle(line.trim());
      if (!text) continue;
      seen++;
      // A table, chain, set or map opener is nft's own syntax; after one, braces and verdict
      // words count too (a later paragraph of a listing starts at `chain X {`; JSON has braces).
      if (
        /^table\s+(ip6?|inet|arp|bridge|netdev)\s+\S+\s*\{$/.test(text) ||
        /^(chain|set|map|flowtable)\s+[\w./:-]+\s*\{$/.test(text)
      ) {
        inTable = true;
        hits++;
        continue;
      }
      if (
        inTable &&
        (text === '}' ||
          NFT_STATEMENT.test(text) ||
          /\b(vmap|goto|jump|dnat to|masquerade)\b/.test(text) ||
          (text.length <= 300 && ELEMENT_CONTINUATION.test(text)))
      )
        hits++;
    }
    return seen ? hits / seen : 0;
  },
};
