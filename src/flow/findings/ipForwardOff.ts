import type { KernelSetting } from '../../model';
import type { TraceContext } from '../context';
import type { Connection } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, firstMissing, linesOf } from './breaks';

const SETTING = 'net.ipv4.ip_forward';

/** `net.ipv4.ip_forward = 0` as pasted from `node` (sysctl, /proc), when it says so. */
export function forwardingOff(ctx: TraceContext, node: string | undefined): KernelSetting | undefined {
  if (node === undefined) return undefined;
  const settings = ctx.model
    .all('KernelSetting')
    .filter((setting) => setting.name === SETTING && setting.host === node);
  if (settings.some((setting) => setting.value.trim() !== '0')) return undefined;
  return settings[0];
}

/**
 * Where a connection was last seen, when it entered that node and never left it: the node whose
 * capture shows it last, and the last of those sightings.
 */
export function strandedOn(
  connection: Connection,
): { node: string; lastSighting: Connection['sightings'][number] } | undefined {
  const last = connection.sightings.at(-1);
  const node = last?.site?.node;
  if (!last || node === undefined) return undefined;
  const client = connection.client;
  // Anything it sent seen leaving a node toward its destination means the node forwarded it.
  const left = connection.sightings.some(
    (sighting) =>
      sighting.packet.direction === 'Out' &&
      `${sighting.frame.src?.ip}:${sighting.frame.src?.port}` === client &&
      !sighting.packet.interface?.startsWith('veth'),
  );
  if (left || connection.sightings.some((sighting) => sighting.site?.node !== node)) return undefined;
  return { node, lastSighting: last };
}

/**
 * The node the connection entered has IP forwarding off: a packet to another node's pod or to a
 * ClusterIP (always sent to the gateway's MAC, so routed, even when the endpoint is on the same node)
 * is DNATed on cni0 and then dropped; pods on the same node reached by their own address still work
 * (bridged). Told only when the pasted sysctl says `net.ipv4.ip_forward = 0` on that node.
 */
export function ipForwardOff(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.outcome !== 'no-reply') return [];
  const stranded = strandedOn(connection);
  const setting = forwardingOff(ctx, stranded?.node);
  if (!stranded || !setting) return [];
  const at = firstMissing(ctx.b, 'connect');
  if (!at) return [];
  const evidence = [...linesOf([stranded.lastSighting.packet]), ...setting.evidence];
  return [
    {
      id: 'ip-forward-off',
      severity: 'error',
      title: `${stranded.node} does not forward (${SETTING} = 0)`,
      message:
        `The packet enters ${stranded.node} (last seen on its ${stranded.lastSighting.packet.interface ?? 'capture'}) ` +
        `and never leaves it: ${SETTING} = 0 there, so the kernel drops every packet it would route. Pods on ` +
        `${stranded.node} still reach pods of ${stranded.node} by their address (the bridge does not route), ` +
        'but not ClusterIPs (sent to the gateway) nor other nodes.',
      evidence,
      fix:
        `sysctl -w ${SETTING}=1 on ${stranded.node}, and persist it (/etc/sysctl.d/k8s.conf), as kubeadm's ` +
        'preflight requires.',
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}
