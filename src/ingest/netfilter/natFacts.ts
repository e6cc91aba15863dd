import type { Evidence, KubeProxyConfig, NatChain, NatRule } from '../../model';
import { decodeKubeProxyMeaning, isKubeProxyChain } from './kubeProxyMeaning';

/** Adds the kube-proxy meaning (when there is one) to a freshly parsed rule. */
export function withKubeProxyMeaning(rule: NatRule): NatRule {
  const meaning = decodeKubeProxyMeaning(rule);
  if (meaning) rule.kubeProxy = meaning;
  return rule;
}

/**
 * A KubeProxyConfig (mode iptables) when the rules show kube-proxy's chains. The
 * cluster CIDR is read from the `! -s CIDR -j KUBE-MARK-MASQ` rule of a KUBE-SVC chain,
 * which kube-proxy writes only when it knows the cluster CIDR.
 */
export function kubeProxyConfigFromRules(rules: readonly NatRule[], chains: readonly NatChain[], format: string): KubeProxyConfig | undefined {
  const evidence: Evidence[] = [];
  const firstChain = chains.find((c) => isKubeProxyChain(c.name));
  if (firstChain) evidence.push(...firstChain.evidence.slice(0, 1));
  const firstRule = rules.find((r) => isKubeProxyChain(r.chain) || isKubeProxyChain(r.target));
  if (firstRule && evidence.length === 0) evidence.push(...firstRule.evidence.slice(0, 1));
  if (evidence.length === 0) return undefined;
  const masq = rules.find((r) => r.chain.startsWith('KUBE-SVC-') && r.target === 'KUBE-MARK-MASQ' && r.source?.negated);
  const config: KubeProxyConfig = { kind: 'KubeProxy', mode: 'iptables', evidence: evidence.map((e) => ({ ...e, format })) };
  if (masq?.source) {
    config.clusterCIDR = masq.source.cidr;
    config.evidence.push(...masq.evidence.slice(0, 1));
  }
  return config;
}
