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

const addr = (a: NatRule['source']) => (a ? `${a.negated ? '!' : ''}${a.cidr}` : '');

const FIELDS: [string, (r: NatRule) => string][] = [
  ['protocol', (r) => r.protocol ?? ''],
  ['source', (r) => addr(r.source)],
  ['destination', (r) => addr(r.destination)],
  ['dport', (r) => (r.dport === undefined ? '' : String(r.dport))],
  ['probability', (r) => (r.probability === undefined ? '' : r.probability.toFixed(9))],
  ['mark', (r) => r.mark ?? ''],
  ['recent', (r) => r.recent ?? ''],
  ['dnatTo', (r) => (r.dnatTo ? `${r.dnatTo.ip}:${r.dnatTo.port ?? ''}` : '')],
];

function looseKey(r: NatRule, chain = r.chain): string {
  return `${r.table}|${chain}|${r.target}|${r.comment ?? ''}`;
}

export function ruleMeaningKey(r: NatRule, chain = r.chain): string {
  return `${looseKey(r, chain)}|${FIELDS.map(([, f]) => f(r)).join('|')}`;
}

/** Only kube-proxy's own rules are expected to match (other software shares the tables). */
function isKubeProxyRule(r: NatRule): boolean {
  return r.chain.startsWith('KUBE-') || r.target.startsWith('KUBE-') || r.kubeProxy !== undefined;
}

class Pool {
  private readonly map = new Map<string, NatRule[]>();
  add(key: string, r: NatRule): void {
    const l = this.map.get(key);
    if (l) l.push(r);
    else this.map.set(key, [r]);
  }
  take(key: string, used: Set<NatRule>): NatRule | undefined {
    const l = this.map.get(key);
    while (l?.length) {
      const r = l.shift()!;
      if (!used.has(r)) return r;
    }
    return undefined;
  }
}

export function compareRules(predicted: readonly NatRule[], seen: readonly NatRule[]): RuleComparison {
  const exact = new Pool();
  const loose = new Pool();
  for (const r of seen) {
    const chain = r.chain || '*';
    exact.add(ruleMeaningKey(r, chain), r);
    loose.add(looseKey(r, chain), r);
  }
  const used = new Set<NatRule>();
  const out: RuleComparison = { observed: [], missing: [], unexpected: [] };
  const leftovers: NatRule[] = [];
  for (const p of predicted) {
    const m = exact.take(ruleMeaningKey(p), used) ?? exact.take(ruleMeaningKey(p, '*'), used);
    if (m) {
      used.add(m);
      out.observed.push({ predicted: p, seen: m, differences: [] });
    } else leftovers.push(p);
  }
  // Only chains the node printed can be judged: `iptables -L KUBE-SERVICES` says nothing about other chains.
  const seenChains = new Set(seen.map((r) => `${r.table}/${r.chain}`));
  for (const p of leftovers) {
    const m = loose.take(looseKey(p), used) ?? loose.take(looseKey(p, '*'), used);
    if (m) {
      used.add(m);
      const differences = FIELDS.filter(([, f]) => f(p) !== f(m)).map(
        ([name, f]) => `${name}: predicted ${f(p) || 'none'}, seen ${f(m) || 'none'}`,
      );
      out.observed.push({ predicted: p, seen: m, differences });
    } else if (seenChains.has(`${p.table}/${p.chain}`)) {
      out.missing.push(p);
    }
  }
  for (const r of seen) if (!used.has(r) && isKubeProxyRule(r)) out.unexpected.push(r);
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
  for (const f of facts) {
    if (f.kind === 'NftMapElement' && f.table === 'kube-proxy')
      out.set(`map ${f.map}: ${f.key.join(' . ')} : ${f.verdict}`, f);
    else if (f.kind === 'NftRule' && f.table === 'kube-proxy' && f.dnatTo)
      out.set(`chain ${f.chain}: dnat to ${f.dnatTo.ip}:${f.dnatTo.port ?? ''}`, f);
    else if (f.kind === 'NftRule' && f.table === 'kube-proxy' && f.endpointChains)
      out.set(`chain ${f.chain}: numgen over ${f.endpointChains.join(', ')}`, f);
  }
  return out;
}

export function compareNft(predicted: readonly Fact[], seen: readonly Fact[]): NftComparison {
  const p = nftItems(predicted);
  const s = nftItems(seen);
  return {
    observed: [...p.keys()].filter((k) => s.has(k)),
    missing: [...p.keys()].filter((k) => !s.has(k)),
    unexpected: [...s.keys()].filter((k) => !p.has(k)),
  };
}
