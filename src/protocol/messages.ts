/**
 * The one message protocol between the extension host and the diagram webview.
 * Imported by both sides (src/editor and webview/), so a change breaks the build
 * on both at once. No runtime code here depends on `vscode` or the DOM.
 *
 * The webview never sends a file path back: it names evidence by the `id` the host
 * gave it, and the host looks the id up in its own table. A compromised or buggy
 * webview can therefore only open what the trace already pointed at.
 */

import type { StepStatus } from '../model/evidenceRole';

export type { StepStatus };

/** How each status is named wherever a step is listed (panel, Markdown, text output). */
export const STATUS_TEXT: Readonly<Record<StepStatus, string>> = {
  observed: '● observed',
  configured: '◆ configured',
  predicted: '◌ predicted',
  missing: '∅ missing',
  contradicted: '✗ contradicted',
};

/** What each status means, for legends. */
export const STATUS_MEANING: Readonly<Record<StepStatus, string>> = {
  observed: 'a packet of this connection was captured at this point',
  configured: 'rules, routes or objects say this hop happens; no packet of the connection was captured here',
  predicted: 'derived from defaults; nothing pasted shows it',
  missing: 'a capture covers this point while the connection ran, and its packet is not there',
  contradicted: 'a capture shows something else here',
};

/** One piece of proof as the webview lists it. */
export interface EvidenceView {
  /** Index into the host's evidence table for this payload. */
  id: number;
  /** `capture.txt:42`, `derived`, `cluster: Service default/a-app` … */
  label: string;
  excerpt?: string;
  /** False for derived facts (nothing to open). */
  openable: boolean;
}

/** One arrow of the diagram. */
export interface StepView {
  /** Global index in the flow (all phases), equal to the arrow's autonumber − 1. */
  index: number;
  phaseIndex: number;
  phase: string;
  from: string;
  to: string;
  label: string;
  explanation: string;
  status: StepStatus;
  kind: string;
  /** NAT rewrite or DNS answer in words, when the step has one. */
  detail?: string;
  evidence: EvidenceView[];
}

export interface FindingView {
  id: string;
  severity: 'info' | 'warning' | 'error';
  title: string;
  message: string;
  evidence: EvidenceView[];
}

/** A drawable diagram: the whole flow (`phase` undefined) or one phase of it. */
export interface DiagramView {
  phase?: number;
  /** Mermaid `sequenceDiagram` source, already escaped by src/render. */
  mermaid: string;
  /** Step index of each rendered message, in drawing order. */
  messageSteps: number[];
}

export interface FlowView {
  title: string;
  /** How the flow picker names it (the editor adds the connection's addresses); `title` when absent. */
  pickerLabel?: string;
  family: string;
  phases: string[];
  /** `diagrams[0]` is the whole flow; `diagrams[i + 1]` is phase i alone. */
  diagrams: DiagramView[];
  steps: StepView[];
  findings: FindingView[];
  unresolved: string[];
}

export interface DiagramPayload {
  title: string;
  flows: FlowView[];
  /** Problems of the trace as a whole. */
  unresolved: string[];
  /** Shown instead of a diagram when no flow could be traced: why, and what would help. */
  problem?: { message: string; hints: string[] };
  /**
   * Flows still being built: this payload holds the first flow only (drawn meanwhile), and one with
   * every flow and the trace's notes follows.
   */
  more?: number;
}

/** What the panel shows: which flow, which phase tab, at which zoom. */
export interface ViewState {
  /** Index into `DiagramPayload.flows`. */
  flow: number;
  /** 0 = the whole flow, i + 1 = phase i (an index into `FlowView.diagrams`). */
  phase: number;
  /** 1 = 100 %; 0 = fit to width on the first draw. */
  zoom: number;
}

/** What the webview keeps with `vscode.setState` so a reload can redraw the panel. */
export interface PersistedState {
  version: 1;
  /** Opaque to the webview: the host's TraceResult, restored by the panel serializer. */
  result: unknown;
  ui?: ViewState;
}

/** What a `show` message carries. */
export interface ShowContent {
  payload: DiagramPayload;
  state: PersistedState;
}

export type HostToWebview =
  | ({ type: 'show' } & ShowContent)
  /**
   * A `show` whose content comes as UTF-8 JSON (made off the extension host's thread, which then
   * posts bytes instead of writing a large object as JSON); `ui` is the state's view, when it has one.
   */
  /**
   * `completes`: the payload of every flow of the trace whose first flow the last message showed
   * (see DiagramPayload.more), to take without drawing that flow again.
   */
  | { type: 'showEncoded'; bytes: Uint8Array; ui?: ViewState; completes?: boolean }
  | { type: 'clear'; reason: string }
  /** Ask for the rendered SVG (the host saves it). */
  | { type: 'requestSvg' };

/** What the panel's export buttons produce. */
const EXPORT_FORMATS = ['mermaid', 'markdown', 'svg'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'openEvidence'; id: number }
  | { type: 'export'; format: ExportFormat; flow: number; phase?: number; svg?: string }
  | { type: 'rendered'; ms: number; steps: number }
  /** The flow, phase tab or zoom the user is looking at (kept by the host for reloads and exports). */
  | { type: 'viewChanged'; ui: ViewState }
  | { type: 'error'; message: string };

/** Upper bound on an SVG the host accepts from the webview (a 1,000-step diagram is ~2 MB). */
export const MAX_SVG_BYTES = 20 * 1024 * 1024;

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m);
const isIndex = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 31;

/** Validates a message from the webview field by field; anything else is dropped. */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'openEvidence':
      return isIndex(m.id);
    case 'export':
      return (
        EXPORT_FORMATS.includes(m.format as ExportFormat) &&
        isIndex(m.flow) &&
        (m.phase === undefined || isIndex(m.phase)) &&
        (m.svg === undefined ||
          (typeof m.svg === 'string' && m.svg.length <= MAX_SVG_BYTES && /^\s*<svg[\s>]/.test(m.svg)))
      );
    case 'rendered':
      return typeof m.ms === 'number' && Number.isFinite(m.ms) && isIndex(m.steps);
    case 'viewChanged':
      return isViewState(m.ui);
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}

/** The content of a `showEncoded` message (`ui` its state's view), or undefined when it is not a show's. */
export function decodedShow(bytes: Uint8Array, ui?: ViewState): ShowContent | undefined {
  let content: unknown;
  try {
    content = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (!isHostToWebview({ ...(isObject(content) ? content : {}), type: 'show' })) return undefined;
  const show = content as ShowContent;
  return ui ? { ...show, state: { ...show.state, ui } } : show;
}

/** Validates a message from the host (the webview trusts only its own protocol). */
export function isHostToWebview(m: unknown): m is HostToWebview {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'show':
      return (
        isObject(m.payload) &&
        Array.isArray(m.payload.flows) &&
        typeof m.payload.title === 'string' &&
        isObject(m.state)
      );
    case 'showEncoded':
      return (
        m.bytes instanceof Uint8Array &&
        (m.ui === undefined || isViewState(m.ui)) &&
        (m.completes === undefined || typeof m.completes === 'boolean')
      );
    case 'clear':
      return typeof m.reason === 'string';
    case 'requestSvg':
      return true;
    default:
      return false;
  }
}

function isViewState(ui: unknown): ui is ViewState {
  return (
    isObject(ui) &&
    isIndex(ui.flow) &&
    isIndex(ui.phase) &&
    typeof ui.zoom === 'number' &&
    Number.isFinite(ui.zoom) &&
    ui.zoom >= 0
  );
}

/** Validates what a serializer hands back after a reload (it was written by an older webview, perhaps). */
export function isPersistedState(s: unknown): s is PersistedState {
  if (!isObject(s) || s.version !== 1 || !isObject(s.result)) return false;
  const r = s.result;
  if (!Array.isArray(r.flows) || !Array.isArray(r.unresolved)) return false;
  return s.ui === undefined || isViewState(s.ui);
}
