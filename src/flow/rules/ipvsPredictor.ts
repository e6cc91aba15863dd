import { joinHostPort } from '../../model';
import { hasExternal, localEndpoints, type RulePlan } from './servicePlan';

/**
 * What `ipvsadm -Ln` would print on a node whose kube-proxy runs in IPVS mode: one
 * virtual server per Service address and port (cluster IP, external and load-balancer
 * IPs, and each NodePort on every NodePort address of the plan), with
 * round-robin scheduling, `persistent` for ClientIP affinity, and every endpoint as a
 * masqueraded real server of weight 1. Column layout follows ipvsadm's printf formats.
 */
export function predictIpvsadmList(plan: RulePlan): string {
  const lines = [
    '# Predicted by kube-packet-path from Services and endpoints (kube-proxy ipvs mode); not read from a node',
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const p of plan.ports) {
    const addresses: [string, number][] = [[p.clusterIP, p.port]];
    if (hasExternal(p)) {
      for (const ip of [...p.externalIPs, ...p.loadBalancerIPs]) addresses.push([ip, p.port]);
      if (p.nodePort !== undefined) for (const ip of plan.nodeIPs) addresses.push([ip, p.nodePort]);
    }
    for (const [ip, port] of addresses) {
      const external = ip !== p.clusterIP;
      const eps = external && p.externalLocal ? localEndpoints(p, plan.nodeName) : p.endpoints;
      const flags = p.affinitySeconds !== undefined ? ` persistent ${p.affinitySeconds}` : '';
      lines.push(`${p.protocol}  ${joinHostPort(ip, port)} rr${flags}`);
      for (const e of eps)
        lines.push(
          `  -> ${joinHostPort(e.ip, e.port).padEnd(28)} ${'Masq'.padEnd(7)} ${'1'.padEnd(6)} ${'0'.padEnd(10)} 0`,
        );
    }
  }
  return lines.join('\n') + '\n';
}
