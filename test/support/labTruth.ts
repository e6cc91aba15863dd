/**
 * The parts of a two-node lab experiment's ground truth (`test/fixtures/lab/<experiment>.truth.json`,
 * written by test/lab/truth.mjs from conntrack and the captures, never by the product) that the flow
 * tests check a trace against: TCP connections, which always have ports. test/lab/lab.test.ts reads
 * the whole schema.
 */
export interface TruthEnd {
  ip: string;
  port: number;
  node: string | null;
  pod: string | null;
  interface: string | null;
}

export interface TruthConnection {
  protocol: string;
  client: TruthEnd;
  destination: { ip: string; port: number; service: { name: string; via: string } | null };
  /** Where the connection was delivered: always a pod on a node for the connections of these runs. */
  endpoint: { ip: string; port: number; node: string; pod: string; interface: string };
  dnatNode: string | null;
  snat: { ip: string; port: number; node: string } | null;
  replied: boolean;
}
