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
  const translated = translatedLeg(connection);
  if (!translated || ipOf(translated.to) !== ipOf(connection.client)) return [];
  const ownPort = connection.original.sightings[0]?.packet.interface;
  if (!ownPort) return [];
  const translatedSyns = translated.sightings.filter(isSyn);
  if (!translatedSyns.length) return [];
  // Delivered would mean the translated SYN left on the pod's own port.
  if (translatedSyns.some((sighting) => sighting.packet.interface === ownPort)) return [];
  const syns = connection.original.sightings.filter(
    (sighting) => isSyn(sighting) && sighting.packet.interface === ownPort,
  );
  // `bridge -d link` prints the hairpin flag, plain `bridge link` does not: the detailed line decides.
  const ports = ctx.model.all('BridgePort').filter((bridgePort) => bridgePort.name === ownPort);
  const port = ports.find((bridgePort) => bridgePort.hairpin !== undefined) ?? ports[0];
  if (port?.hairpin === true) return [];
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
        `${ipOf(connection.client)} reached its own Service and kube-proxy chose ${translated.to}, ` +
        `the same pod: the DNATed SYN has to leave the bridge through ${ownPort}, the port it came in ` +
        `on, and ${cause}. The SYN is sent ${syns.length} time(s) and never delivered.`,
      evidence,
      fix:
        `Turn hairpin mode on for the pod ports (Flannel's CNI config: "hairpinMode": true; by hand: ` +
        `bridge link set dev ${ownPort} hairpin on).`,
      ...(at ? breakAt(ctx.b, at, 'missing', evidence) : {}),
    },
  ];
}
