import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parseIpLinkText, sniffIpLink, unflattenIpLinkPieces } from './ipLinkBlocks';

export { unflattenIpLink } from './ipLinkBlocks';

export function parseIpLink(input: ParseInput): ParseResult {
  return parseIpLinkText(input, 'ip-link');
}

export function parseIpAddr(input: ParseInput): ParseResult {
  return parseIpLinkText(input, 'ip-addr');
}

// `ip link`, `ip -d link show flannel.1`, `ip -br link`, also `ip l`, `ip -n ns link`.
export const ipLinkFormat: FormatSpec = {
  id: 'ip-link',
  tools: ['ip'],
  parse: parseIpLink,
  unflatten: unflattenIpLinkPieces,
  commands: [/^ip\s+(-\S+\s+)*(-n\s+\S+\s+)?(-\S+\s+)*(l|li|lin|link)\b/],
  sniff: (lines) => sniffIpLink(lines, false),
};

export const ipAddrFormat: FormatSpec = {
  id: 'ip-addr',
  tools: ['ip'],
  parse: parseIpAddr,
  unflatten: unflattenIpLinkPieces,
  commands: [/^ip\s+(-\S+\s+)*(-n\s+\S+\s+)?(-\S+\s+)*(a|ad|add|addr|addre|addres|address)\b/],
  sniff: (lines) => sniffIpLink(lines, true),
};
