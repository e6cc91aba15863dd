import type { Fact, NatRule } from '../../model';

/**
 * Predicted kube-proxy rules against the rules a node printed (iptables-save or
 * iptables -L): which predictions were observed (exactly, or with differing
 * fields), which are missing, and which observed kube-proxy rules we did not
 * predict. Rules are compared by meaning, not text, so `-L` and save printouts
 * compare alike; probabilities at the kernel's precision (it keeps round(p·2³¹)).
 * A `| grep` listing has no chain header: its rules match a prediction in any chain.
 */
export interface ObservedRule {
  predicted: NatRule;
  seen: NatRule;
  /** Fields that differ, e.g. `dport: predicted 53, seen none`; empty for an exact match. */
  differences: string[];
}

export interface RuleComparison {
  observed: ObservedRule[];
  missing: NatRule[];
  unexpected: NatRule[];
}

const addr = (match: NatRule['source']) => (match ? `${match.negated ? '!' : ''}${match.cidr}` : '');

const FIELDS: [string, (r: NatRule) => string][] = [
  ['protocol', (rule) => rule.protocol ?? ''],
  ['source', (rule) => addr(rule.source)],
  ['destination', (rule) => addr(rule.destination)],
  ['dport', (rule) => (rule.dport === undefined ? '' : String(rule.dport))],
  ['probability', (rule) => (rule.probability === undefined ? '' : rule.probability.toFixed(9))],
  ['mark', (rule) => rule.mark ?? ''],
  ['recent', (rule) => rule.recent ?? ''],
  ['dnatTo', (rule) => (rule.dnatTo ? `${rule.dnatTo.ip}:${rule.dnatTo.port ?? ''}` : '')],
];

function looseKey(rule: NatRule, chain = rule.chain): string {
  return `${rule.table}|${chain}|${rule.target}|${rule.comment ?? ''}`;
}

export function ruleMeaningKey(rule: NatRule, chain = rule.chain): string {
  return `${looseKey(rule, chain)}|${FIELDS.map(([, read]) => read(rule)).join('|')}`;
}

/** Only kube-proxy's own rules are expected to match (other software shares the tables). */
function isKubeProxyRule(rule: NatRule): boolean {
  return rule.chain.startsWith('KUBE-') || rule.target.startsWith('KUBE-') || rule.kubeProxy !== undefined;
}

class Pool {
  private readonly map = new Map<string, NatRule[]>();
  add(key: string, rule: NatRule): void {
    const rules = this.map.get(key);
    if (rules) rules.push(rule);
    else this.map.set(key, [rule]);
  }
  take(key: string, used: Set<NatRule>): NatRule | undefined {
    const rules = this.map.get(key);
    while (rules?.length) {
      const rule = rules.shift()!;
      if (!used.has(rule)) return rule;
    }
    return undefined;
  }
}

export function compareRules(predicted: readonly NatRule[], seen: readonly NatRule[]): RuleComparison {
  const exact = new Pool();
  const loose = new Pool();
  for (const rule of seen) {
    const chain = rule.chain || '*';
    exact.add(ruleMeaningKey(rule, chain), rule);
    loose.add(looseKey(rule, chain), rule);
  }
  const used = new Set<NatRule>();
  const out: RuleComparison = { observed: [], missing: [], unexpected: [] };
  const leftovers: NatRule[] = [];
  for (const predictedRule of predicted) {
    const seenRule =
      exact.take(ruleMeaningKey(predictedRule), used) ?? exact.take(ruleMeaningKey(predictedRule, '*'), used);
    if (seenRule) {
      used.add(seenRule);
      out.observed.push({ predicted: predictedRule, seen: seenRule, differences: [] });
    } else leftovers.push(predictedRule);
  }
  // Only chains the node printed can be judged: `iptables -L KUBE-SERVICES` says nothing about other chains.
  const seenChains = new Set(seen.map((rule) => `${rule.table}/${rule.chain}`));
  for (const predictedRule of leftovers) {
    const seenRule = loose.take(looseKey(predictedRule), used) ?? loose.take(looseKey(predictedRule, '*'), used);
    if (seenRule) {
      used.add(seenRule);
      const differences = FIELDS.filter(([, read]) => read(predictedRule) !== read(seenRule)).map(
        ([name, read]) => `${name}: predicted ${read(predictedRule) || 'none'}, seen ${read(seenRule) || 'none'}`,
      );
      out.observed.push({ predicted: predictedRule, seen: seenRule, differences });
    } else if (seenChains.has(`${predictedRule.table}/${predictedRule.chain}`)) {
      out.missing.push(predictedRule);
    }
  }
  for (const rule of seen) if (!used.has(rule) && isKubeProxyRule(rule)) out.unexpected.push(rule);
  return out;
}

/**
 * nftables mode: predicted map elements (service-ips, service-nodeports,
 * no-endpoint-*) and endpoint DNATs against a printed `nft list table ip kube-proxy`.
 * Chain names embed the Service port and endpoint, so exact text comparison is meaningful.
 */
export interface NftComparison {
  observed: string[];
  missing: string[];
  unexpected: string[];
}

function nftItems(facts: readonly Fact[]): Map<string, Fact> {
  const out = new Map<string, Fact>();
  for (const fact of facts) {
    if (fact.kind === 'NftMapElement' && fact.table === 'kube-proxy')
      out.set(`map ${fact.map}: ${fact.key.join(' . ')} : ${fact.verdict}`, fact);
    else if (fact.kind === 'NftRule' && fact.table === 'kube-proxy' && fact.dnatTo)
      out.set(`chain ${fact.chain}: dnat to ${fact.dnatTo.ip}:${fact.dnatTo.port ?? ''}`, fact);
    else if (fact.kind === 'NftRule' && fact.table === 'kube-proxy' && fact.endpointChains)
      out.set(`chain ${fact.chain}: numgen over ${fact.endpointChains.join(', ')}`, fact);
  }
  return out;
}

export function compareNft(predicted: readonly Fact[], seen: readonly Fact[]): NftComparison {
  const predictedItems = nftItems(predicted);
  const seenItems = nftItems(seen);
  return {
    observed: [...predictedItems.keys()].filter((key) => seenItems.has(key)),
    missing: [...predictedItems.keys()].filter((key) => !seenItems.has(key)),
    unexpected: [...seenItems.keys()].filter((key) => !predictedItems.has(key)),
  };
}
