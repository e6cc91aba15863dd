import type { Evidence, KubeProxyConfig, NatChain, NatRule } from '../../model';
import { decodeKubeProxyMeaning } from './kubeProxyMeaning';

/** Adds the kube-proxy meaning (when there is one) to a freshly parsed rule. */
export function withKubeProxyMeaning(rule: NatRule): NatRule {
  const meaning = decodeKubeProxyMeaning(rule);
  if (meaning) rule.kubeProxy = meaning;
  return rule;
}

const IPTABLES_MODE_CHAIN = /^KUBE-(SVC|SVL|SEP|EXT|FW|XLB)-/;
// IPVS mode keeps helper chains in iptables and matches ipsets named KUBE-CLUSTER-IP etc.
const IPVS_MODE_CHAIN = /^KUBE-(LOAD-BALANCER|NODE-PORT|IPVS-FILTER|IPVS-OUT-FILTER)/;

/**
 * A KubeProxyConfig when the rules show which kube-proxy mode wrote them: per-service
 * KUBE-SVC/KUBE-SEP chains mean iptables mode; KUBE-NODE-PORT / KUBE-LOAD-BALANCER
 * chains or `KUBE-CLUSTER-IP` ipset matches mean IPVS mode (which also has
 * KUBE-SERVICES and KUBE-MARK-MASQ, so those alone decide nothing). The cluster CIDR is
 * read from the `! -s CIDR -j KUBE-MARK-MASQ` rule of a KUBE-SVC chain, which kube-proxy
 * writes only when it knows the cluster CIDR.
 */
export function kubeProxyConfigFromRules(
  rules: readonly NatRule[],
  chains: readonly NatChain[],
  format: string,
): KubeProxyConfig | undefined {
  const pick = (re: RegExp): Evidence | undefined =>
    chains.find((natChain) => re.test(natChain.name))?.evidence[0] ??
    rules.find((natRule) => re.test(natRule.chain) || re.test(natRule.target))?.evidence[0];
  const iptablesEv = pick(IPTABLES_MODE_CHAIN);
  const ipvsEv = iptablesEv
    ? undefined
    : (pick(IPVS_MODE_CHAIN) ?? rules.find((natRule) => natRule.text.includes('KUBE-CLUSTER-IP'))?.evidence[0]);
  const ev = iptablesEv ?? ipvsEv;
  if (!ev) return undefined;
  const config: KubeProxyConfig = {
    kind: 'KubeProxy',
    mode: iptablesEv ? 'iptables' : 'ipvs',
    evidence: [{ ...ev, format }],
  };
  const masq = rules.find(
    (natRule) =>
      natRule.chain.startsWith('KUBE-SVC-') && natRule.target === 'KUBE-MARK-MASQ' && natRule.source?.negated,
  );
  if (masq?.source) {
    config.clusterCIDR = masq.source.cidr;
    config.evidence.push(...masq.evidence.slice(0, 1));
  }
  return config;
}
