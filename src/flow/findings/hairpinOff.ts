import type { TraceContext } from '../context';
import { translatedLeg } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, firstMissing, ipOf, isSyn, linesOf } from './breaks';

/**
 * A pod calls a Service whose chosen endpoint is the pod itself: the DNATed SYN must leave the
 * bridge through the port it came in on, which the bridge only does with hairpin mode on that
 * port. With hairpin off the SYN is dropped inside cni0 and retransmitted until the client gives up.
 */
export function hairpinOff(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.protocol !== 'tcp' || connection.outcome !== 'no-reply') return [];
  const clientIp = ipOf(connection.client);
  const translated = translatedLeg(connection);
  const ownPort = connection.original.sightings[0]?.packet.interface;
  if (!ownPort) return [];
  // `bridge -d link` prints the hairpin flag, plain `bridge link` does not: the detailed line decides.
  const ports = ctx.model.all('BridgePort').filter((bridgePort) => bridgePort.name === ownPort);
  const port = ports.find((bridgePort) => bridgePort.hairpin !== undefined) ?? ports[0];
  if (port?.hairpin === true) return [];
  const translatedSyns = translated?.sightings.filter(isSyn) ?? [];
  if (translated) {
    if (ipOf(translated.to) !== clientIp || !translatedSyns.length) return [];
    // Delivered would mean the translated SYN left on the pod's own port.
    if (translatedSyns.some((sighting) => sighting.packet.interface === ownPort)) return [];
  } else if (!(onlyEndpointIs(ctx, connection.original.to, clientIp) && port?.hairpin === false)) {
    // No DNATed SYN in the captures (the bridge may take it back without cni0 showing it): told only
    // when the Service's every endpoint is the client itself and the port's hairpin flag is off.
    return [];
  }
  const syns = connection.original.sightings.filter(
    (sighting) => isSyn(sighting) && sighting.packet.interface === ownPort,
  );
  const at = firstMissing(ctx.b, 'connect');
  const evidence = [
    ...linesOf([syns[0]?.packet, translatedSyns[0]?.packet, syns[1]?.packet]),
    ...(port?.evidence ?? []),
  ];
  const cause =
    port?.hairpin === false
      ? `hairpin mode is off on ${ownPort}`
      : `the bridge does not send frames back out of ${ownPort} (hairpin mode off; check with \`bridge -d ` +
        `link show dev ${ownPort}\`)`;
  return [
    {
      id: 'hairpin-off',
      severity: 'error',
      title: `Pod calling its own Service: ${cause}`,
      message:
        `${clientIp} reached its own Service and kube-proxy ` +
        (translated ? `chose ${translated.to}, the same pod` : `can only choose ${clientIp}, its only endpoint`) +
        `: the DNATed SYN has to leave the bridge through ${ownPort}, the port it came in ` +
        `on, and ${cause}. The SYN is sent ${syns.length} time(s) and never delivered.`,
      evidence,
      fix:
        `Turn hairpin mode on for the pod ports (Flannel's CNI config: "hairpinMode": true; by hand: ` +
        `bridge link set dev ${ownPort} hairpin on).`,
      ...(at ? breakAt(ctx.b, at, 'missing', evidence) : {}),
    },
  ];
}

/** True when every ready endpoint of the Service at `called` (ClusterIP:port) is `ip`. */
function onlyEndpointIs(ctx: TraceContext, called: string, ip: string): boolean {
  const vip = ipOf(called);
  const svc = ctx.model.services.find((service) => service.clusterIP === vip || service.clusterIPs?.includes(vip));
  if (!svc) return false;
  const addresses = ctx.model
    .endpointsOf(svc)
    .filter((entry) => entry.endpoint.ready !== false)
    .flatMap((entry) => entry.endpoint.addresses);
  return addresses.length > 0 && addresses.every((address) => address === ip);
}
