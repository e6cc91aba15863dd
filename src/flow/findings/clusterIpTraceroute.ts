import { namespacedName, isHeadless, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

function serviceAt(ctx: TraceContext, ip?: string, name?: string): Service | undefined {
  const byIp = ip ? ctx.model.byIp(ip).find((owner) => owner.role === 'service') : undefined;
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
  for (const traceroute of ctx.model.all('Traceroute')) {
    const svc = serviceAt(ctx, traceroute.targetIp, traceroute.target);
    // Only about the flow's own Service: a traceroute to another one says nothing about this flow.
    if (!svc || !services.includes(svc)) continue;
    const outside = [
      ...new Set(
        traceroute.hops.flatMap((hop) => hop.probes.map((probe) => probe.ip)).filter((ip): ip is string => !!ip),
      ),
    ];
    if (!outside.length) continue;
    const rules = ctx.model
      .all('NatRule')
      .filter(
        (rule) =>
          (rule.chain === 'KUBE-SERVICES' || rule.kubeProxy?.role === 'service-portal') &&
          rule.destination?.cidr.replace(/\/32$/, '') === svc.clusterIP,
      );
    const ports =
      svc.ports.map((port) => `${port.protocol}/${port.port}`).join(', ') ||
      rules.map((rule) => rule.protocol).join(', ');
    out.push({
      id: 'clusterip-traceroute',
      severity: 'info',
      title: 'traceroute to a ClusterIP goes out of the default gateway',
      message:
        `traceroute to ${traceroute.target} (${svc.clusterIP ?? 'no ClusterIP known'}, Service ` +
        `${namespacedName(svc)}) went through ${outside.slice(0, 3).join(', ')}` +
        `${outside.length > 3 ? ', …' : ''}: a ClusterIP is no interface anywhere, only a kube-proxy ` +
        `DNAT rule for ${ports}. traceroute's UDP/ICMP probes match no rule, so they are routed like ` +
        'any unknown address, via the default gateway. Use a TCP request (wget/curl) or capture on ' +
        'the node to see the real path.',
      evidence: [...traceroute.evidence, ...rules.flatMap((rule) => rule.evidence), ...svc.evidence.slice(0, 1)],
    });
  }
  const pings = ctx.packets.filter(
    (packet) =>
      packet.protocol === 'icmp' && packet.icmp?.type.includes('echo request') && serviceAt(ctx, packet.dst?.ip),
  );
  if (
    pings.length &&
    !ctx.packets.some(
      (packet) =>
        packet.protocol === 'icmp' && packet.icmp?.type.includes('echo reply') && packet.src?.ip === pings[0].dst?.ip,
    )
  ) {
    const svc = serviceAt(ctx, pings[0].dst?.ip)!;
    out.push({
      id: 'clusterip-ping',
      severity: 'info',
      title: 'ping to a ClusterIP gets no reply',
      message:
        `ICMP echo to ${svc.clusterIP ?? svc.name} (Service ${svc.name}) is not answered: kube-proxy ` +
        `only translates ${svc.ports.map((port) => `${port.protocol}/${port.port}`).join(', ')}; ` +
        'nothing owns the address for ICMP.',
      evidence: pings.slice(0, 3).flatMap((packet) => packet.evidence),
    });
  }
  return out;
}
