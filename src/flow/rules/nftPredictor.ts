import { cidrContains, joinHostPort, nftEndpointChain, nftServiceChain } from '../../model';
import { hasExternal, localEndpoints, type PlannedEndpoint, type RulePlan, type ServicePortPlan } from './servicePlan';

/**
 * The `table ip kube-proxy` that kube-proxy's nftables mode programs for a RulePlan,
 * following upstream pkg/proxy/nftables/proxier.go and the expected rules in its
 * proxier_test.go (base chains and maps, `service-…` chains that pick an `endpoint-…`
 * chain with `numgen random mod N vmap`, which DNATs; `external-…` chains for
 * NodePorts/external IPs; per-endpoint `affinity-…` sets for ClientIP affinity).
 * LoadBalancerSourceRanges become a `firewall-…` chain reached through the `firewall-ips` map.
 * IPv4 only. The text is valid `nft -f` input.
 */

const quote = (text: string) => `"${text.replace(/"/g, '')}"`;

/** The `endpoint-…` chain that DNATs to one endpoint of a service port. */
function endpointChain(servicePort: ServicePortPlan, endpoint: PlannedEndpoint): string {
  return nftEndpointChain(servicePort, endpoint);
}

function affinitySet(servicePort: ServicePortPlan, endpoint: PlannedEndpoint): string {
  // Upstream names the set after the endpoint chain's hashed base name.
  return `affinity-${endpointChain(servicePort, endpoint).slice('endpoint-'.length)}`;
}

function endpointVmap(servicePort: ServicePortPlan, eps: PlannedEndpoint[]): string {
  const entries = eps.map((endpoint, i) => `${i} : goto ${endpointChain(servicePort, endpoint)}`);
  return `numgen random mod ${eps.length} vmap { ${entries.join(', ')} }`;
}

function chainBlock(name: string, lines: string[]): string[] {
  return [`\tchain ${name} {`, ...lines.map((line) => `\t\t${line}`), '\t}'];
}

function mapBlock(name: string, type: string, comment: string, elements: string[]): string[] {
  const body = [`\t\ttype ${type}`];
  body.push(`\t\tcomment ${quote(comment)}`);
  if (elements.length) body.push(`\t\telements = { ${elements.join(',\n\t\t\t     ')} }`);
  return [`\t${name} {`, ...body, '\t}'];
}

/** The node's IPv4 addresses that accept NodePorts (those --nodeport-addresses selects, when given). */
function nodePortIps(plan: RulePlan): string[] {
  const ranges = plan.flags.nodePortAddresses;
  return plan.nodeIPs.filter(
    (ip) => !ip.includes(':') && (ranges.length === 0 || ranges.some((cidr) => cidrContains(cidr, ip))),
  );
}

/** Predicted `nft -f` text for kube-proxy's nftables mode. */
export function predictNftRuleset(plan: RulePlan): string {
  const clusterIps = new Set<string>();
  const serviceIps: string[] = [];
  const serviceNodeports: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodeports: string[] = [];
  const affinitySets: string[] = [];
  const firewallIps: string[] = [];
  const chains: string[] = [];
  for (const servicePort of plan.ports) {
    const proto = servicePort.protocol.toLowerCase();
    const svc = nftServiceChain('service', servicePort);
    const ext = nftServiceChain('external', servicePort);
    const local = nftServiceChain('local', servicePort);
    const firewall = nftServiceChain('firewall', servicePort);
    clusterIps.add(servicePort.clusterIP);
    const externalIps = [...servicePort.externalIPs, ...servicePort.loadBalancerIPs];
    if (servicePort.endpoints.length === 0) {
      for (const ip of [servicePort.clusterIP, ...externalIps])
        noEndpointServices.push(
          `${ip} . ${proto} . ${servicePort.port} comment ${quote(servicePort.spn)} : goto reject-chain`,
        );
      if (servicePort.nodePort !== undefined)
        noEndpointNodeports.push(
          `${proto} . ${servicePort.nodePort} comment ${quote(servicePort.spn)} : goto reject-chain`,
        );
      continue;
    }
    // Only the no-endpoint elements carry the Service's name as a comment (as upstream writes them).
    serviceIps.push(`${servicePort.clusterIP} . ${proto} . ${servicePort.port} : goto ${svc}`);
    const external = hasExternal(servicePort);
    for (const ip of externalIps) serviceIps.push(`${ip} . ${proto} . ${servicePort.port} : goto ${ext}`);
    if (servicePort.nodePort !== undefined) serviceNodeports.push(`${proto} . ${servicePort.nodePort} : goto ${ext}`);
    if (servicePort.sourceRanges.length > 0 && servicePort.loadBalancerIPs.length > 0) {
      chains.push(...chainBlock(firewall, [`ip saddr != { ${servicePort.sourceRanges.join(', ')} } drop`]));
      for (const ip of servicePort.loadBalancerIPs)
        firewallIps.push(`${ip} . ${proto} . ${servicePort.port} : goto ${firewall}`);
    }
    const svcLines: string[] = [];
    if (plan.clusterCIDR)
      svcLines.push(`ip daddr ${servicePort.clusterIP} ip saddr != ${plan.clusterCIDR} jump mark-for-masquerade`);
    if (servicePort.affinitySeconds !== undefined) {
      for (const endpoint of servicePort.endpoints)
        svcLines.push(`ip saddr @${affinitySet(servicePort, endpoint)} goto ${endpointChain(servicePort, endpoint)}`);
    }
    svcLines.push(endpointVmap(servicePort, servicePort.endpoints));
    chains.push(...chainBlock(svc, svcLines));
    if (external) {
      const locals = servicePort.externalLocal ? localEndpoints(servicePort, plan.nodeName) : servicePort.endpoints;
      const extLines = servicePort.externalLocal
        ? [
            ...(plan.clusterCIDR
              ? [`ip saddr ${plan.clusterCIDR} goto ${svc} comment "short-circuit pod traffic"`]
              : []),
            'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
            `fib saddr type local goto ${svc} comment "short-circuit local traffic"`,
            // Anything else goes to the local-endpoints chain, when this node has any.
            ...(locals.length ? [`goto ${local}`] : []),
          ]
        : ['jump mark-for-masquerade', `goto ${svc}`];
      chains.push(...chainBlock(ext, extLines));
      if (servicePort.externalLocal && locals.length)
        chains.push(...chainBlock(local, [endpointVmap(servicePort, locals)]));
      if (servicePort.externalLocal && !locals.length) {
        // No endpoint on this node: external traffic is dropped before DNAT.
        for (const ip of externalIps)
          noEndpointServices.push(`${ip} . ${proto} . ${servicePort.port} comment ${quote(servicePort.spn)} : drop`);
        if (servicePort.nodePort !== undefined)
          noEndpointNodeports.push(`${proto} . ${servicePort.nodePort} comment ${quote(servicePort.spn)} : drop`);
      }
    }
    for (const endpoint of servicePort.endpoints) {
      const epChain = endpointChain(servicePort, endpoint);
      const lines = [`ip saddr ${endpoint.ip} jump mark-for-masquerade`];
      if (servicePort.affinitySeconds !== undefined) {
        const set = affinitySet(servicePort, endpoint);
        affinitySets.push(
          `\tset ${set} {`,
          '\t\ttype ipv4_addr',
          '\t\tflags dynamic,timeout',
          `\t\ttimeout ${servicePort.affinitySeconds}s`,
          '\t}',
        );
        lines.push(`update @${set} { ip saddr }`);
      }
      lines.push(`meta l4proto ${proto} dnat to ${joinHostPort(endpoint.ip, endpoint.port)}`);
      chains.push(...chainBlock(epChain, lines));
    }
  }
  const out = [
    '# Predicted by kube-packet-path from Services and endpoints (kube-proxy nftables mode); not read from a node',
    'table ip kube-proxy {',
    '\tcomment "rules for kube-proxy"',
    ...mapBlock('set cluster-ips', 'ipv4_addr', 'Active ClusterIPs', [...clusterIps]),
    ...mapBlock('set nodeport-ips', 'ipv4_addr', 'IPs that accept NodePort traffic', nodePortIps(plan)),
    ...mapBlock(
      'map firewall-ips',
      'ipv4_addr . inet_proto . inet_service : verdict',
      'destinations that are subject to LoadBalancerSourceRanges',
      firewallIps,
    ),
    ...mapBlock(
      'map no-endpoint-nodeports',
      'inet_proto . inet_service : verdict',
      'vmap to drop or reject packets to service nodeports with no endpoints',
      noEndpointNodeports,
    ),
    ...mapBlock(
      'map no-endpoint-services',
      'ipv4_addr . inet_proto . inet_service : verdict',
      'vmap to drop or reject packets to services with no endpoints',
      noEndpointServices,
    ),
    ...mapBlock(
      'map service-ips',
      'ipv4_addr . inet_proto . inet_service : verdict',
      'ClusterIP, ExternalIP and LoadBalancer IP traffic',
      serviceIps,
    ),
    ...mapBlock('map service-nodeports', 'inet_proto . inet_service : verdict', 'NodePort traffic', serviceNodeports),
    ...affinitySets,
    ...chainBlock('cluster-ips-check', [
      'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
      ...(plan.flags.serviceCIDRs.length > 0
        ? [`ip daddr { ${plan.flags.serviceCIDRs.join(', ')} } drop comment "Drop traffic to unallocated ClusterIPs"`]
        : []),
    ]),
    ...chainBlock('filter-prerouting-pre-dnat', [
      'type filter hook prerouting priority -110; policy accept;',
      'ct state new jump firewall-check',
    ]),
    ...chainBlock('filter-output-pre-dnat', [
      'type filter hook output priority -110; policy accept;',
      'ct state new jump firewall-check',
    ]),
    ...chainBlock('filter-forward', [
      'type filter hook forward priority 0; policy accept;',
      'ct state new jump service-endpoints-check',
      'ct state new jump cluster-ips-check',
    ]),
    ...chainBlock('filter-input', [
      'type filter hook input priority 0; policy accept;',
      'ct state new jump nodeport-endpoints-check',
      'ct state new jump service-endpoints-check',
    ]),
    ...chainBlock('filter-output', [
      'type filter hook output priority 0; policy accept;',
      'ct state new jump service-endpoints-check',
      'ct state new jump cluster-ips-check',
    ]),
    ...chainBlock('firewall-check', ['ip daddr . meta l4proto . th dport vmap @firewall-ips']),
    ...chainBlock('mark-for-masquerade', ['mark set mark or 0x4000']),
    ...chainBlock('masquerading', [
      'mark and 0x4000 == 0 return',
      'mark set mark xor 0x4000',
      'masquerade fully-random',
    ]),
    ...chainBlock('nat-output', ['type nat hook output priority -100; policy accept;', 'jump services']),
    ...chainBlock('nat-postrouting', ['type nat hook postrouting priority 100; policy accept;', 'jump masquerading']),
    ...chainBlock('nat-prerouting', ['type nat hook prerouting priority -100; policy accept;', 'jump services']),
    ...chainBlock('nodeport-endpoints-check', [
      'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports',
    ]),
    ...chainBlock('reject-chain', ['comment "helper for @no-endpoint-services / @no-endpoint-nodeports"', 'reject']),
    ...chainBlock('services', [
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
    ]),
    ...chainBlock('service-endpoints-check', ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']),
    ...chains,
    '}',
    '',
  ];
  return out.join('\n');
}
