import { namespacedName, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, findStep, lastStep, linesOf } from './breaks';

/** `80/TCP (http)`: a Service port as `kubectl get svc` shows it, with its name. */
const portText = (port: Service['ports'][number]) =>
  `${port.port}/${port.protocol}${port.name ? ` (${port.name})` : ''}`;

/**
 * The client addressed a ClusterIP on a port the Service does not have. kube-proxy installs rules
 * only for the Service's own ports, and a ClusterIP is on no interface, so such a packet is not
 * DNATed: the node routes it out of its default gateway (masqueraded by Flannel), where nothing
 * answers for it — a router's ICMP unreachable, or silence until the client times out.
 */
export function servicePortMissing(ctx: TraceContext, services: readonly Service[], port?: number): Finding[] {
  const asked = ctx.connection ? Number(ctx.connection.original.to.split(':').pop()) : port;
  const addressed = ctx.connection?.original.to.split(':').slice(0, -1).join(':');
  if (asked === undefined || Number.isNaN(asked)) return [];
  const service = services.find(
    (svc) =>
      svc.clusterIP &&
      svc.clusterIP !== 'None' &&
      (addressed === undefined || svc.clusterIP === addressed || (svc.clusterIPs ?? []).includes(addressed)) &&
      svc.ports.length > 0 &&
      !svc.ports.some((servicePort) => servicePort.port === asked || servicePort.nodePort === asked),
  );
  if (!service) return [];
  const errors = ctx.packets.filter(
    (packet) => packet.protocol === 'icmp' && /unreachable/i.test(packet.icmp?.type ?? ''),
  );
  const onward =
    findStep(ctx.b, (step) => step.label.startsWith('onward to '), 'connect') ?? lastStep(ctx.b, 'connect');
  // Only a capture that shows the error makes the hop contradicted; without one it stays as drawn.
  const where =
    onward && errors.length
      ? breakAt(ctx.b, onward, 'contradicted', service.evidence)
      : onward
        ? {
            hop: `${ctx.b.actorName(onward.step.from)} → ${ctx.b.actorName(onward.step.to)}`,
            step: { phase: onward.phase.name, index: onward.index },
          }
        : {};
  const served = service.ports.map(portText).join(', ');
  const seen = ctx.connection
    ? errors.length
      ? ` The capture shows it: the packet left the node masqueraded and ${errors[0].src?.ip ?? 'a router'} ` +
        `answered ICMP ${errors[0].icmp?.type ?? 'unreachable'}.`
      : ctx.connection.outcome === 'no-reply'
        ? ' The capture shows no answer: the client waits until it times out.'
        : ''
    : '';
  return [
    {
      id: 'service-port-missing',
      severity: 'error',
      title: `Service ${namespacedName(service)} has no port ${asked}`,
      message:
        `${service.clusterIP}:${asked} matches no kube-proxy rule: ${namespacedName(service)} serves ` +
        `${served} only. A ClusterIP is on no interface, so the packet is not DNATed to any pod but ` +
        `routed out of the default gateway like any unknown address.${seen}`,
      evidence: [...linesOf(errors, 2), ...service.evidence],
      fix:
        `Connect to ${service.name}:${service.ports[0].port} (${served}), or add port ${asked} to Service ` +
        `${namespacedName(service)}.`,
      ...where,
    },
  ];
}
