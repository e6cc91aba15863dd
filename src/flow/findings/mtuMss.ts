import { isMssSyn, VXLAN_OVERHEAD_IPV4, type Evidence } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

const IP_TCP_HEADERS = 40;

/** MSS 1410 / MTU 1450: the pod network's MTU is the underlay's minus VXLAN's 50 bytes, and TCP advertises MTU − 40. */
export function mtuMss(ctx: TraceContext): Finding[] {
  // Only the flow's own SYN: another connection's MSS says nothing about this one (its sender may
  // have another MTU), and a finding speaks only about its own flow.
  const own = ctx.packets.find(isMssSyn);
  const mssPackets = own ? [own] : [];
  const ifaces = ctx.model
    .all('HostInterface')
    .filter(
      (iface) =>
        iface.mtu !== undefined &&
        iface.mtu < 1500 &&
        (iface.type === 'veth' ||
          iface.type === 'vxlan' ||
          iface.name.startsWith('veth') ||
          iface.name.startsWith('flannel') ||
          iface.name === 'cni0'),
    );
  const cni = ctx.model.all('Cni').filter((cniConfig) => cniConfig.mtu !== undefined);
  const mtu = cni[0]?.mtu ?? ifaces[0]?.mtu ?? (mssPackets[0] ? mssPackets[0].tcp!.mss! + IP_TCP_HEADERS : undefined);
  if (mtu === undefined || mtu >= 1500) return [];
  const mss = mssPackets[0]?.tcp?.mss;
  const evidence: Evidence[] = [
    ...cni.flatMap((cniConfig) => cniConfig.evidence),
    ...ifaces.slice(0, 2).flatMap((iface) => iface.evidence),
    ...mssPackets.slice(0, 1).flatMap((packet) => packet.evidence),
  ];
  return [
    {
      id: 'mtu-mss',
      severity: 'info',
      title: `MTU ${mtu}${mss ? ` / MSS ${mss}` : ''}: VXLAN overhead`,
      message:
        `Pod interfaces use MTU ${mtu}: ${mtu + VXLAN_OVERHEAD_IPV4} on the underlay minus ` +
        `${VXLAN_OVERHEAD_IPV4} bytes of VXLAN encapsulation (outer Ethernet 14 + IP 20 + UDP 8 + ` +
        'VXLAN 8), so encapsulated packets still fit. TCP therefore advertises MSS ' +
        `${mtu - IP_TCP_HEADERS} (MTU − 40 bytes of IP and TCP headers)` +
        `${mss !== undefined ? `; the SYN shows mss ${mss}` : ''}` +
        `${mss !== undefined && mss !== mtu - IP_TCP_HEADERS ? ' (different: check the MTU on each side)' : ''}.`,
      evidence,
    },
  ];
}
