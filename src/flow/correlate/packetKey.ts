import type { Packet } from '../../model';

/** Seconds of the capture clock: the parser's `t`, else parsed from `HH:MM:SS.ffffff`. */
export function packetTime(p: Packet): number | undefined {
  if (p.t !== undefined) return p.t;
  const match = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(p.time ?? '');
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

/**
 * What makes two capture lines the same packet seen on different interfaces:
 * everything the kernel does not change while bridging or routing it locally
 * (addresses, ports, TCP seq/ack/flags, ICMP id/seq, DNS id, ARP fields).
 */
export function samePacketKey(p: Packet): string {
  const endpoint4 = p.src;
  const d = p.dst;
  switch (p.protocol) {
    case 'tcp':
      return `t|${endpoint4?.ip}|${endpoint4?.port}|${d?.ip}|${d?.port}|${p.tcp?.flags}|${p.tcp?.seq}|${p.tcp?.seqEnd}|${p.tcp?.ack}|${p.length}`;
    case 'udp':
      return `u|${endpoint4?.ip}|${endpoint4?.port}|${d?.ip}|${d?.port}|${p.dns ? `${p.dns.id}|${p.dns.response}` : ''}|${p.length}`;
    case 'icmp':
    case 'icmp6':
      return `i|${endpoint4?.ip}|${d?.ip}|${p.icmp?.type}|${p.icmp?.id}|${p.icmp?.seq}|${p.length}`;
    case 'arp':
      return `a|${p.arp?.op}|${p.arp?.targetIp}|${p.arp?.senderIp}|${p.arp?.mac}`;
    default:
      return `o|${endpoint4?.ip}|${d?.ip}|${p.vni ?? ''}|${p.info ?? ''}|${p.length}`;
  }
}

/**
 * One connection's packet before and after DNAT share the source and everything
 * TCP carries; only the destination changes. This key leaves the destination out.
 */
export function forwardKeyWithoutDst(p: Packet): string | undefined {
  if (p.protocol === 'tcp' && p.tcp?.seq !== undefined)
    return `t|${p.src?.ip}|${p.src?.port}|${p.tcp.flags}|${p.tcp.seq}|${p.tcp.ack ?? ''}`;
  if (p.protocol === 'udp' && p.dns) return `u|${p.src?.ip}|${p.src?.port}|${p.dns.id}|${p.dns.response}`;
  if (p.protocol === 'icmp' && p.icmp?.id !== undefined)
    return `i|${p.src?.ip}|${p.icmp.type}|${p.icmp.id}|${p.icmp.seq}`;
  return undefined;
}

/** The reply direction: conntrack rewrites the source back (un-DNAT); the destination stays. */
export function replyKeyWithoutSrc(p: Packet): string | undefined {
  if (p.protocol === 'tcp' && p.tcp?.seq !== undefined)
    return `t|${p.dst?.ip}|${p.dst?.port}|${p.tcp.flags}|${p.tcp.seq}|${p.tcp.ack ?? ''}`;
  if (p.protocol === 'udp' && p.dns) return `u|${p.dst?.ip}|${p.dst?.port}|${p.dns.id}|${p.dns.response}`;
  if (p.protocol === 'icmp' && p.icmp?.id !== undefined)
    return `i|${p.dst?.ip}|${p.icmp.type}|${p.icmp.id}|${p.icmp.seq}`;
  return undefined;
}

/** Both directions of a conversation map to one key (sorted endpoints). */
export function connectionKey(p: Packet): string | undefined {
  if (!p.src?.ip || !p.dst?.ip || (p.protocol !== 'tcp' && p.protocol !== 'udp' && p.protocol !== 'icmp'))
    return undefined;
  const a = `${p.src.ip}:${p.src.port ?? p.icmp?.id ?? ''}`;
  const b = `${p.dst.ip}:${p.dst.port ?? p.icmp?.id ?? ''}`;
  return `${p.protocol}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
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
