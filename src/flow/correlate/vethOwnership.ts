import type { ClusterModel, Evidence, HostInterface } from '../../model';
import type { VethClaim } from './correlation';

/** Which host-side veth leads to a pod, and every piece of proof for and against. */
export interface VethOwnership {
  iface: string;
  host?: string;
  evidence: Evidence[];
  how: VethClaim['how'][];
  /** Other veths that some evidence attributes to the same pod IP. */
  rivals: VethClaim[];
}

/** Claims that do not come from traffic: `podRef` set by a reader, or ifindex pairing (`eth0@if4178` ↔ ifindex 4178). */
export function declaredClaims(model: ClusterModel): VethClaim[] {
  const out: VethClaim[] = [];
  const ifaces = model.all('HostInterface');
  const podIp = (ref: string): string | undefined => {
    const [a, b] = ref.replace(/^pod:/, '').split('/');
    const pod = b ? model.findPod(b, a) : model.findPod(a);
    return pod?.ip;
  };
  for (const hostInterface of ifaces) {
    if (!hostInterface.podRef) continue;
    const ip = podIp(hostInterface.podRef);
    if (ip)
      out.push({
        ip,
        iface: hostInterface.name,
        host: hostInterface.host,
        how: 'declared',
        evidence: hostInterface.evidence,
      });
  }
  // A pod's eth0 printed as `eth0@ifN` inside the pod, and the host veth with ifindex N.
  const podSide = ifaces.filter((i) => i.host?.startsWith('pod:') && i.peerIfindex !== undefined);
  for (const inner of podSide) {
    const ip =
      podIp(inner.host!) ??
      inner.addresses?.find((interfaceAddress) => interfaceAddress.family === 4)?.cidr.split('/')[0];
    const outer = ifaces.find(
      (h: HostInterface) => !h.host?.startsWith('pod:') && h.ifindex === inner.peerIfindex && h.name.startsWith('veth'),
    );
    if (ip && outer)
      out.push({
        ip,
        iface: outer.name,
        host: outer.host,
        how: 'ifindex',
        evidence: [...inner.evidence, ...outer.evidence],
      });
  }
  return out;
}

const STRENGTH: Record<VethClaim['how'], number> = { declared: 4, ifindex: 4, sent: 3, arp: 2, delivered: 1 };

/** The best-supported veth for each pod IP; a weaker claim naming another veth is kept as a rival. */
export function vethOwnership(claims: readonly VethClaim[]): Map<string, VethOwnership> {
  const byIp = new Map<string, VethClaim[]>();
  for (const vethClaim of claims) {
    const vethClaims = byIp.get(vethClaim.ip);
    if (vethClaims) vethClaims.push(vethClaim);
    else byIp.set(vethClaim.ip, [vethClaim]);
  }
  const out = new Map<string, VethOwnership>();
  for (const [ip, list] of byIp) {
    const score = new Map<string, number>();
    for (const c of list) score.set(c.iface, Math.max(score.get(c.iface) ?? 0, STRENGTH[c.how]));
    const best = [...score.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const mine = list.filter((c) => c.iface === best);
    out.set(ip, {
      iface: best,
      host: mine.find((c) => c.host)?.host,
      evidence: mine.flatMap((c) => c.evidence),
      how: [...new Set(mine.map((c) => c.how))],
      // `delivered` onto another veth can be flooding; only stronger claims are real rivals.
      rivals: list.filter((c) => c.iface !== best && c.how !== 'delivered'),
    });
  }
  return out;
}
