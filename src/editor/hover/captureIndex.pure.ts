import { correlate, declaredClaims, vethOwnership, type Correlation, type NatPair, type PacketGroup, type VethOwnership } from '../../flow/correlate';
import type { ClusterModel, Fact, NatRule, Packet } from '../../model';

/**
 * A per-document index for hovers (no `vscode`): line → packets and line → rules, plus the
 * capture correlation of the document's packets. Built once per document version from the
 * facts the workspace model already parsed, so a hover on a huge capture is a map lookup.
 */

export interface LineIndex {
  packets: Map<number, Packet[]>;
  rules: Map<number, NatRule[]>;
  /** The document's rules in line order, for rule-position questions (n-th of m KUBE-SEP jumps). */
  allRules: NatRule[];
  corr: Correlation;
  groupOf: Map<Packet, PacketGroup>;
  natOf: Map<Packet, NatPair>;
  veths: Map<string, VethOwnership>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Indexes `facts` of the document `uri`; `model` supplies veth names and Service IPs for the correlation. */
export function buildLineIndex(facts: readonly Fact[], uri: string, model: ClusterModel): LineIndex {
  const packets = new Map<number, Packet[]>();
  const rules = new Map<number, NatRule[]>();
  const docPackets: Packet[] = [];
  const allRules: NatRule[] = [];
  for (const f of facts) {
    const ev = f.evidence.find((e) => e.uri === uri && e.line !== undefined);
    if (!ev) continue;
    if (f.kind === 'Packet') { push(packets, ev.line!, f); docPackets.push(f); }
    else if (f.kind === 'Capture') {
      // The correlation below needs every packet of the document, so each one is built here once.
      const t = f.packets;
      for (let i = 0; i < t.size; i++) { const p = t.packet(i); push(packets, t.lineOf(i), p); docPackets.push(p); }
    } else if (f.kind === 'NatRule') { push(rules, ev.line!, f); allRules.push(f); }
  }
  const lineOf = (r: NatRule) => r.evidence.find((e) => e.uri === uri)?.line ?? 0;
  allRules.sort((a, b) => lineOf(a) - lineOf(b));
  const serviceIps = new Set(model.services.flatMap((s) => [s.clusterIP, ...(s.clusterIPs ?? [])]).filter((x): x is string => !!x && x !== 'None'));
  const vethNames = new Set(model.all('HostInterface').filter((i) => i.type === 'veth').map((i) => i.name));
  const corr = correlate(docPackets, { vethNames, isServiceIp: (ip) => serviceIps.has(ip) });
  const groupOf = new Map<Packet, PacketGroup>();
  for (const g of corr.groups) for (const p of g.packets) groupOf.set(p, g);
  const natOf = new Map<Packet, NatPair>();
  for (const n of corr.natPairs) { natOf.set(n.before, n); natOf.set(n.after, n); }
  const veths = vethOwnership([...declaredClaims(model), ...corr.vethClaims]);
  return { packets, rules, allRules, corr, groupOf, natOf, veths };
}
