import type { ClusterModel, Evidence, Fact, KubeProxyMode } from '../../model';
import { parseIptablesSave } from '../../ingest/netfilter/iptablesSave';
import { parseNft } from '../../ingest/netfilter/nft';
import { parseIpvsadm } from '../../ingest/netfilter/ipvsadm';
import { predictIptablesSave } from './iptablesPredictor';
import { predictNftRuleset } from './nftPredictor';
import { predictIpvsadmList } from './ipvsPredictor';
import { planServicePorts, type PlanOptions, type RulePlan } from './servicePlan';

/** What kube-proxy would program on a node, as text and as facts marked predicted. */
export interface PredictedRules {
  mode: KubeProxyMode;
  /** `iptables-save`, `nft list table ip kube-proxy` or `ipvsadm -Ln` style text. */
  text: string;
  /** NatRule/NatChain (iptables), NftRule/NftMapElement (nftables), IpvsVirtualServer (ipvs); evidence is `derived`. */
  facts: Fact[];
  plan: RulePlan;
}

const PREDICTED_URI: Record<KubeProxyMode, string> = {
  iptables: 'derived:kube-proxy/iptables-save',
  nftables: 'derived:kube-proxy/nft',
  ipvs: 'derived:kube-proxy/ipvsadm',
};

/**
 * Re-labels facts parsed from our own predicted text: their evidence becomes
 * `derived` (never observed), keeping the predicted line so a view can show it.
 */
function markDerived(facts: Fact[], mode: KubeProxyMode, plan: RulePlan): Fact[] {
  const why = `predicted kube-proxy ${mode} rule from ${plan.ports.length} Service port(s)`;
  return facts
    .filter((fact) => fact.kind !== 'KubeProxy')
    .map((fact) => {
      const ev: Evidence[] = fact.evidence.map((item) => ({
        source: 'derived',
        uri: PREDICTED_URI[mode],
        line: item.line,
        excerpt: item.excerpt ? `${item.excerpt}` : why,
        format: 'kube-proxy-predictor',
      }));
      return { ...fact, evidence: ev };
    });
}

function predictText(plan: RulePlan, mode: KubeProxyMode): string {
  if (mode === 'nftables') return predictNftRuleset(plan);
  if (mode === 'ipvs') return predictIpvsadmList(plan);
  return predictIptablesSave(plan);
}

function parseOwn(text: string, mode: KubeProxyMode): Fact[] {
  const input = { text, uri: PREDICTED_URI[mode] };
  if (mode === 'nftables') return parseNft(input).facts;
  if (mode === 'ipvs') return parseIpvsadm(input).facts;
  return parseIptablesSave(input).facts;
}

/** Predicts kube-proxy's rules for every Service port in the model. */
export function predictRules(
  model: ClusterModel,
  mode: KubeProxyMode = 'iptables',
  options: PlanOptions = {},
): PredictedRules {
  const plan = planServicePorts(model, options);
  return predictFromPlan(plan, mode);
}

export function predictFromPlan(plan: RulePlan, mode: KubeProxyMode): PredictedRules {
  const text = predictText(plan, mode);
  return { mode, text, facts: markDerived(parseOwn(text, mode), mode, plan), plan };
}
