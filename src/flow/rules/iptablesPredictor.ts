import {
  cidrContains,
  endpointProbabilities,
  iptablesEndpointChain,
  iptablesServiceChain,
  joinHostPort,
} from '../../model';
import {
  hasExternal,
  localEndpoints,
  usesClusterEndpoints,
  type PlannedEndpoint,
  type RulePlan,
  type ServicePortPlan,
} from './servicePlan';

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
      'KUBE-FIREWALL',
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

function writeBaseRules(w: Writer, plan: RulePlan): void {
  const f = w.filter;
  const flags = plan.flags;
  // KUBE-FIREWALL holds only the localnet DROP: kube-proxy writes the chain only with that rule.
  const localnet = flags.localhostNodePorts && nodePortsOnLoopback(plan);
  if (!localnet) f.chains.delete('KUBE-FIREWALL');
  w.add(
    f,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  w.add(f, 'INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  if (localnet) w.add(f, 'INPUT', '-j KUBE-FIREWALL');
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
  if (localnet) w.add(f, 'OUTPUT', '-j KUBE-FIREWALL');
  if (localnet)
    w.add(
      f,
      'KUBE-FIREWALL',
      '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  const nfacct = flags.nfacct ? ' -m nfacct --nfacct-name ct_state_invalid_dropped_pkts' : '';
  if (!flags.conntrackTCPLiberal) w.add(f, 'KUBE-FORWARD', `-m conntrack --ctstate INVALID${nfacct} -j DROP`);
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
    `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${flags.randomFully ? ' --random-fully' : ''}`,
  );
  w.add(n, 'KUBE-MARK-MASQ', `-j MARK --or-mark ${MASQ_MARK}`);
}

/** True when NodePorts answer on 127.0.0.1: every address (no --nodeport-addresses) or a range holding it. */
function nodePortsOnLoopback(plan: RulePlan): boolean {
  const ranges = plan.flags.nodePortAddresses;
  return ranges.length === 0 || ranges.some((cidr) => cidrContains(cidr, '127.0.0.1'));
}

/** Endpoint jumps of a KUBE-SVC/KUBE-SVL chain: affinity checks first, then the probability ladder. */
function writeEndpointJumps(w: Writer, chain: string, p: ServicePortPlan, eps: readonly PlannedEndpoint[]): void {
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

/** Which endpoints each policy uses, as kube-proxy's CategorizeEndpoints decides. */
interface EndpointChoice {
  cluster: readonly PlannedEndpoint[];
  local: readonly PlannedEndpoint[];
  /** Every endpoint some chain DNATs to (one KUBE-SEP chain each). */
  reachable: readonly PlannedEndpoint[];
  hasEndpoints: boolean;
  hasInternal: boolean;
  hasExternal: boolean;
}

function chooseEndpoints(p: ServicePortPlan, plan: RulePlan): EndpointChoice {
  const usesCluster = usesClusterEndpoints(p);
  const usesLocal = p.internalLocal || (p.externalLocal && hasExternal(p));
  const cluster = usesCluster ? p.endpoints : [];
  const local = usesLocal ? localEndpoints(p, plan.nodeName) : [];
  const reachable = [...cluster, ...local.filter((e) => !cluster.includes(e))];
  return {
    cluster,
    local,
    reachable,
    hasEndpoints: p.usable.length > 0,
    hasInternal: p.internalLocal ? local.length > 0 : cluster.length > 0,
    hasExternal: p.externalLocal ? local.length > 0 : cluster.length > 0,
  };
}

/** The filter-table REJECT/DROP rules for destinations whose policy has no endpoint to go to. */
function writeFilterRules(w: Writer, p: ServicePortPlan, choice: EndpointChoice): void {
  const { hasEndpoints, hasInternal, hasExternal: external } = choice;
  // No endpoint anywhere: REJECT; endpoints only on other nodes for a Local policy: DROP.
  const target = hasEndpoints ? 'DROP' : 'REJECT';
  const why = comment(`${p.spn} ${hasEndpoints ? 'has no local endpoints' : 'has no endpoints'}`);
  const dst = (ip: string) => `${proto(p)} -d ${ip} --dport ${p.port}`;
  if (!hasInternal) w.add(w.filter, 'KUBE-SERVICES', `-m comment --comment ${why} ${dst(p.clusterIP)} -j ${target}`);
  if (!external) {
    for (const ip of [...p.externalIPs, ...p.loadBalancerIPs])
      w.add(w.filter, 'KUBE-EXTERNAL-SERVICES', `-m comment --comment ${why} ${dst(ip)} -j ${target}`);
    if (p.nodePort !== undefined)
      w.add(
        w.filter,
        'KUBE-EXTERNAL-SERVICES',
        `-m comment --comment ${why} -m addrtype --dst-type LOCAL ${proto(p)} --dport ${p.nodePort} -j ${target}`,
      );
  }
}

function writeServicePort(w: Writer, p: ServicePortPlan, plan: RulePlan): void {
  const svc = iptablesServiceChain('SVC', p.spn, p.protocol);
  const svl = iptablesServiceChain('SVL', p.spn, p.protocol);
  const ext = iptablesServiceChain('EXT', p.spn, p.protocol);
  const fw = iptablesServiceChain('FW', p.spn, p.protocol);
  const choice = chooseEndpoints(p, plan);
  const internalChain = p.internalLocal ? svl : svc;
  const externalPolicyChain = p.externalLocal ? svl : svc;
  const usesExternalChain = choice.hasEndpoints && hasExternal(p);
  const externalChain = usesExternalChain ? ext : externalPolicyChain;
  const usesFirewall = choice.hasEndpoints && p.loadBalancerIPs.length > 0 && p.sourceRanges.length > 0;
  const loadBalancerChain = usesFirewall ? fw : externalChain;
  const clusterDst = `${proto(p)} -d ${p.clusterIP} --dport ${p.port}`;

  if (choice.hasInternal)
    w.add(
      w.nat,
      'KUBE-SERVICES',
      `-m comment --comment ${comment(`${p.spn} cluster IP`)} ${clusterDst} -j ${internalChain}`,
    );
  if (choice.hasEndpoints) {
    for (const ip of p.externalIPs)
      w.add(
        w.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${p.spn} external IP`)} ${proto(p)} -d ${ip} --dport ${p.port} -j ${externalChain}`,
      );
    for (const ip of p.loadBalancerIPs)
      w.add(
        w.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${p.spn} loadbalancer IP`)} ${proto(p)} -d ${ip} --dport ${p.port} -j ${loadBalancerChain}`,
      );
    if (usesFirewall)
      for (const ip of p.loadBalancerIPs)
        w.add(
          w.filter,
          'KUBE-PROXY-FIREWALL',
          `-m comment --comment ${comment(`${p.spn} traffic not accepted by ${fw}`)} ${proto(p)} -d ${ip} --dport ${p.port} -j DROP`,
        );
    if (p.nodePort !== undefined) {
      if (plan.flags.localhostNodePorts && plan.flags.nfacct && !p.clusterIP.includes(':'))
        w.add(
          w.nat,
          'KUBE-NODEPORTS',
          `-m comment --comment ${comment(p.spn)} ${proto(p)} -d 127.0.0.0/8 --dport ${p.nodePort} -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${externalChain}`,
        );
      w.add(
        w.nat,
        'KUBE-NODEPORTS',
        `-m comment --comment ${comment(p.spn)} ${proto(p)} --dport ${p.nodePort} -j ${externalChain}`,
      );
    }
  }
  if (p.healthCheckNodePort !== undefined)
    w.add(
      w.filter,
      'KUBE-NODEPORTS',
      `-m comment --comment ${comment(`${p.spn} health check node port`)} ${proto({ ...p, protocol: 'TCP' })} --dport ${p.healthCheckNodePort} -j ACCEPT`,
    );
  writeFilterRules(w, p, choice);
  if (!choice.hasEndpoints) return;

  if (choice.hasInternal) {
    if (plan.flags.masqueradeAll)
      w.add(
        w.nat,
        internalChain,
        `-m comment --comment ${comment(`${p.spn} cluster IP`)} ${clusterDst} -j KUBE-MARK-MASQ`,
      );
    else if (plan.clusterCIDR)
      w.add(
        w.nat,
        internalChain,
        `-m comment --comment ${comment(`${p.spn} cluster IP`)} ${clusterDst} ! -s ${plan.clusterCIDR} -j KUBE-MARK-MASQ`,
      );
  }
  if (usesExternalChain) {
    w.chain(w.nat, ext);
    if (!p.externalLocal)
      w.add(
        w.nat,
        ext,
        `-m comment --comment ${comment(`masquerade traffic for ${p.spn} external destinations`)} -j KUBE-MARK-MASQ`,
      );
    else {
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
    }
    if (choice.hasExternal) w.add(w.nat, ext, `-j ${externalPolicyChain}`);
  }
  if (usesFirewall) {
    w.chain(w.nat, fw);
    const why = `-m comment --comment ${comment(`${p.spn} loadbalancer IP`)}`;
    for (const cidr of p.sourceRanges) w.add(w.nat, fw, `${why} -s ${cidr} -j ${ext}`);
    const nodeIP = plan.nodeIPs[0];
    if (nodeIP && p.sourceRanges.some((cidr) => cidrContains(cidr, nodeIP)))
      for (const ip of p.loadBalancerIPs) w.add(w.nat, fw, `${why} -s ${ip} -j ${ext}`);
    w.add(
      w.nat,
      fw,
      `-m comment --comment ${comment(`other traffic to ${p.spn} will be dropped by KUBE-PROXY-FIREWALL`)}`,
    );
  }
  if (choice.cluster.length > 0) {
    w.chain(w.nat, svc);
    writeEndpointJumps(w, svc, p, choice.cluster);
  }
  if (choice.local.length > 0) {
    w.chain(w.nat, svl);
    writeEndpointJumps(w, svl, p, choice.local);
  }
  for (const e of choice.reachable) {
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

/** The tail call to KUBE-NODEPORTS: local addresses, or each address --nodeport-addresses selects. */
function writeNodePortsJump(w: Writer, plan: RulePlan): void {
  const why = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (plan.flags.nodePortAddresses.length === 0) {
    const loopback = plan.flags.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    w.add(w.nat, 'KUBE-SERVICES', `${why} -m addrtype --dst-type LOCAL${loopback} -j KUBE-NODEPORTS`);
    return;
  }
  const addresses = [...plan.nodeIPs, ...(plan.flags.localhostNodePorts ? ['127.0.0.1'] : [])];
  for (const ip of addresses)
    if (!ip.includes(':') && plan.flags.nodePortAddresses.some((cidr) => cidrContains(cidr, ip)))
      w.add(w.nat, 'KUBE-SERVICES', `${why} -d ${ip} -j KUBE-NODEPORTS`);
}

/** The predicted `iptables-save` text (filter then nat table) for the plan. */
export function predictIptablesSave(plan: RulePlan): string {
  const w = new Writer();
  writeBaseRules(w, plan);
  for (const p of plan.ports) writeServicePort(w, p, plan);
  writeNodePortsJump(w, plan);
  return [
    '# Predicted by kube-packet-path from Services and endpoints (kube-proxy iptables mode); not read from a node',
    ...serialise(w.filter),
    ...serialise(w.nat),
    '',
  ].join('\n');
}
