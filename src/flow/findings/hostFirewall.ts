import { cidrContains, type NatRule } from '../../model';
import type { TraceContext } from '../context';

/**
 * Whether a rule's protocol match takes `protocol`. Both iptables parsers name protocols (undefined:
 * any; `!tcp`: all but TCP), see normalizeProtocol in src/ingest/netfilter/iptablesFields.ts.
 */
const matchesProtocol = (ruleProtocol: string | undefined, protocol: string): boolean =>
  ruleProtocol === undefined ||
  ruleProtocol === protocol ||
  (ruleProtocol.startsWith('!') && ruleProtocol !== `!${protocol}`);

const DECIDING = new Set(['ACCEPT', 'DROP', 'REJECT']);

/** What arrives at a host: its protocol, destination port and sender's address. */
export interface Arrival {
  node: string;
  protocol: 'tcp' | 'udp';
  port: number;
  sender: string;
}

/**
 * The first rule of `node`'s filter INPUT chain (as pasted from it) that decides the fate of a new
 * packet, when it is a DROP or REJECT. The rules before it are each one the packet cannot match (another
 * protocol, port or source, the conntrack state only replies have, the loopback interface) or a jump to
 * another chain, taken to return (kube-proxy's chains drop only what they name).
 */
export function inputRuleDropping(ctx: TraceContext, { node, protocol, port, sender }: Arrival): NatRule | undefined {
  const input = ctx.model
    .all('NatRule')
    .filter((rule) => rule.hosts?.includes(node) === true && rule.table === 'filter' && rule.chain === 'INPUT');
  for (const rule of input) {
    const passesBy =
      !DECIDING.has(rule.target) ||
      !matchesProtocol(rule.protocol, protocol) ||
      (rule.dport !== undefined && rule.dport !== port) ||
      rule.inInterface === 'lo' ||
      (rule.source !== undefined && rule.source.negated === cidrContains(rule.source.cidr, sender)) ||
      /\b(?:ct)?state (?:RELATED,ESTABLISHED|ESTABLISHED,RELATED|ESTABLISHED)\b/.test(rule.text);
    if (passesBy) continue;
    return rule.target === 'ACCEPT' ? undefined : rule;
  }
  return undefined;
}

/** A rule as listed, without `iptables -L -v`'s leading counters (a message gives them in words). */
export const ruleText = (rule: NatRule): string =>
  rule.text
    .replace(/^\s*\d+[KMGT]?\s+\d+[KMGT]?\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
