import type { Packet } from '../../model';
import type { PacketSites } from './sites';

/** Flannel's default SubnetLen: each node leases one /24 of the pod network. */
const FLANNEL_SUBNET_LEN = 24;

/** The node subnet (Flannel's /24) an IPv4 address falls in; other addresses are their own key. */
export function subnetOf(ip: string): string {
  const parts = ip.split('.');
  return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[2]}.0/${FLANNEL_SUBNET_LEN}` : ip;
}

const BRIDGE = /^(?:cni|cbr|br)/;
const OVERLAY = /^(?:flannel|vxlan)/;

/**
 * Which node holds which pod subnet, read from the captures alone (no node objects, no podCIDR):
 * - an ARP exchange on a node's pod bridge is between neighbours on that bridge: both addresses'
 *   subnets are that node's;
 * - a packet leaving a pod's veth on a node (`-i any`) comes from that node's subnet;
 * - a pod packet crossing a node's overlay (on flannel.1, or inside VXLAN on its NIC) joins that
 *   node's subnet to another node's: once one end's subnet is known to be another node's, the other
 *   end's is this node's.
 * A subnet two nodes would claim is left out: the captures contradict each other, nothing is named.
 */
export function podSubnetNodes(packets: readonly Packet[], siteOf: PacketSites): ReadonlyMap<string, string> {
  const claims = new Map<string, Set<string>>();
  const claim = (ip: string | undefined, node: string) => {
    if (ip === undefined) return;
    const subnet = subnetOf(ip);
    const nodes = claims.get(subnet);
    if (nodes) nodes.add(node);
    else claims.set(subnet, new Set([node]));
  };
  const crossings: { node: string; ends: [string, string] }[] = [];
  for (const packet of packets) {
    const node = siteOf.get(packet)?.node;
    if (node === undefined || siteOf.get(packet)?.pod !== undefined) continue;
    const iface = packet.interface ?? '';
    if (packet.arp && BRIDGE.test(iface)) {
      claim(packet.arp.senderIp, node);
      claim(packet.arp.targetIp, node);
    } else if (iface.startsWith('veth') && packet.direction !== 'Out' && packet.network === 'ip') {
      claim(packet.src?.ip, node);
    }
    const frame = packet.inner?.network === 'ip' ? packet.inner : OVERLAY.test(iface) ? packet : undefined;
    if (frame?.src?.ip !== undefined && frame.dst?.ip !== undefined)
      crossings.push({ node, ends: [subnetOf(frame.src.ip), subnetOf(frame.dst.ip)] });
  }
  const owners = new Map<string, string>();
  const settle = () => {
    for (const [subnet, nodes] of claims) if (nodes.size === 1) owners.set(subnet, [...nodes][0]);
  };
  settle();
  // Each pass can name one more subnet per crossing; a chain of nodes needs at most one pass per node.
  for (let pass = 0, grown = true; grown && pass < 16; pass++) {
    grown = false;
    for (const { node, ends } of crossings)
      for (const [near, far] of [ends, [ends[1], ends[0]]]) {
        const farOwner = owners.get(far);
        if (farOwner === undefined || farOwner === node || claims.has(near)) continue;
        claims.set(near, new Set([node]));
        grown = true;
      }
    settle();
  }
  return owners;
}

/**
 * Each node's underlay addresses as the captures show them: the outer source of a VXLAN packet whose
 * inner source is in a node's pod subnet is that node's address (the outer destination likewise).
 */
export function underlayAddresses(
  packets: readonly Packet[],
  owners: ReadonlyMap<string, string>,
): ReadonlyMap<string, ReadonlySet<string>> {
  const addresses = new Map<string, Set<string>>();
  const add = (node: string | undefined, ip: string | undefined) => {
    if (node === undefined || ip === undefined) return;
    const known = addresses.get(node);
    if (known) known.add(ip);
    else addresses.set(node, new Set([ip]));
  };
  for (const packet of packets) {
    const inner = packet.inner;
    if (inner?.network !== 'ip') continue;
    if (inner.src?.ip !== undefined) add(owners.get(subnetOf(inner.src.ip)), packet.src?.ip);
    if (inner.dst?.ip !== undefined) add(owners.get(subnetOf(inner.dst.ip)), packet.dst?.ip);
  }
  // An address two nodes would own is no node's.
  const seenFor = new Map<string, number>();
  for (const ips of addresses.values()) for (const ip of ips) seenFor.set(ip, (seenFor.get(ip) ?? 0) + 1);
  for (const ips of addresses.values()) for (const ip of ips) if ((seenFor.get(ip) ?? 0) > 1) ips.delete(ip);
  return addresses;
}
