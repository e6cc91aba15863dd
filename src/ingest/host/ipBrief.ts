import type { HostInterface, InterfaceAddress } from '../../model';
import { parseCidr } from '../../model';
import { MAC_RE, words } from './hostText';

const STATES = new Set(['UP', 'DOWN', 'UNKNOWN', 'LOWERLAYERDOWN', 'DORMANT', 'NOTPRESENT', 'TESTING']);

/**
 * One line of `ip -br addr` (`cni0  UP  10.244.0.1/24 fe80::…/64`) or `ip -br link`
 * (`cni0  UP  7a:ba:…  <BROADCAST,…>`). Undefined when the line is neither.
 */
export function parseBriefLine(line: string): HostInterface | undefined {
  const t = words(line);
  if (t.length < 2 || !STATES.has(t[1])) return undefined;
  const nameMatch = /^([^\s:@]+)(?:@([^\s:]+))?$/.exec(t[0]);
  if (!nameMatch) return undefined;
  const iface: HostInterface = { kind: 'HostInterface', name: nameMatch[1], state: t[1], evidence: [] };
  const peer = nameMatch[2];
  if (peer) {
    const pm = /^if(\d{1,10})$/.exec(peer);
    if (pm) iface.peerIfindex = Number(pm[1]);
    else if (peer !== 'NONE') iface.peerName = peer;
  }
  const addresses: InterfaceAddress[] = [];
  for (const w of t.slice(2)) {
    if (MAC_RE.test(w)) iface.mac = w.toLowerCase();
    else if (/^<[A-Z0-9_,-]*>$/.test(w)) iface.flags = w.slice(1, -1).split(',').filter(Boolean);
    else {
      const c = parseCidr(w);
      if (!c) return undefined;
      addresses.push({ cidr: w, family: c.family });
    }
  }
  if (addresses.length) iface.addresses = addresses;
  return iface;
}
