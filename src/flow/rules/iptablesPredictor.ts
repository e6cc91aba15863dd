import { endpointProbabilities, iptablesEndpointChain, iptablesServiceChain, joinHostPort } from '../../model';
import { hasExternal, localEndpoints, type RulePlan, type ServicePortPlan } from './servicePlan';

/**
 * The iptables rules kube-proxy (iptables mode) programs for a RulePlan, laid out
 * as upstream's pkg/proxy/iptables/proxier.go writes them, printed as
 * `iptables-save` text that iptables-restore accepts.
 */

const MASQ_MARK = '0x4000';

interface Table {
  name: string;
  builtins: string[];
  /** Declared chains in order of first use (a Set: 100k chains must stay linear). */
  chains: Set<string>;
  rules: string[];
}

/** Go's `%q`-like quoting kube-proxy uses for comments with spaces. */
function comment(text: string): string {
  return /[\s"]/.test(text) ? `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"` : text;
}

function proto(p: ServicePortPlan): string {
  const lc = p.protocol.toLowerCase();
  return `-m ${lc} -p ${lc}`;
}

class Writer {
  readonly filter: Table = {
    name: 'filter',
    builtins: ['INPUT', 'FORWARD', 'OUTPUT'],
    chains: new Set([
      'KUBE-NODEPORTS',
      'KUBE-SERVICES',
      'KUBE-EXTERNAL-SERVICES',
      'KUBE-FORWARD',
      'KUBE-PROXY-FIREWALL',
    ]),
    rules: [],
  };
  readonly nat: Table = {
    name: 'nat',
    builtins: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    chains: new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']),
    rules: [],
  };

  chain(t: Table, name: string): void {
    t.chains.add(name);
  }

  add(t: Table, chain: string, args: string): void {
    t.rules.push(`-A ${chain} ${args}`);
  }
}

function writeBaseRules(w: Writer): void {
  const f = w.filter;
  w.add(
    f,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  w.add(f, 'INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  w.add(
    f,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  w.add(
    f,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  w.add(f, 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  w.add(f, 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  w.add(
    f,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  w.add(
    f,
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  w.add(f, 'OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  w.add(f, 'KUBE-FORWARD', '-m conntrack --ctstate INVALID -j DROP');
  w.add(
    f,
    'KUBE-FORWARD',
    `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
  );
  w.add(
    f,
    'KUBE-FORWARD',
    '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );
  const n = w.nat;
  w.add(n, 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  w.add(n, 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  w.add(n, 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  w.add(n, 'KUBE-POSTROUTING', `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  w.add(n, 'KUBE-POSTROUTING', `-j MARK --xor-mark ${MASQ_MARK}`);
  w.add(
    n,
    'KUBE-POSTROUTING',
    '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );
  w.add(n, 'KUBE-MARK-MASQ', `-j MARK --or-mark ${MASQ_MARK}`);
}

/** Endpoint jumps of a KUBE-SVC/KUBE-SVL chain: affinity checks first, then the probability ladder. */
function writeEndpointJumps(w: Writer, chain: string, p: ServicePortPlan, eps: ServicePortPlan['endpoints']): void {
  const seps = eps.map((e) => iptablesEndpointChain(p.spn, p.protocol, e.ip, e.port));
  if (p.affinitySeconds !== undefined) {
    eps.forEach((e, i) =>
      w.add(
        w.nat,
        chain,
        `-m comment --comment ${comment(`${p.spn} -> ${joinHostPort(e.ip, e.port)}`)} -m recent --name ${seps[i]} --rcheck --seconds ${p.affinitySeconds} --reap -j ${seps[i]}`,
      ),
    );
  }
  const probs = endpointProbabilities(eps.length);
  eps.forEach((e, i) => {
    const stat = probs[i] ? ` -m statistic --mode random --probability ${probs[i]}` : '';
    w.add(
      w.nat,
      chain,
      `-m comment --comment ${comment(`${p.spn} -> ${joinHostPort(e.ip, e.port)}`)}${stat} -j ${seps[i]}`,
    );
  });
}

function writeServicePort(w: Writer, p: ServicePortPlan, plan: RulePlan): void {
  const svc = iptablesServiceChain('SVC', p.spn, p.protocol);
  const svl = iptablesServiceChain('SVL', p.spn, p.protocol);
  const ext = iptablesServiceChain('EXT', p.spn, p.protocol);
  const dst = `-d ${p.clusterIP} --dport ${p.port}`;
  const external = hasExternal(p);
  const locals = localEndpoints(p, plan.nodeName);
  if (p.endpoints.length === 0) {
    // No endpoints: the filter table rejects instead of DNATing (and nat has no chains for it).
    w.add(
      w.filter,
      'KUBE-SERVICES',
      `-m comment --comment ${comment(`${p.spn} has no endpoints`)} ${proto(p)} ${dst} -j REJECT`,
    );
    for (const ip of p.externalIPs)
      w.add(
        w.filter,
        'KUBE-EXTERNAL-SERVICES',
        `-m comment --comment ${comment(`${p.spn} has no endpoints`)} ${proto(p)} -d ${ip} --dport ${p.port} -j REJECT`,
      );
    if (p.nodePort !== undefined)
      w.add(
        w.filter,
        'KUBE-EXTERNAL-SERVICES',
        `-m comment --comment ${comment(`${p.spn} has no endpoints`)} -m addrtype --dst-type LOCAL ${proto(p)} --dport ${p.nodePort} -j REJECT`,
      );
    return;
  }
  w.chain(w.nat, svc);
  const internalChain = p.internalLocal ? svl : svc;
  w.add(
    w.nat,
    'KUBE-SERVICES',
    `-m comment --comment ${comment(`${p.spn} cluster IP`)} ${proto(p)} ${dst} -j ${internalChain}`,
  );
  if (external) {
    w.chain(w.nat, ext);
    for (const ip of p.externalIPs)
      w.add(
        w.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${p.spn} external IP`)} ${proto(p)} -d ${ip} --dport ${p.port} -j ${ext}`,
      );
    for (const ip of p.loadBalancerIPs)
      w.add(
        w.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${p.spn} loadbalancer IP`)} ${proto(p)} -d ${ip} --dport ${p.port} -j ${ext}`,
      );
    if (p.nodePort !== undefined)
      w.add(
        w.nat,
        'KUBE-NODEPORTS',
        `-m comment --comment ${comment(p.spn)} ${proto(p)} --dport ${p.nodePort} -j ${ext}`,
      );
    if (p.externalLocal && locals.length === 0) {
      // Local policy with no endpoint on this node: external traffic is dropped in filter.
      for (const ip of p.externalIPs)
        w.add(
          w.filter,
          'KUBE-EXTERNAL-SERVICES',
          `-m comment --comment ${comment(`${p.spn} has no local endpoints`)} ${proto(p)} -d ${ip} --dport ${p.port} -j DROP`,
        );
      if (p.nodePort !== undefined)
        w.add(
          w.filter,
          'KUBE-EXTERNAL-SERVICES',
          `-m comment --comment ${comment(`${p.spn} has no local endpoints`)} -m addrtype --dst-type LOCAL ${proto(p)} --dport ${p.nodePort} -j DROP`,
        );
    }
  }
  if (plan.clusterCIDR) {
    w.add(
      w.nat,
      svc,
      `-m comment --comment ${comment(`${p.spn} cluster IP`)} ${proto(p)} ${dst} ! -s ${plan.clusterCIDR} -j KUBE-MARK-MASQ`,
    );
  }
  writeEndpointJumps(w, svc, p, p.endpoints);
  if (external) {
    if (p.externalLocal) {
      w.chain(w.nat, svl);
      if (plan.clusterCIDR)
        w.add(
          w.nat,
          ext,
          `-m comment --comment ${comment(`pod traffic for ${p.spn} external destinations`)} -s ${plan.clusterCIDR} -j ${svc}`,
        );
      w.add(
        w.nat,
        ext,
        `-m comment --comment ${comment(`masquerade LOCAL traffic for ${p.spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      );
      w.add(
        w.nat,
        ext,
        `-m comment --comment ${comment(`route LOCAL traffic for ${p.spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`,
      );
      w.add(w.nat, ext, `-j ${svl}`);
      writeEndpointJumps(w, svl, p, locals);
    } else {
      w.add(
        w.nat,
        ext,
        `-m comment --comment ${comment(`masquerade traffic for ${p.spn} external destinations`)} -j KUBE-MARK-MASQ`,
      );
      w.add(w.nat, ext, `-j ${svc}`);
    }
  } else if (p.internalLocal) {
    w.chain(w.nat, svl);
    writeEndpointJumps(w, svl, p, locals);
  }
  for (const e of p.endpoints) {
    const sep = iptablesEndpointChain(p.spn, p.protocol, e.ip, e.port);
    w.chain(w.nat, sep);
    w.add(w.nat, sep, `-m comment --comment ${comment(p.spn)} -s ${e.ip} -j KUBE-MARK-MASQ`);
    const affinity = p.affinitySeconds !== undefined ? ` -m recent --name ${sep} --set` : '';
    w.add(
      w.nat,
      sep,
      `-m comment --comment ${comment(p.spn)}${affinity} ${proto(p)} -j DNAT --to-destination ${joinHostPort(e.ip, e.port)}`,
    );
  }
}

function serialise(t: Table): string[] {
  return [
    `*${t.name}`,
    ...t.builtins.map((c) => `:${c} ACCEPT [0:0]`),
    ...[...t.chains].map((c) => `:${c} - [0:0]`),
    ...t.rules,
    'COMMIT',
  ];
}

/** The predicted `iptables-save` text (filter then nat table) for the plan. */
export function predictIptablesSave(plan: RulePlan): string {
  const w = new Writer();
  writeBaseRules(w);
  for (const p of plan.ports) writeServicePort(w, p, plan);
  w.add(
    w.nat,
    'KUBE-SERVICES',
    '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  return [
    '# Predicted by kube-packet-path from Services and endpoints (kube-proxy iptables mode); not read from a node',
    ...serialise(w.filter),
    ...serialise(w.nat),
    '',
  ].join('\n');
}
