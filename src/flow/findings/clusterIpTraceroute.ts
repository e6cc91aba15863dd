import { namespacedName, isHeadless, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

function serviceAt(ctx: TraceContext, ip?: string, name?: string): Service | undefined {
  const byIp = ip ? ctx.model.byIp(ip).find((o) => o.role === 'service') : undefined;
  if (byIp?.role === 'service') return byIp.service;
  const byName = name ? ctx.model.byDnsName(name)?.service : undefined;
  return byName && !isHeadless(byName) && !byName.externalName ? byName : undefined;
}

/**
 * traceroute (UDP/ICMP probes) or ping to a ClusterIP leaves through the default gateway:
 * the ClusterIP is on no interface and kube-proxy only DNATs the Service's own protocol/port.
 */
export function clusterIpTraceroute(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.model.all('Traceroute')) {
    const svc = serviceAt(ctx, t.targetIp, t.target);
    // Only about the flow's own Service: a traceroute to another one says nothing about this flow.
    if (!svc || !services.includes(svc)) continue;
    const outside = [...new Set(t.hops.flatMap((h) => h.probes.map((p) => p.ip)).filter((ip): ip is string => !!ip))];
    if (!outside.length) continue;
    const rules = ctx.model
      .all('NatRule')
      .filter(
        (r) =>
          (r.chain === 'KUBE-SERVICES' || r.kubeProxy?.role === 'service-portal') &&
          r.destination?.cidr.replace(/\/32$/, '') === svc.clusterIP,
      );
    const ports = svc.ports.map((p) => `${p.protocol}/${p.port}`).join(', ') || rules.map((r) => r.protocol).join(', ');
    out.push({
      id: 'clusterip-traceroute',
      severity: 'info',
      title: 'traceroute to a ClusterIP goes out of the default gateway',
      message: `traceroute to ${t.target} (${svc.clusterIP ?? 'no ClusterIP known'}, Service ${namespacedName(svc)}) went through ${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', …' : ''}: a ClusterIP is no interface anywhere, only a kube-proxy DNAT rule for ${ports}. traceroute's UDP/ICMP probes match no rule, so they are routed like any unknown address, via the default gateway. Use a TCP request (wget/curl) or capture on the node to see the real path.`,
      evidence: [...t.evidence, ...rules.flatMap((r) => r.evidence), ...svc.evidence.slice(0, 1)],
    });
  }
  const pings = ctx.packets.filter(
    (p) => p.protocol === 'icmp' && p.icmp?.type.includes('echo request') && serviceAt(ctx, p.dst?.ip),
  );
  if (
    pings.length &&
    !ctx.packets.some(
      (p) => p.protocol === 'icmp' && p.icmp?.type.includes('echo reply') && p.src?.ip === pings[0].dst?.ip,
    )
  ) {
    const svc = serviceAt(ctx, pings[0].dst?.ip)!;
    out.push({
      id: 'clusterip-ping',
      severity: 'info',
      title: 'ping to a ClusterIP gets no reply',
      message: `ICMP echo to ${svc.clusterIP ?? svc.name} (Service ${svc.name}) is not answered: kube-proxy only translates ${svc.ports.map((p) => `${p.protocol}/${p.port}`).join(', ')}; nothing owns the address for ICMP.`,
      evidence: pings.slice(0, 3).flatMap((p) => p.evidence),
    });
  }
  return out;
}
