import * as l10n from '@vscode/l10n';
import {
  namespaceOf,
  iptablesEndpointChain,
  iptablesServiceChain,
  servicePortName,
  type ClusterModel,
  type NatRule,
} from '../../model';
import { describeAddress } from './packetAnnotation.pure';

/**
 * What one iptables line means (no `vscode`, plain sentences): kube-proxy chain names decoded
 * to their Service port or endpoint, the `statistic` probability of an endpoint jump
 * (1/(n−i) of what is left, 1/n overall) and where a DNAT sends the packet.
 */

const CHAIN_RE = /KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}/g;
// Functions, not strings: they are translated when called, after activate() loaded the bundle.
const KIND_WORDS: Record<string, () => string> = {
  SVC: () => l10n.t('Service chain (cluster traffic policy): picks one endpoint'),
  SVL: () => l10n.t('Service chain (local traffic policy): only endpoints on this node'),
  EXT: () => l10n.t('external chain (NodePort / LoadBalancer / external IP traffic)'),
  FW: () => l10n.t('load-balancer firewall chain'),
  SEP: () => l10n.t('endpoint chain: DNATs to one pod'),
};

/**
 * The Service port (or endpoint) a kube-proxy chain name stands for: from the rules, else
 * recomputed from the model.
 */
export function decodeChain(model: ClusterModel, rules: readonly NatRule[], chain: string): string | undefined {
  const kind = chain.split('-')[1];
  const fromRules =
    rules.find(
      (rule) => (rule.target === chain || rule.chain === chain) && (rule.kubeProxy?.servicePortName || rule.comment),
    ) ??
    model
      .all('NatRule')
      .find(
        (rule) => (rule.target === chain || rule.chain === chain) && (rule.kubeProxy?.servicePortName || rule.comment),
      );
  const dnat = [...rules, ...model.all('NatRule')].find((rule) => rule.chain === chain && rule.dnatTo);
  let spn =
    fromRules?.kubeProxy?.servicePortName ??
    fromRules?.comment?.replace(/ (cluster IP|external IP|node port|loadbalancer IP)$/, '');
  if (!spn) spn = recompute(model, chain);
  if (!spn && !dnat) return undefined;
  const endpoint =
    kind === 'SEP' && dnat?.dnatTo ? `${dnat.dnatTo.ip}${dnat.dnatTo.port ? `:${dnat.dnatTo.port}` : ''}` : undefined;
  const who = endpoint ? describeAddress(model, dnat!.dnatTo!.ip) : undefined;
  const what = KIND_WORDS[kind]?.() ?? l10n.t('kube-proxy chain');
  const described = spn ? l10n.t('{0}: {1} of Service port {2}', chain, what, spn) : `${chain}: ${what}`;
  return `${described}${endpoint ? ` → ${endpoint}${who ? ` (${who})` : ''}` : ''}`;
}

/** Recomputes kube-proxy's chain names for every Service port (and selected pod endpoint) the model knows. */
function recompute(model: ClusterModel, chain: string): string | undefined {
  const kind = chain.split('-')[1];
  for (const service of model.services) {
    for (const servicePort of service.ports) {
      const spn = servicePortName(namespaceOf(service), service.name, servicePort.name);
      if (kind !== 'SEP') {
        if (iptablesServiceChain(kind as 'SVC', spn, servicePort.protocol) === chain) return spn;
        continue;
      }
      for (const pod of model.podsSelectedBy(service)) {
        const port =
          typeof servicePort.targetPort === 'number'
            ? servicePort.targetPort
            : servicePort.targetPort === undefined
              ? servicePort.port
              : undefined;
        if (pod.ip && port !== undefined && iptablesEndpointChain(spn, servicePort.protocol, pod.ip, port) === chain)
          return spn;
      }
    }
  }
  return undefined;
}

/** The probability sentence for an endpoint jump: i-th of n in its chain (`rulesInDoc` in line order). */
export function describeProbability(rule: NatRule, rulesInDoc: readonly NatRule[]): string | undefined {
  if (!rule.target.startsWith('KUBE-SEP-')) return undefined;
  // The chain's own listing: the run of neighbouring rules of that chain (a transcript may list a
  // chain twice, -L and -save).
  const at = rulesInDoc.indexOf(rule);
  if (at < 0) return undefined;
  const same = (candidate: NatRule) => candidate.table === rule.table && candidate.chain === rule.chain;
  let first = at,
    last = at;
  while (first > 0 && same(rulesInDoc[first - 1])) first--;
  while (last < rulesInDoc.length - 1 && same(rulesInDoc[last + 1])) last++;
  const jumps = rulesInDoc.slice(first, last + 1).filter((candidate) => candidate.target.startsWith('KUBE-SEP-'));
  const jumpCount = jumps.length;
  const jumpIndex = jumps.indexOf(rule);
  if (jumpCount === 0 || jumpIndex < 0) return undefined;
  const share =
    jumpCount > 1
      ? l10n.t(
          'overall {0} of new connections go to this endpoint',
          `1/${jumpCount} = ${(100 / jumpCount).toFixed(1)}%`,
        )
      : l10n.t('overall all of new connections go to this endpoint');
  if (rule.probability === undefined) {
    return jumpIndex === jumpCount - 1 && jumpCount > 1
      ? l10n.t(
          'Last endpoint jump ({0} of {1}): no statistic match, it takes every connection the earlier rules did not; {2}.',
          jumpCount,
          jumpCount,
          share,
        )
      : l10n.t('Endpoint jump {0} of {1}: {2}.', jumpIndex + 1, jumpCount, share);
  }
  return l10n.t(
    'statistic random probability {0}: endpoint jump {1} of {2} takes 1/(n−i) = 1/{3} of the connections that reach it; {4}.',
    rule.probability,
    jumpIndex + 1,
    jumpCount,
    jumpCount - jumpIndex,
    share,
  );
}

/** Plain-text sentences for one iptables line (its text, and the rule facts parsed from it). */
export function annotateRuleLine(
  model: ClusterModel,
  rulesInDoc: readonly NatRule[],
  lineText: string,
  rules: readonly NatRule[],
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const chainMatch of lineText.matchAll(CHAIN_RE)) {
    if (seen.has(chainMatch[0])) continue;
    seen.add(chainMatch[0]);
    const decoded = decodeChain(model, rulesInDoc, chainMatch[0]);
    if (decoded) out.push(decoded);
  }
  for (const rule of rules) {
    const probabilityText = describeProbability(rule, rulesInDoc);
    if (probabilityText) out.push(probabilityText);
    if (rule.dnatTo) {
      const who = describeAddress(model, rule.dnatTo.ip);
      const to = `${rule.dnatTo.ip}${rule.dnatTo.port ? `:${rule.dnatTo.port}` : ''}`;
      out.push(
        who
          ? l10n.t('DNAT: rewrites the destination to {0} ({1}); conntrack undoes it on the reply', to, who)
          : l10n.t('DNAT: rewrites the destination to {0}; conntrack undoes it on the reply', to),
      );
    }
    if (rule.kubeProxy?.role === 'masquerade-mark')
      out.push(
        l10n.t(
          'KUBE-MARK-MASQ: marks the packet (0x4000) so KUBE-POSTROUTING masquerades it (hairpin / off-cluster source)',
        ),
      );
    if (rule.kubeProxy?.role === 'no-endpoints')
      out.push(l10n.t('The Service has no ready endpoints: kube-proxy rejects the connection'));
  }
  return out;
}
