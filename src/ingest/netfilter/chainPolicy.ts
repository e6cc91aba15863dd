import type { ChainPolicy, Evidence } from '../../model';

/** A built-in chain's policy as a fact, with the packets and bytes it decided when the listing shows them. */
export function chainPolicy(options: {
  table: string;
  chain: string;
  policy: string;
  evidence: Evidence;
  host?: string;
  packets?: number;
  bytes?: number;
}): ChainPolicy {
  const fact: ChainPolicy = {
    kind: 'ChainPolicy',
    table: options.table,
    chain: options.chain,
    policy: options.policy,
    evidence: [options.evidence],
  };
  if (options.host) fact.host = options.host;
  if (options.packets !== undefined) fact.packets = options.packets;
  if (options.bytes !== undefined) fact.bytes = options.bytes;
  return fact;
}
