import type { HostInterface, InterfaceAddress } from '../../model';
import { parseCidr } from '../../model';
import { MAC_RE, words } from './hostText';

const STATES = new Set(['UP', 'DOWN', 'UNKNOWN', 'LOWERLAYERDOWN', 'DORMANT', 'NOTPRESENT', 'TESTING']);

/**
 * One line of `ip -br addr` (`cni0  UP  10.244.0.1/24 fe80::…/64`) or `ip -br link`
 * (`cni0  UP  7a:ba:…  <BROADCAST,…>`). Undefined when the line is neither.
 */
export function parseBriefLine(line: string): HostInterface | undefined {
  const fields = words(line);
  if (fields.length < 2 || !STATES.has(fields[1])) return undefined;
  const nameMatch = /^(?<name>[^\s:@]+)(?:@(?<peer>[^\s:]+))?$/.exec(fields[0])?.groups;
  if (!nameMatch) return undefined;
  const iface: HostInterface = { kind: 'HostInterface', name: nameMatch.name, state: fields[1], evidence: [] };
  const peer = nameMatch.peer;
  if (peer) {
    const peerIndex = /^if(?<ifindex>\d{1,10})$/.exec(peer)?.groups?.ifindex;
    if (peerIndex !== undefined) iface.peerIfindex = Number(peerIndex);
    else if (peer !== 'NONE') iface.peerName = peer;
  }
  const addresses: InterfaceAddress[] = [];
  for (const word of fields.slice(2)) {
    if (MAC_RE.test(word)) iface.mac = word.toLowerCase();
    else if (/^<[A-Z0-9_,-]*>$/.test(word)) iface.flags = word.slice(1, -1).split(',').filter(Boolean);
    else {
      const cidr = parseCidr(word);
      if (!cidr) return undefined;
      addresses.push({ cidr: word, family: cidr.family });
    }
  }
  if (addresses.length) iface.addresses = addresses;
  return iface;
}
