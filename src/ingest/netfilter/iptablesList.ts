import type { ChainPolicy, Fact, NatChain, NatRule, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { isOptColumn, isProtColumn, normalizeAddress, normalizeInterface, normalizeProtocol } from './iptablesFields';
import { parseListMatches } from './iptablesListMatches';
import {
  chainHeaderAt,
  columnHeaderAt,
  layoutFromHeader,
  splitIptablesListRecords,
  tokenizeListLine,
  unflattenIptablesList,
  type ListLayout,
} from './iptablesListTokens';
import { kubeProxyConfigFromRules, withKubeProxyMeaning } from './natFacts';
import { totalParse } from '../total';
import { iptablesCommands, legacyTablesWarning } from '../state/iptablesBackend';
import { chainPolicy } from './chainPolicy';

/**
 * `iptables [-t nat] -L [CHAIN] [-n] [-v] [-x] [--line-numbers]`, from iptables-legacy
 * or iptables-nft (which prints the prot column as a number: `6`, `17`, `0`).
 * Also reads lines whose newlines were lost (several rules on one line).
 */

const FORMAT = 'iptables-list';
/** `Chain KUBE-SERVICES (2 references)`, `Chain INPUT (policy ACCEPT 12 packets, 1008 bytes)`. */
const CHAIN_HEADER = new RegExp(
  String.raw`^Chain (?<name>\S+) \((?:policy (?<policy>\S+)(?: (?<packets>\d+) packets, (?<bytes>\d+) bytes)?` +
    String.raw`|(?<references>\d+) references)\)`,
);

/** `-t nat`, `--table nat`, `--table=nat`; iptables' default table is filter. */
function tableFromCommand(command: string | undefined): string | undefined {
  if (!command) return undefined;
  return /(?:^|\s)(?:-t\s*|--table[=\s]+)(?<table>[a-z]+)/.exec(command)?.groups?.table;
}

/** Chains that exist only in the nat table, for listings that do not show their command. */
function guessTable(chain: string): string {
  if (/^(PREROUTING|POSTROUTING|KUBE-MARK-MASQ|KUBE-POSTROUTING)$|^KUBE-(SVC|SVL|SEP|EXT|FW|XLB)-/.test(chain))
    return 'nat';
  return 'filter';
}

const COUNTER = /^\d+[KMGTP]?$/;
const POLICY_COUNTERS = /\(policy \S+ (?<packets>\d+[KMGTP]?) packets, (?<bytes>\d+[KMGTP]?) bytes\)/;
function parseCounter(text: string): number | undefined {
  if (!COUNTER.test(text)) return undefined;
  const unit = 'KMGTP'.indexOf(text[text.length - 1]);
  return unit < 0 ? Number(text) : Number(text.slice(0, -1)) * 1000 ** (unit + 1);
}

interface State {
  table?: string;
  chain?: string;
  position: number;
  layout?: ListLayout;
}

function parseRuleTokens(
  tokens: string[],
  state: State,
): Omit<NatRule, 'evidence' | 'text' | 'table' | 'chain'> | string {
  let opt = -1;
  for (let k = 1; k < tokens.length; k++)
    if (isOptColumn(tokens[k]) && isProtColumn(tokens[k - 1])) {
      opt = k;
      break;
    }
  if (opt < 0) return 'no "prot opt" columns (e.g. "tcp --")';
  const before = tokens.slice(0, opt - 1);
  let layout = state.layout;
  if (!layout) {
    // No column header seen (e.g. `| grep` output): infer from how many columns precede prot.
    const numeric = before.filter((token) => COUNTER.test(token)).length;
    layout = {
      lineNumbers: (before.length === 2 && numeric === 1) || before.length >= 4,
      counters: before.length >= 3 && numeric >= 2,
    };
  }
  const expected = (layout.lineNumbers ? 1 : 0) + (layout.counters ? 2 : 0);
  let column = 0;
  if (layout.lineNumbers) column++;
  let packets: number | undefined;
  let bytes: number | undefined;
  if (layout.counters) {
    packets = parseCounter(before[column] ?? '');
    bytes = parseCounter(before[column + 1] ?? '');
    column += 2;
  }
  const target = before.length > expected ? before.slice(column).join(' ') : '';
  let rest = opt + 1;
  let inInterface: string | undefined;
  let outInterface: string | undefined;
  if (layout.counters) {
    inInterface = normalizeInterface(tokens[rest]);
    outInterface = normalizeInterface(tokens[rest + 1]);
    rest += 2;
  }
  const src = tokens[rest];
  const dst = tokens[rest + 1];
  if (src === undefined || dst === undefined) return 'missing source/destination columns';
  const matches = parseListMatches(tokens.slice(rest + 2));
  const rule: Omit<NatRule, 'evidence' | 'text' | 'table' | 'chain'> = { kind: 'NatRule', target, ...matches };
  const protocol = normalizeProtocol(tokens[opt - 1]);
  if (protocol) rule.protocol = protocol;
  const source = normalizeAddress(src);
  const destination = normalizeAddress(dst);
  if (source) rule.source = source;
  if (destination) rule.destination = destination;
  if (inInterface) rule.inInterface = inInterface;
  if (outInterface) rule.outInterface = outInterface;
  if (packets !== undefined) rule.packets = packets;
  if (bytes !== undefined) rule.bytes = bytes;
  return rule;
}

export function parseIptablesList(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const rules: NatRule[] = [];
  const chains: NatChain[] = [];
  const policies: ChainPolicy[] = [];
  const unparsed: Unparsed[] = [];
  const firstLine = input.firstLine ?? 1;
  const commandTable = tableFromCommand(input.command);
  const state: State = { table: commandTable, position: 0 };
  const lines = input.text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const raw = lines[idx];
    const lineNo = firstLine + idx;
    if (!raw.trim()) continue;
    // Tokenising is linear, so even a whole listing on one line is split; only absurd lines are not.
    const records = raw.length > 5_000_000 ? [raw] : unflattenIptablesList(raw, state.layout);
    for (const rec of records) {
      const text = rec.trim();
      if (!text) continue;
      const tokens = tokenizeListLine(text);
      const ev = logEvidence(input.uri, lineNo, text, FORMAT);
      const warning = legacyTablesWarning(text, ev, input.host);
      if (warning) {
        facts.push(warning);
        continue;
      }
      const chainLen = chainHeaderAt(tokens, 0);
      if (chainLen) {
        const header = CHAIN_HEADER.exec(text)?.groups;
        state.chain = tokens[1];
        state.position = 0;
        state.layout = undefined;
        const chain: NatChain = {
          kind: 'NatChain',
          table: commandTable ?? guessTable(tokens[1]),
          name: tokens[1],
          evidence: [ev],
        };
        if (header?.policy) chain.policy = header.policy;
        if (header?.references) chain.references = Number(header.references);
        chains.push(chain);
        facts.push(chain);
        if (header?.policy) {
          // `(policy DROP 12 packets, 1008 bytes)`; without -x large counters print as `1234K`.
          const counters = POLICY_COUNTERS.exec(text)?.groups;
          const policy = chainPolicy({
            table: chain.table,
            chain: chain.name,
            policy: header.policy,
            evidence: ev,
            host: input.host,
            packets: counters ? parseCounter(counters.packets) : undefined,
            bytes: counters ? parseCounter(counters.bytes) : undefined,
          });
          policies.push(policy);
          facts.push(policy);
        }
        continue;
      }
      const cols = columnHeaderAt(tokens, 0);
      if (cols && cols === tokens.length) {
        state.layout = layoutFromHeader(tokens);
        continue;
      }
      if (/^[=#*~_-]{5,}$/.test(text)) {
        unparsed.push({ line: lineNo, reason: 'separator, not iptables output', text });
        continue;
      }
      const parsed = parseRuleTokens(tokens, state);
      if (typeof parsed === 'string') {
        unparsed.push({ line: lineNo, reason: parsed, text: text.slice(0, 200) });
        continue;
      }
      const chainName = state.chain ?? '';
      const position = ++state.position;
      const rule = withKubeProxyMeaning({
        ...parsed,
        table: commandTable ?? guessTable(chainName || parsed.target),
        chain: chainName,
        position,
        text,
        evidence: [ev],
      });
      // A `| grep` listing has no chain header: position and chain are unknown.
      if (!state.chain) delete rule.position;
      if (input.host !== undefined) rule.hosts = [input.host];
      rules.push(rule);
      facts.push(rule);
    }
  }
  if (!commandTable) {
    // One `-L` prints one table: if any chain only exists in nat, the whole listing is nat.
    const table =
      chains.some((natChain) => natChain.table === 'nat') || rules.some((natRule) => natRule.table === 'nat')
        ? 'nat'
        : 'filter';
    for (const chain of chains) chain.table = table;
    for (const rule of rules) rule.table = table;
    for (const policy of policies) policy.table = table;
  }
  const config = kubeProxyConfigFromRules(rules, chains, FORMAT);
  if (config) facts.push(config);
  return { format: FORMAT, facts, records: rules.length + chains.length, unparsed };
}

export const iptablesListFormat: FormatSpec = {
  id: FORMAT,
  tools: iptablesCommands(''),
  parse: (input) => totalParse(FORMAT, input, () => parseIptablesList(input)),
  unflatten: (line) => splitIptablesListRecords(line),
  commands: [/^(iptables|ip6tables)(-legacy|-nft)?\s(?!.*-S\b)(.*\s)?(-L|--list|-[a-zA-Z]*L[a-zA-Z]*)(\s|$)/],
  sniff(lines) {
    let hits = 0;
    let seen = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      seen++;
      if (
        /^Chain \S+ \((policy|\d+ references)/.test(line) ||
        /^\s*(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt\b/.test(line)
      )
        hits += 2;
      else if (/\s(all|tcp|udp|icmp|\d{1,3})\s+--\s+\S+\s+\S+/.test(line)) hits++;
    }
    return seen ? Math.min(1, hits / seen) : 0;
  },
};
