import type { TraceResult } from '../../flow/types';
import { buildPayload, type BuiltPayload } from '../../render/payload';
import { flowPickerLabel } from './flowLabels.pure';

/**
 * What the diagram panel sends its webview for a trace (no `vscode`): the payload with the flow
 * picker's labels (one flow per connection: each names its own). A trace run in the parse worker
 * comes back with it built there (20 flows of a 400,000-line capture took 0.2–0.4 s to build), kept
 * here for the panel beside the result.
 */

const prebuilt = new WeakMap<TraceResult, BuiltPayload>();

/** Remembers the payload built elsewhere for `result`; returns `result`. */
export function withPayload(result: TraceResult, built: BuiltPayload): TraceResult {
  prebuilt.set(result, built);
  return result;
}

/** The panel's payload of `result`: the one built with it, or built now. */
export function panelPayload(result: TraceResult): BuiltPayload {
  const known = prebuilt.get(result);
  if (known) return known;
  const built = buildPayload(result);
  built.payload.flows.forEach((view, index) => {
    const flow = result.flows[index];
    if (flow) view.pickerLabel = flowPickerLabel(flow, index);
  });
  return built;
}
