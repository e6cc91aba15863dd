import type { ConnectionSummary, TraceResult } from '../../flow/types';

/**
 * A TraceResult as the panel's webview keeps it for a reload (`setState`, sent with every `show`).
 * Every flow of a trace carries the same list of connection summaries (all the connections between
 * SRC and DST); a capture with 3,000 connections made that list 2.8 MB per flow and the message
 * 57 MB for 20 flows, and even once it took the host 0.3 s to post. The panel reads of that list
 * only the connection each flow walks and its length (the flow picker's "connection 2 of 3,031"):
 * those are what is kept.
 */
export interface StoredResult extends TraceResult {
  /** The connections the flows walk, by their index in the list every flow shares, and its length. */
  walkedConnections?: { count: number; byIndex: [number, ConnectionSummary][] };
  /** The shared list whole (what panels stored before walkedConnections), restored as it was. */
  sharedConnections?: ConnectionSummary[];
}

/** The result with the flows' shared connection list cut to the connections they walk. */
export function storedResult(result: TraceResult): StoredResult {
  const shared = result.flows[0]?.connections;
  if (!shared || !result.flows.every((flow) => flow.connections === shared)) return result;
  const byIndex = new Map<number, ConnectionSummary>();
  for (const flow of result.flows)
    if (flow.connection !== undefined && shared[flow.connection]) byIndex.set(flow.connection, shared[flow.connection]);
  return {
    ...result,
    flows: result.flows.map(({ connections: _shared, ...flow }) => flow),
    walkedConnections: { count: shared.length, byIndex: [...byIndex] },
  };
}

/**
 * The result from what the webview kept: every flow shares one list of the length traced, holding
 * the connections the flows walk at their places (the others are holes).
 */
export function restoredResult(stored: StoredResult): TraceResult {
  const { sharedConnections, walkedConnections, ...result } = stored;
  let shared = sharedConnections;
  if (walkedConnections) {
    shared = new Array<ConnectionSummary>(walkedConnections.count);
    for (const [index, connection] of walkedConnections.byIndex) shared[index] = connection;
  }
  if (!shared) return result;
  const connections = shared;
  return { ...result, flows: result.flows.map((flow) => ({ ...flow, connections })) };
}
