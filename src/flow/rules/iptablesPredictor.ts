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
  return /[\s"]/.test(text) ? `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"` : text;
}

function proto(servicePort: ServicePortPlan): string {
  const lc = servicePort.protocol.toLowerCase();
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

  chain(table: Table, name: string): void {
    table.chains.add(name);
  }

  add(table: Table, chain: string, args: string): void {
    table.rules.push(`-A ${chain} ${args}`);
  }
}

function writeBaseRules(writer: Writer, plan: RulePlan): void {
  const filter = writer.filter;
  const flags = plan.flags;
  // KUBE-FIREWALL holds only the localnet DROP: kube-proxy writes the chain only with that rule.
  const localnet = flags.localhostNodePorts && nodePortsOnLoopback(plan);
  if (!localnet) filter.chains.delete('KUBE-FIREWALL');
  writer.add(
    filter,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  writer.add(filter, 'INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  if (localnet) writer.add(filter, 'INPUT', '-j KUBE-FIREWALL');
  writer.add(
    filter,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" ' +
      '-j KUBE-EXTERNAL-SERVICES',
  );
  writer.add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  writer.add(filter, 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  writer.add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  writer.add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" ' +
      '-j KUBE-EXTERNAL-SERVICES',
  );
  writer.add(
    filter,
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  writer.add(
    filter,
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  if (localnet) writer.add(filter, 'OUTPUT', '-j KUBE-FIREWALL');
  if (localnet)
    writer.add(
      filter,
      'KUBE-FIREWALL',
      '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 ' +
        '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  const nfacct = flags.nfacct ? ' -m nfacct --nfacct-name ct_state_invalid_dropped_pkts' : '';
  if (!flags.conntrackTCPLiberal) writer.add(filter, 'KUBE-FORWARD', `-m conntrack --ctstate INVALID${nfacct} -j DROP`);
  writer.add(
    filter,
    'KUBE-FORWARD',
    `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
  );
  writer.add(
    filter,
    'KUBE-FORWARD',
    '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );
  const nat = writer.nat;
  writer.add(nat, 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  writer.add(nat, 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  writer.add(nat, 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  writer.add(nat, 'KUBE-POSTROUTING', `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  writer.add(nat, 'KUBE-POSTROUTING', `-j MARK --xor-mark ${MASQ_MARK}`);
  writer.add(
    nat,
    'KUBE-POSTROUTING',
    '-m comment --comment "kubernetes service traffic requiring SNAT" ' +
      `-j MASQUERADE${flags.randomFully ? ' --random-fully' : ''}`,
  );
  writer.add(nat, 'KUBE-MARK-MASQ', `-j MARK --or-mark ${MASQ_MARK}`);
}

/** True when NodePorts answer on 127.0.0.1: every address (no --nodeport-addresses) or a range holding it. */
function nodePortsOnLoopback(plan: RulePlan): boolean {
  const ranges = plan.flags.nodePortAddresses;
  return ranges.length === 0 || ranges.some((cidr) => cidrContains(cidr, '127.0.0.1'));
}

/** Endpoint jumps of a KUBE-SVC/KUBE-SVL chain: affinity checks first, then the probability ladder. */
function writeEndpointJumps(
  writer: Writer,
  chain: string,
  servicePort: ServicePortPlan,
  eps: readonly PlannedEndpoint[],
): void {
  const seps = eps.map((endpoint) =>
    iptablesEndpointChain(servicePort.spn, servicePort.protocol, endpoint.ip, endpoint.port),
  );
  if (servicePort.affinitySeconds !== undefined) {
    eps.forEach((endpoint, i) =>
      writer.add(
        writer.nat,
        chain,
        `-m comment --comment ${comment(`${servicePort.spn} -> ${joinHostPort(endpoint.ip, endpoint.port)}`)}` +
          ` -m recent --name ${seps[i]} --rcheck --seconds ${servicePort.affinitySeconds} --reap -j ${seps[i]}`,
      ),
    );
  }
  const probs = endpointProbabilities(eps.length);
  eps.forEach((endpoint, i) => {
    const stat = probs[i] ? ` -m statistic --mode random --probability ${probs[i]}` : '';
    writer.add(
      writer.nat,
      chain,
      `-m comment --comment ${comment(`${servicePort.spn} -> ${joinHostPort(endpoint.ip, endpoint.port)}`)}` +
        `${stat} -j ${seps[i]}`,
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

function chooseEndpoints(servicePort: ServicePortPlan, plan: RulePlan): EndpointChoice {
  const usesCluster = usesClusterEndpoints(servicePort);
  const usesLocal = servicePort.internalLocal || (servicePort.externalLocal && hasExternal(servicePort));
  const cluster = usesCluster ? servicePort.endpoints : [];
  const local = usesLocal ? localEndpoints(servicePort, plan.nodeName) : [];
  const reachable = [...cluster, ...local.filter((endpoint) => !cluster.includes(endpoint))];
  return {
    cluster,
    local,
    reachable,
    hasEndpoints: servicePort.usable.length > 0,
    hasInternal: servicePort.internalLocal ? local.length > 0 : cluster.length > 0,
    hasExternal: servicePort.externalLocal ? local.length > 0 : cluster.length > 0,
  };
}

/** The filter-table REJECT/DROP rules for destinations whose policy has no endpoint to go to. */
function writeFilterRules(writer: Writer, servicePort: ServicePortPlan, choice: EndpointChoice): void {
  const { hasEndpoints, hasInternal, hasExternal: external } = choice;
  // No endpoint anywhere: REJECT; endpoints only on other nodes for a Local policy: DROP.
  const target = hasEndpoints ? 'DROP' : 'REJECT';
  const why = comment(`${servicePort.spn} ${hasEndpoints ? 'has no local endpoints' : 'has no endpoints'}`);
  const dst = (ip: string) => `${proto(servicePort)} -d ${ip} --dport ${servicePort.port}`;
  if (!hasInternal)
    writer.add(
      writer.filter,
      'KUBE-SERVICES',
      `-m comment --comment ${why} ${dst(servicePort.clusterIP)} -j ${target}`,
    );
  if (!external) {
    for (const ip of [...servicePort.externalIPs, ...servicePort.loadBalancerIPs])
      writer.add(writer.filter, 'KUBE-EXTERNAL-SERVICES', `-m comment --comment ${why} ${dst(ip)} -j ${target}`);
    if (servicePort.nodePort !== undefined)
      writer.add(
        writer.filter,
        'KUBE-EXTERNAL-SERVICES',
        `-m comment --comment ${why} -m addrtype --dst-type LOCAL ${proto(servicePort)} ` +
          `--dport ${servicePort.nodePort} -j ${target}`,
      );
  }
}

function writeServicePort(writer: Writer, servicePort: ServicePortPlan, plan: RulePlan): void {
  const svc = iptablesServiceChain('SVC', servicePort.spn, servicePort.protocol);
  const svl = iptablesServiceChain('SVL', servicePort.spn, servicePort.protocol);
  const ext = iptablesServiceChain('EXT', servicePort.spn, servicePort.protocol);
  const fw = iptablesServiceChain('FW', servicePort.spn, servicePort.protocol);
  const choice = chooseEndpoints(servicePort, plan);
  const internalChain = servicePort.internalLocal ? svl : svc;
  const externalPolicyChain = servicePort.externalLocal ? svl : svc;
  const usesExternalChain = choice.hasEndpoints && hasExternal(servicePort);
  const externalChain = usesExternalChain ? ext : externalPolicyChain;
  const usesFirewall =
    choice.hasEndpoints && servicePort.loadBalancerIPs.length > 0 && servicePort.sourceRanges.length > 0;
  const loadBalancerChain = usesFirewall ? fw : externalChain;
  const clusterDst = `${proto(servicePort)} -d ${servicePort.clusterIP} --dport ${servicePort.port}`;

  if (choice.hasInternal)
    writer.add(
      writer.nat,
      'KUBE-SERVICES',
      `-m comment --comment ${comment(`${servicePort.spn} cluster IP`)} ${clusterDst} -j ${internalChain}`,
    );
  if (choice.hasEndpoints) {
    for (const ip of servicePort.externalIPs)
      writer.add(
        writer.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${servicePort.spn} external IP`)} ${proto(servicePort)} ` +
          `-d ${ip} --dport ${servicePort.port} -j ${externalChain}`,
      );
    for (const ip of servicePort.loadBalancerIPs)
      writer.add(
        writer.nat,
        'KUBE-SERVICES',
        `-m comment --comment ${comment(`${servicePort.spn} loadbalancer IP`)} ${proto(servicePort)} ` +
          `-d ${ip} --dport ${servicePort.port} -j ${loadBalancerChain}`,
      );
    if (usesFirewall)
      for (const ip of servicePort.loadBalancerIPs)
        writer.add(
          writer.filter,
          'KUBE-PROXY-FIREWALL',
          `-m comment --comment ${comment(`${servicePort.spn} traffic not accepted by ${fw}`)} ` +
            `${proto(servicePort)} -d ${ip} --dport ${servicePort.port} -j DROP`,
        );
    if (servicePort.nodePort !== undefined) {
      if (plan.flags.localhostNodePorts && plan.flags.nfacct && !servicePort.clusterIP.includes(':'))
        writer.add(
          writer.nat,
          'KUBE-NODEPORTS',
          `-m comment --comment ${comment(servicePort.spn)} ${proto(servicePort)} -d 127.0.0.0/8 ` +
            `--dport ${servicePort.nodePort} -m nfacct --nfacct-name localhost_nps_accepted_pkts ` +
            `-j ${externalChain}`,
        );
      writer.add(
        writer.nat,
        'KUBE-NODEPORTS',
        `-m comment --comment ${comment(servicePort.spn)} ${proto(servicePort)} ` +
          `--dport ${servicePort.nodePort} -j ${externalChain}`,
      );
    }
  }
  if (servicePort.healthCheckNodePort !== undefined)
    writer.add(
      writer.filter,
      'KUBE-NODEPORTS',
      `-m comment --comment ${comment(`${servicePort.spn} health check node port`)} ` +
        `${proto({ ...servicePort, protocol: 'TCP' })} --dport ${servicePort.healthCheckNodePort} -j ACCEPT`,
    );
  writeFilterRules(writer, servicePort, choice);
  if (!choice.hasEndpoints) return;

  if (choice.hasInternal) {
    if (plan.flags.masqueradeAll)
      writer.add(
        writer.nat,
        internalChain,
        `-m comment --comment ${comment(`${servicePort.spn} cluster IP`)} ${clusterDst} -j KUBE-MARK-MASQ`,
      );
    else if (plan.clusterCIDR)
      writer.add(
        writer.nat,
        internalChain,
        `-m comment --comment ${comment(`${servicePort.spn} cluster IP`)} ${clusterDst} ! ` +
          `-s ${plan.clusterCIDR} -j KUBE-MARK-MASQ`,
      );
  }
  if (usesExternalChain) {
    writer.chain(writer.nat, ext);
    if (!servicePort.externalLocal)
      writer.add(
        writer.nat,
        ext,
        `-m comment --comment ${comment(`masquerade traffic for ${servicePort.spn} external destinations`)} ` +
          '-j KUBE-MARK-MASQ',
      );
    else {
      if (plan.clusterCIDR)
        writer.add(
          writer.nat,
          ext,
          `-m comment --comment ${comment(`pod traffic for ${servicePort.spn} external destinations`)} ` +
            `-s ${plan.clusterCIDR} -j ${svc}`,
        );
      writer.add(
        writer.nat,
        ext,
        '-m comment --comment ' +
          `${comment(`masquerade LOCAL traffic for ${servicePort.spn} external destinations`)} ` +
          '-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      );
      writer.add(
        writer.nat,
        ext,
        `-m comment --comment ${comment(`route LOCAL traffic for ${servicePort.spn} external destinations`)} ` +
          `-m addrtype --src-type LOCAL -j ${svc}`,
      );
    }
    if (choice.hasExternal) writer.add(writer.nat, ext, `-j ${externalPolicyChain}`);
  }
  if (usesFirewall) {
    writer.chain(writer.nat, fw);
    const why = `-m comment --comment ${comment(`${servicePort.spn} loadbalancer IP`)}`;
    for (const cidr of servicePort.sourceRanges) writer.add(writer.nat, fw, `${why} -s ${cidr} -j ${ext}`);
    const nodeIP = plan.nodeIPs[0];
    if (nodeIP && servicePort.sourceRanges.some((cidr) => cidrContains(cidr, nodeIP)))
      for (const ip of servicePort.loadBalancerIPs) writer.add(writer.nat, fw, `${why} -s ${ip} -j ${ext}`);
    writer.add(
      writer.nat,
      fw,
      `-m comment --comment ${comment(`other traffic to ${servicePort.spn} will be dropped by KUBE-PROXY-FIREWALL`)}`,
    );
  }
  if (choice.cluster.length > 0) {
    writer.chain(writer.nat, svc);
    writeEndpointJumps(writer, svc, servicePort, choice.cluster);
  }
  if (choice.local.length > 0) {
    writer.chain(writer.nat, svl);
    writeEndpointJumps(writer, svl, servicePort, choice.local);
  }
  for (const endpoint of choice.reachable) {
    const sep = iptablesEndpointChain(servicePort.spn, servicePort.protocol, endpoint.ip, endpoint.port);
    writer.chain(writer.nat, sep);
    writer.add(writer.nat, sep, `-m comment --comment ${comment(servicePort.spn)} -s ${endpoint.ip} -j KUBE-MARK-MASQ`);
    const affinity = servicePort.affinitySeconds !== undefined ? ` -m recent --name ${sep} --set` : '';
    writer.add(
      writer.nat,
      sep,
      `-m comment --comment ${comment(servicePort.spn)}${affinity} ${proto(servicePort)} ` +
        `-j DNAT --to-destination ${joinHostPort(endpoint.ip, endpoint.port)}`,
    );
  }
}

function serialise(table: Table): string[] {
  return [
    `*${table.name}`,
    ...table.builtins.map((chain) => `:${chain} ACCEPT [0:0]`),
    ...[...table.chains].map((chain) => `:${chain} - [0:0]`),
    ...table.rules,
    'COMMIT',
  ];
}

/** The tail call to KUBE-NODEPORTS: local addresses, or each address --nodeport-addresses selects. */
function writeNodePortsJump(writer: Writer, plan: RulePlan): void {
  const why = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (plan.flags.nodePortAddresses.length === 0) {
    const loopback = plan.flags.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    writer.add(writer.nat, 'KUBE-SERVICES', `${why} -m addrtype --dst-type LOCAL${loopback} -j KUBE-NODEPORTS`);
    return;
  }
  const addresses = [...plan.nodeIPs, ...(plan.flags.localhostNodePorts ? ['127.0.0.1'] : [])];
  for (const ip of addresses)
    if (!ip.includes(':') && plan.flags.nodePortAddresses.some((cidr) => cidrContains(cidr, ip)))
      writer.add(writer.nat, 'KUBE-SERVICES', `${why} -d ${ip} -j KUBE-NODEPORTS`);
}

/** The predicted `iptables-save` text (filter then nat table) for the plan. */
export function predictIptablesSave(plan: RulePlan): string {
  const writer = new Writer();
  writeBaseRules(writer, plan);
  for (const servicePort of plan.ports) writeServicePort(writer, servicePort, plan);
  writeNodePortsJump(writer, plan);
  return [
    '# Predicted by kube-packet-path from Services and endpoints (kube-proxy iptables mode); not read from a node',
    ...serialise(writer.filter),
    ...serialise(writer.nat),
    '',
  ].join('\n');
}
