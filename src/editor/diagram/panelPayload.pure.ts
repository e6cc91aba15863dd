import type { TraceResult } from '../../flow/types';
import type { Evidence } from '../../model';
import type { ShowContent } from '../../protocol/messages';
import { buildPayload, type BuiltPayload } from '../../render/payload';
import { flowPickerLabel } from './flowLabels.pure';
import { storedResult } from './persistedResult.pure';

/**
 * What the diagram panel sends its webview for a trace (no `vscode`): the payload with the flow
 * picker's labels (one flow per connection: each names its own). A trace run in the parse worker
 * comes back with it built there (20 flows of a 400,000-line capture took 0.2–0.4 s to build), and
 * written as the JSON the webview reads (see encodedShow), kept here for the panel beside the result.
 */

/** A payload made elsewhere: the JSON of what the webview shows, and the evidence table its ids point into. */
export interface EncodedPayload {
  encoded: Uint8Array;
  evidence: Evidence[];
}

const prebuilt = new WeakMap<TraceResult, BuiltPayload | EncodedPayload>();

/** Remembers the payload built elsewhere for `result`; returns `result`. */
export function withPayload(result: TraceResult, built: BuiltPayload | EncodedPayload): TraceResult {
  prebuilt.set(result, built);
  return result;
}

/** The panel's payload of `result`: the one made with it (maybe encoded), or built now. */
export function panelPayload(result: TraceResult): BuiltPayload | EncodedPayload {
  return prebuilt.get(result) ?? builtPayload(result);
}

/** The panel's payload of `result`, built now (`flowCount`: see buildPayload). */
export function builtPayload(result: TraceResult, flowCount?: number): BuiltPayload {
  const built = buildPayload(result, flowCount);
  built.payload.flows.forEach((view, index) => {
    const flow = result.flows[index];
    if (flow) view.pickerLabel = flowPickerLabel(flow, index);
  });
  return built;
}

/** What the panel shows of `result` before any view state, as it posts it: its payload and the state a reload restores. */
export function showContent(result: TraceResult, built: BuiltPayload): ShowContent {
  return { payload: built.payload, state: { version: 1, result: storedResult(result) } };
}

/**
 * showContent as UTF-8 JSON: posted to the webview as bytes, VS Code sends it as it is where it
 * writes an object as JSON itself (on the extension host's thread, 35–55 ms for 20 flows of a
 * 400,000-line capture), and the webview reads the same JSON.
 */
export function encodedShow(result: TraceResult, built: BuiltPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(showContent(result, built)));
}
