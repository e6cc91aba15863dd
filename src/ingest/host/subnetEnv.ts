import type { CniConfig } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { hostLines } from './hostText';
import { unflattenSubnetEnvPieces } from './unflatten';

/**
 * Flannel's `/run/flannel/subnet.env` (a config file flanneld writes, one per node):
 * `FLANNEL_NETWORK=10.244.0.0/16`, `FLANNEL_SUBNET=10.244.0.1/24`, `FLANNEL_MTU=1450`, `FLANNEL_IPMASQ=true`.
 */
export function parseSubnetEnv(input: ParseInput): ParseResult {
  const source = hostLines(input, 'flannel-subnet-env');
  const cni: CniConfig = { kind: 'Cni', plugin: 'flannel', evidence: [] };
  if (input.host) cni.node = input.host;
  let records = 0;
  for (let i = 0; i < source.lines.length; i++) {
    const line = source.lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Z0-9_]{1,64})=("?)([^"]*)\2$/.exec(line);
    if (!match) {
      source.skip(i, 'not a KEY=value line');
      continue;
    }
    const [, key, , value] = match;
    let used = true;
    switch (key) {
      case 'FLANNEL_NETWORK':
        cni.network = value;
        break;
      case 'FLANNEL_SUBNET':
        cni.subnet = value;
        break;
      case 'FLANNEL_MTU':
        if (/^\d{1,6}$/.test(value)) cni.mtu = Number(value);
        else used = false;
        break;
      case 'FLANNEL_IPMASQ':
        if (value === 'true' || value === 'false') cni.ipMasq = value === 'true';
        else used = false;
        break;
      case 'FLANNEL_IPV6_NETWORK':
      case 'FLANNEL_IPV6_SUBNET':
        break;
      default:
        used = false;
    }
    if (!used) {
      source.skip(i, `unknown or invalid Flannel setting ${key}`);
      continue;
    }
    records++;
    cni.evidence.push(source.evidence(i));
  }
  return { format: 'flannel-subnet-env', facts: records ? [cni] : [], records, unparsed: source.unparsed };
}

export const subnetEnvFormat: FormatSpec = {
  id: 'flannel-subnet-env',
  tools: ['cat'],
  parse: parseSubnetEnv,
  unflatten: unflattenSubnetEnvPieces,
  commands: [/^cat\s+\S*subnet\.env\b/],
  sniff: (lines) => (lines.some((line) => /^FLANNEL_(NETWORK|SUBNET)=/.test(line.trim())) ? 0.95 : 0),
};
