import type { Fact, NatChain, NatRule, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parseSaveRuleWords, tokenizeSaveLine } from './iptablesSaveRule';
import { kubeProxyConfigFromRules, withKubeProxyMeaning } from './natFacts';
import { shareOfLines } from '../sniff';
import { totalParse } from '../total';
import { iptablesCommands, legacyTablesWarning } from '../state/iptablesBackend';
import { chainPolicy } from './chainPolicy';

/**
 * `iptables-save` / `iptables-legacy-save` / `iptables-nft-save` (and `-S`-like `-A` lines):
 * `*nat`, `:CHAIN POLICY [packets:bytes]`, `[p:b] -A CHAIN … -j TARGET`, `COMMIT`.
 */

const FORMAT = 'iptables-save';
const CHAIN_LINE = /^:(?<name>\S+)\s+(?<policy>\S+)(?:\s+\[(?<packets>\d+):(?<bytes>\d+)\])?\s*$/;
const COUNTERS_PREFIX = /^\[(?<packets>\d+):(?<bytes>\d+)\]\s+/;
const COUNTERS_ONLY = /^\s*\[\d+:\d+\]\s*$/;

const RECORD_STARTS = [
  String.raw`-A\s`,
  String.raw`COMMIT(?:\s|$)`,
  String.raw`\*(?:nat|filter|mangle|raw|security)(?:\s|$)`, // a table
  String.raw`:[A-Z][\w-]*\s+(?:-|ACCEPT|DROP|RETURN)\s+\[`, // a chain and its policy
  String.raw`#\s(?:Generated|Completed)\s`,
];
const RECORD_START = new RegExp(`^(?:${RECORD_STARTS.join('|')})`);

/**
 * Splits a line that lost its newlines at each `-A`, `*table`, `:CHAIN - [0:0]` and
 * `COMMIT` that starts a word outside double quotes. One linear scan.
 */
function unflattenIptablesSave(line: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 1; i < line.length; i++) {
    const before = line[i - 1];
    if (before === '"' && line[i - 2] !== '\\') quoted = !quoted;
    if (quoted || (before !== ' ' && before !== '\t') || line[i] === ' ' || line[i] === '\t') continue;
    if (RECORD_START.test(line.slice(i, i + 64))) {
      // `[2:216] -A FORWARD …` (iptables-save -c): the counters belong to the rule after them.
      if (COUNTERS_ONLY.test(line.slice(start, i))) continue;
      parts.push(line.slice(start, i).trim());
      start = i;
    }
  }
  parts.push(line.slice(start).trim());
  const out = parts.filter(Boolean);
  return out.length > 1 ? out : [line];
}

export function parseIptablesSave(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const rules: NatRule[] = [];
  const chains: NatChain[] = [];
  const unparsed: Unparsed[] = [];
  const firstLine = input.firstLine ?? 1;
  let table = /(?:^|\s)-t\s*([a-z]+)/.exec(input.command ?? '')?.[1] ?? 'filter';
  const positions = new Map<string, number>();
  // Chain counters mean something with -c; without it iptables-nft-save prints [0:0] for every chain.
  const counted = /(?:^|\s)(?:-c|--counters)(?:\s|$)/.test(input.command ?? '');
  const lines = input.text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = firstLine + idx;
    const whole = lines[idx].trim();
    if (!whole) continue;
    // A quoted comment may contain ` -A `; only split lines without quotes, or clearly flattened ones.
    const records =
      whole.length < 5_000_000 && whole.replace(COUNTERS_PREFIX, '').indexOf(' -A ') > 0 && !whole.startsWith('#')
        ? unflattenIptablesSave(whole)
        : [whole];
    for (const rec of records) {
      const text = records.length === 1 ? whole : rec.trim();
      if (!text) continue;
      const ev = logEvidence(input.uri, lineNo, text, FORMAT);
      if (text.startsWith('#')) {
        const warning = legacyTablesWarning(text, ev, input.host);
        if (warning) facts.push(warning);
        continue;
      }
      if (text.startsWith('*')) {
        table = text.slice(1).trim();
        positions.clear();
        continue;
      }
      if (text === 'COMMIT') continue;
      const chainLine = CHAIN_LINE.exec(text)?.groups;
      if (chainLine) {
        const chain: NatChain = { kind: 'NatChain', table, name: chainLine.name, evidence: [ev] };
        if (chainLine.policy !== '-') {
          chain.policy = chainLine.policy;
          // `:FORWARD DROP [2:216]`: what the policy itself decided (-c shows it; plain save prints [0:0]).
          facts.push(
            chainPolicy({
              table,
              chain: chain.name,
              policy: chainLine.policy,
              evidence: ev,
              host: input.host,
              packets: counted && chainLine.packets !== undefined ? Number(chainLine.packets) : undefined,
              bytes: counted && chainLine.bytes !== undefined ? Number(chainLine.bytes) : undefined,
            }),
          );
        }
        chains.push(chain);
        facts.push(chain);
        continue;
      }
      const chainCommand = /^-(?<verb>[NPX])\s+(?<name>\S+)(?:\s+(?<policy>\S+))?$/.exec(text)?.groups;
      if (chainCommand && (chainCommand.verb === 'P' || !chainCommand.policy)) {
        // `iptables -S`: `-N CHAIN` declares a chain, `-P CHAIN POLICY` sets a built-in's policy;
        // `-X CHAIN` (iptables-restore input, as kube-proxy writes it) deletes one.
        const chain: NatChain = { kind: 'NatChain', table, name: chainCommand.name, evidence: [ev] };
        if (chainCommand.verb === 'P' && chainCommand.policy) {
          chain.policy = chainCommand.policy;
          facts.push(
            chainPolicy({ table, chain: chain.name, policy: chainCommand.policy, evidence: ev, host: input.host }),
          );
        }
        if (chainCommand.verb === 'X') chain.deleted = true;
        chains.push(chain);
        facts.push(chain);
        continue;
      }
      let body = text;
      let counters: [number, number] | undefined;
      const match = COUNTERS_PREFIX.exec(body);
      if (match?.groups) {
        counters = [Number(match.groups.packets), Number(match.groups.bytes)];
        body = body.slice(match[0].length);
      }
      if (!/^-[AI]\s/.test(body)) {
        unparsed.push({ line: lineNo, reason: 'not an iptables-save line', text: text.slice(0, 200) });
        continue;
      }
      const words = tokenizeSaveLine(body);
      if (!words) {
        unparsed.push({ line: lineNo, reason: 'unterminated quote', text: text.slice(0, 200) });
        continue;
      }
      // `-I CHAIN [N]`: the optional rule number is not an option.
      const rest = words[0] === '-I' && /^\d+$/.test(words[2] ?? '') ? [words[1], ...words.slice(3)] : words.slice(1);
      const fields = parseSaveRuleWords(rest);
      if (typeof fields === 'string') {
        unparsed.push({ line: lineNo, reason: fields, text: text.slice(0, 200) });
        continue;
      }
      const key = `${table}/${fields.chain}`;
      const position = (positions.get(key) ?? 0) + 1;
      positions.set(key, position);
      // `fields` is a fresh object: complete it in place rather than copying 250k rules.
      const rule = fields as NatRule;
      rule.table = table;
      rule.position = position;
      rule.text = body;
      rule.evidence = [ev];
      if (input.host !== undefined) rule.hosts = [input.host];
      withKubeProxyMeaning(rule);
      if (counters) {
        rule.packets = counters[0];
        rule.bytes = counters[1];
      }
      rules.push(rule);
      facts.push(rule);
    }
  }
  const config = kubeProxyConfigFromRules(rules, chains, FORMAT);
  if (config) facts.push(config);
  return { format: FORMAT, facts, records: rules.length + chains.length, unparsed };
}

export const iptablesSaveFormat: FormatSpec = {
  id: FORMAT,
  tools: [...iptablesCommands('-save'), ...iptablesCommands('')],
  parse: (input) => totalParse(FORMAT, input, () => parseIptablesSave(input)),
  unflatten: (line) => unflattenIptablesSave(line),
  commands: [
    /^(iptables|ip6tables)(-legacy|-nft)?-save\b/,
    /^(iptables|ip6tables)(-legacy|-nft)?\s(.*\s)?(-S|--list-rules)(\s|$)/,
  ],
  sniff: (lines) =>
    shareOfLines(
      lines,
      (line) =>
        /^# (Generated|Completed) (by|on) /.test(line) ||
        /^\*(nat|filter|mangle|raw|security)$/.test(line) ||
        line === 'COMMIT' ||
        CHAIN_LINE.test(line) ||
        /^(\[\d+:\d+\]\s+)?-[AINX]\s+\S+/.test(line),
    ),
};
