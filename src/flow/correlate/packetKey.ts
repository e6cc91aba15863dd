import type { Packet } from '../../model';

/** Seconds of the capture clock: the parser's `t`, else parsed from `HH:MM:SS.ffffff`. */
export function packetTime(packet: Packet): number | undefined {
  if (packet.t !== undefined) return packet.t;
  const clock = /^(?<hours>\d{1,2}):(?<minutes>\d{2}):(?<seconds>\d{2}(?:\.\d+)?)$/.exec(packet.time ?? '')?.groups;
  return clock ? Number(clock.hours) * 3600 + Number(clock.minutes) * 60 + Number(clock.seconds) : undefined;
}

/**
 * What makes two capture lines the same packet seen on different interfaces:
 * everything the kernel does not change while bridging or routing it locally
 * (addresses, ports, TCP seq/ack/flags, ICMP id/seq, DNS id, ARP fields).
 */
export function samePacketKey(packet: Packet): string {
  const src = packet.src;
  const dst = packet.dst;
  switch (packet.protocol) {
    case 'tcp':
      return (
        `t|${src?.ip}|${src?.port}|${dst?.ip}|${dst?.port}|${packet.tcp?.flags}|${packet.tcp?.seq}|` +
        `${packet.tcp?.seqEnd}|${packet.tcp?.ack}|${packet.length}`
      );
    case 'udp':
      return (
        `u|${src?.ip}|${src?.port}|${dst?.ip}|${dst?.port}|` +
        `${packet.dns ? `${packet.dns.id}|${packet.dns.response}` : ''}|${packet.length}`
      );
    case 'icmp':
    case 'icmp6':
      return `i|${src?.ip}|${dst?.ip}|${packet.icmp?.type}|${packet.icmp?.id}|${packet.icmp?.seq}|${packet.length}`;
    case 'arp':
      return `a|${packet.arp?.op}|${packet.arp?.targetIp}|${packet.arp?.senderIp}|${packet.arp?.mac}`;
    default:
      return `o|${src?.ip}|${dst?.ip}|${packet.vni ?? ''}|${packet.info ?? ''}|${packet.length}`;
  }
}

/**
 * One connection's packet before and after DNAT share the source and everything
 * TCP carries; only the destination changes. This key leaves the destination out.
 */
export function forwardKeyWithoutDst(packet: Packet): string | undefined {
  return oneEndKey(packet, packet.src);
}

/** The reply direction: conntrack rewrites the source back (un-DNAT); the destination stays. */
export function replyKeyWithoutSrc(packet: Packet): string | undefined {
  return oneEndKey(packet, packet.dst);
}

/** What NAT leaves alone: the end it does not rewrite, and what TCP, DNS or ICMP carry. */
function oneEndKey(packet: Packet, end: Packet['src']): string | undefined {
  if (packet.protocol === 'tcp' && packet.tcp?.seq !== undefined)
    return `t|${end?.ip}|${end?.port}|${packet.tcp.flags}|${packet.tcp.seq}|${packet.tcp.ack ?? ''}`;
  if (packet.protocol === 'udp' && packet.dns)
    return `u|${end?.ip}|${end?.port}|${packet.dns.id}|${packet.dns.response}`;
  if (packet.protocol === 'icmp' && packet.icmp?.id !== undefined)
    return `i|${end?.ip}|${packet.icmp.type}|${packet.icmp.id}|${packet.icmp.seq}`;
  return undefined;
}

/** Both directions of a conversation map to one key (sorted endpoints). */
export function connectionKey(packet: Packet): string | undefined {
  if (
    !packet.src?.ip ||
    !packet.dst?.ip ||
    (packet.protocol !== 'tcp' && packet.protocol !== 'udp' && packet.protocol !== 'icmp')
  )
    return undefined;
  const from = `${packet.src.ip}:${packet.src.port ?? packet.icmp?.id ?? ''}`;
  const to = `${packet.dst.ip}:${packet.dst.port ?? packet.icmp?.id ?? ''}`;
  return `${packet.protocol}|${from < to ? `${from}|${to}` : `${to}|${from}`}`;
}

/** Interfaces that are a pod's host-side veth end (Flannel's `vethXXXXXXXX`, or known from `ip link`). */
export function looksLikeVeth(name: string | undefined, known?: ReadonlySet<string>): boolean {
  if (!name) return false;
  return name.startsWith('veth') || (known?.has(name) ?? false);
}

export function isUnicastIp(ip: string | undefined): boolean {
  if (!ip) return false;
  if (ip.includes(':')) return !ip.toLowerCase().startsWith('ff');
  const dot = ip.indexOf('.');
  const first = Number(ip.slice(0, dot < 0 ? ip.length : dot));
  return !(first >= 224) && !ip.endsWith('.255');
}
