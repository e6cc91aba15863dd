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
  for (const servicePort of plan.ports) {
    const addresses: [string, number][] = [[servicePort.clusterIP, servicePort.port]];
    if (hasExternal(servicePort)) {
      for (const ip of [...servicePort.externalIPs, ...servicePort.loadBalancerIPs])
        addresses.push([ip, servicePort.port]);
      if (servicePort.nodePort !== undefined) for (const ip of plan.nodeIPs) addresses.push([ip, servicePort.nodePort]);
    }
    for (const [ip, port] of addresses) {
      const external = ip !== servicePort.clusterIP;
      const eps =
        external && servicePort.externalLocal ? localEndpoints(servicePort, plan.nodeName) : servicePort.endpoints;
      const flags = servicePort.affinitySeconds !== undefined ? ` persistent ${servicePort.affinitySeconds}` : '';
      lines.push(`${servicePort.protocol}  ${joinHostPort(ip, port)} rr${flags}`);
      for (const endpoint of eps)
        lines.push(
          `  -> ${joinHostPort(endpoint.ip, endpoint.port).padEnd(28)} ${'Masq'.padEnd(7)} ${'1'.padEnd(6)} ` +
            `${'0'.padEnd(10)} 0`,
        );
    }
  }
  return lines.join('\n') + '\n';
}
