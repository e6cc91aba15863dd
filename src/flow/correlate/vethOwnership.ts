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

/**
 * Claims that do not come from traffic: `podRef` set by a reader, or ifindex pairing (`eth0@if4178` ↔
 * ifindex 4178).
 */
export function declaredClaims(model: ClusterModel): VethClaim[] {
  const out: VethClaim[] = [];
  const ifaces = model.all('HostInterface');
  const podIp = (ref: string): string | undefined => {
    const [namespaceOrName, name] = ref.replace(/^pod:/, '').split('/');
    const pod = name ? model.findPod(name, namespaceOrName) : model.findPod(namespaceOrName);
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
  const podSide = ifaces.filter((iface) => iface.host?.startsWith('pod:') && iface.peerIfindex !== undefined);
  for (const inner of podSide) {
    const ip =
      podIp(inner.host!) ??
      inner.addresses?.find((interfaceAddress) => interfaceAddress.family === 4)?.cidr.split('/')[0];
    const outer = ifaces.find(
      (candidate: HostInterface) =>
        !candidate.host?.startsWith('pod:') &&
        candidate.ifindex === inner.peerIfindex &&
        candidate.name.startsWith('veth'),
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
    for (const claim of list) score.set(claim.iface, Math.max(score.get(claim.iface) ?? 0, STRENGTH[claim.how]));
    const best = [...score.entries()].sort((left, right) => right[1] - left[1])[0][0];
    const mine = list.filter((claim) => claim.iface === best);
    out.set(ip, {
      iface: best,
      host: mine.find((claim) => claim.host)?.host,
      evidence: mine.flatMap((claim) => claim.evidence),
      how: [...new Set(mine.map((claim) => claim.how))],
      // `delivered` onto another veth can be flooding; only stronger claims are real rivals.
      rivals: list.filter((claim) => claim.iface !== best && claim.how !== 'delivered'),
    });
  }
  return out;
}
