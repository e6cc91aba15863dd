import type { ConnectionSummary, TraceResult } from '../../flow/types';

/**
 * A TraceResult as the panel's webview keeps it for a reload (`setState`, sent with every `show`).
 * Every flow of a trace carries the same list of connection summaries (all the connections between
 * SRC and DST); a capture with 3,000 connections made that list 2.8 MB per flow and the message
 * 57 MB for 20 flows. Stored here once.
 */
export interface StoredResult extends TraceResult {
  /** The connection list every flow shares, when it was moved out of the flows. */
  sharedConnections?: ConnectionSummary[];
}

/** The result with the flows' shared connection list stored once (unchanged when they do not share one). */
export function storedResult(result: TraceResult): StoredResult {
  const shared = result.flows[0]?.connections;
  if (!shared || !result.flows.every((flow) => flow.connections === shared)) return result;
  return {
    ...result,
    flows: result.flows.map(({ connections: _shared, ...flow }) => flow),
    sharedConnections: shared,
  };
}

/** The result as the host traced it, from what the webview kept. */
export function restoredResult(stored: StoredResult): TraceResult {
  const { sharedConnections, ...result } = stored;
  if (!sharedConnections) return result;
  return { ...result, flows: result.flows.map((flow) => ({ ...flow, connections: sharedConnections })) };
}
