import type { Evidence, Packet } from '../../model';
import { coversAny, type TraceContext } from '../context';
import type { Connection, Sighting } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, findStep, linesOf, type StepAt } from './breaks';
import { inputRuleDropping, ruleText } from './hostFirewall';

/** The VXLAN device a connection's inner packets show on (flannel.1 unless a capture names another). */
function vxlanDevice(sightings: readonly Sighting[]): string {
  const named = sightings.find(
    (sighting) => !sighting.encapsulated && /^(?:flannel|vxlan)/.test(sighting.packet.interface ?? ''),
  );
  return named?.packet.interface ?? 'flannel.1';
}

/** The node whose underlay address is `ip`: Flannel's public-ip annotation, else its InternalIP. */
function nodeAt(ctx: TraceContext, ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  return ctx.model.nodes.find((node) => (node.flannel?.publicIP ?? node.internalIP) === ip)?.name;
}

/** An ICMP error `errorFrom` sent to `errorTo` while the packets were lost: the receiver refusing them. */
function icmpErrors(
  ctx: TraceContext,
  { errorFrom, errorTo, span }: { errorFrom: string; errorTo: string; span: { from: number; to: number } },
): Packet[] {
  return ctx.allPackets.filter(
    (packet) =>
      packet.protocol === 'icmp' &&
      /unreachable/.test(packet.icmp?.type ?? '') &&
      packet.src?.ip === errorFrom &&
      packet.dst?.ip === errorTo &&
      (packet.t === undefined || (packet.t >= span.from - 0.001 && packet.t <= span.to + 1)),
  );
}

const stepBetween = (ctx: TraceContext, from: string, to: string): StepAt | undefined =>
  findStep(ctx.b, (step) => step.from.startsWith(from) && step.to.startsWith(to), 'connect') ??
  findStep(ctx.b, (step) => step.from.startsWith(from) && step.to.startsWith(to));

/** Where a connection's VXLAN packets got lost, and what the finding says about it. */
export interface TunnelLoss {
  /** `underlay`: never reached the receiver; `decap`: reached its NIC, never came out of its VXLAN device. */
  where: 'underlay' | 'decap';
  sender: string;
  receiver: string;
  title: string;
  message: string;
  fix: string;
  evidence: Evidence[];
}

/**
 * A connection's packets leave one node wrapped in VXLAN and none of them comes out of the tunnel on
 * the other, though they are sent again and again. Either the network between the nodes drops them
 * (the receiver's capture ran and never shows them: a security group or firewall without the VXLAN
 * port), or the receiver gets them on its NIC and never decapsulates them (its VXLAN device shows
 * nothing: a host firewall's INPUT chain, whose ICMP error or DROP rule is cited when pasted). When
 * another packet crosses the same tunnel meanwhile, the tunnel works: no loss is told (an MTU black
 * hole, for one, loses only the large packets).
 */
export function tunnelLoss(ctx: TraceContext, connection: Connection): TunnelLoss | undefined {
  // The connection's VXLAN packets by the node that sent them and the tunnel they took.
  const tunnels = new Map<string, Sighting[]>();
  for (const sighting of connection.sightings) {
    if (!sighting.encapsulated || sighting.packet.direction !== 'Out' || !sighting.site?.node) continue;
    const { src, dst } = sighting.packet;
    const key = `${sighting.site.node}|${src?.ip}|${dst?.ip}|${dst?.port}`;
    const known = tunnels.get(key);
    if (known) known.push(sighting);
    else tunnels.set(key, [sighting]);
  }
  for (const lost of tunnels.values()) {
    const loss = lostInTunnel(ctx, connection, lost);
    if (loss) return loss;
  }
  return undefined;
}

/** The flow's connection lost in a VXLAN tunnel, told at the hop where it was lost. */
export function vxlanBlocked(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.outcome === 'closed' || connection.outcome === 'answered') return [];
  const loss = tunnelLoss(ctx, connection);
  if (!loss) return [];
  const at =
    loss.where === 'underlay'
      ? stepBetween(ctx, `underlay:${loss.sender}/`, `underlay:${loss.receiver}/`)
      : stepBetween(ctx, `underlay:${loss.receiver}/`, `vxlan:${loss.receiver}/`);
  if (!at) return [];
  const { title, message, fix, evidence } = loss;
  return [
    {
      id: 'vxlan-blocked',
      severity: 'error',
      title,
      message,
      fix,
      evidence,
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}

/** The loss of `lost` (one node's VXLAN packets into one tunnel) when none of them got out of it. */
function lostInTunnel(ctx: TraceContext, connection: Connection, lost: Sighting[]): TunnelLoss | undefined {
  const sightings = connection.sightings;
  const sender = lost[0].site?.node;
  const outerSrc = lost[0].packet.src?.ip;
  const outerDst = lost[0].packet.dst?.ip;
  const port = lost[0].packet.dst?.port;
  const receiver = nodeAt(ctx, outerDst);
  // Retransmitted: one packet at a capture's end proves nothing.
  if (lost.length < 2 || !sender || !receiver || receiver === sender) return undefined;
  if (port === undefined || outerSrc === undefined || outerDst === undefined) return undefined;
  const senders = new Set(lost.map((sighting) => `${sighting.frame.src?.ip}:${sighting.frame.src?.port}`));
  const onReceiver = sightings.filter(
    (sighting) =>
      sighting.site?.node === receiver && senders.has(`${sighting.frame.src?.ip}:${sighting.frame.src?.port}`),
  );
  if (onReceiver.some((sighting) => !sighting.encapsulated)) return undefined;
  const arrived = onReceiver.filter((sighting) => sighting.encapsulated && sighting.packet.direction === 'In');
  const device = vxlanDevice(sightings);
  const receivedBy = (packet: Packet) => packet.direction === 'In' && ctx.siteOf.get(packet)?.node === receiver;
  const times = lost.map((sighting) => sighting.packet.t).filter((time): time is number => time !== undefined);
  const span = { from: times[0] ?? 0, to: times.at(-1) ?? 0 };
  const sent = `${lost.length} VXLAN packets (UDP ${outerSrc} → ${outerDst}:${port}, retransmissions included)`;
  if (arrived.length === 0) {
    // Another VXLAN packet from the sender arriving means the network lets the tunnel through.
    const crossed = ctx.allPackets.some(
      (packet) =>
        packet.inner !== undefined && packet.src?.ip === outerSrc && packet.dst?.ip === outerDst && receivedBy(packet),
    );
    if (crossed || !coversAny(ctx, { node: receiver, iface: 'eth0', connection }, times)) return undefined;
    const evidence = linesOf(
      lost.map((sighting) => sighting.packet),
      3,
    );
    return {
      where: 'underlay',
      sender,
      receiver,
      title: `VXLAN from ${sender} never reaches ${receiver}`,
      message:
        `${sender} sends ${sent}; ${receiver}'s capture, which ran meanwhile, shows none of them, nor any other ` +
        `VXLAN packet from ${sender} among those the trace read (the pods' involved). The network between the ` +
        `nodes drops UDP ${port} from ${sender}: most often a cloud security group, a firewall or an ACL without ` +
        `the VXLAN port. Pods on one node can reach pods on the same node but not on the other.`,
      evidence,
      fix:
        `Allow UDP ${port} between every pair of nodes, both ways, in the network (security group, firewall): ` +
        "Flannel's vxlan backend needs it.",
    };
  }
  // Another packet coming out of the receiver's VXLAN device means it decapsulates.
  const decapsulates = ctx.allPackets.some(
    (packet) => packet.inner === undefined && packet.interface === device && receivedBy(packet),
  );
  if (decapsulates || !coversAny(ctx, { node: receiver, iface: device, connection }, times)) return undefined;
  const refusals = icmpErrors(ctx, { errorFrom: outerDst, errorTo: outerSrc, span });
  const rule = inputRuleDropping(ctx, { protocol: 'udp', node: receiver, port, sender: outerSrc });
  const evidence = [
    ...linesOf(
      arrived.map((sighting) => sighting.packet),
      2,
    ),
    ...linesOf(refusals, 1),
    ...(rule?.evidence ?? []),
  ];
  const refusalText = refusals.length
    ? ` ${receiver} answers each with an ICMP error (${refusals[0].icmp?.detail?.split(',')[0] ?? 'unreachable'}).`
    : '';
  const counted = rule?.packets !== undefined ? `, which counted ${rule.packets} packet(s)` : '';
  const cause = rule
    ? `${receiver}'s filter INPUT chain ${rule.target === 'REJECT' ? 'rejects' : 'drops'} them before anything ` +
      `accepts UDP ${port}: \`${ruleText(rule)}\`${counted}.`
    : `Something on ${receiver} discards them before ${device}: most often the host firewall's INPUT chain ` +
      `(firewalld, the distribution's iptables rules) without UDP ${port}; also a VXLAN device on another port ` +
      'or VNI. Paste `iptables-save -c -t filter` from it to see which.';
  return {
    where: 'decap',
    sender,
    receiver,
    title: `${receiver} does not decapsulate VXLAN from ${sender}`,
    message:
      `${sender} sends ${sent}; they arrive on ${receiver}'s eth0 and nothing comes out of its ${device}.` +
      `${refusalText} ${cause}`,
    evidence,
    fix:
      `Accept UDP ${port} from the other nodes in ${receiver}'s INPUT chain before any REJECT or DROP ` +
      `(iptables -I INPUT -p udp --dport ${port} -j ACCEPT, or firewall-cmd --add-port=${port}/udp ` +
      '--permanent).',
  };
}
