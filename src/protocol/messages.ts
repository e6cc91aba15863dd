/**
 * The one message protocol between the extension host and the diagram webview.
 * Imported by both sides (src/editor and webview/), so a change breaks the build
 * on both at once. No runtime code depends on `vscode` or the DOM here.
 */

/** One arrow of the diagram as the webview lists it; `evidence` lets it open the proof. */
export interface StepView {
  index: number;
  phase: string;
  from: string;
  to: string;
  label: string;
  status: 'observed' | 'predicted' | 'contradicted';
  evidence: { uri: string; line?: number; label: string; excerpt?: string }[];
}

export interface FindingView {
  id: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  evidence: { uri: string; line?: number; label: string; excerpt?: string }[];
}

export interface DiagramPayload {
  title: string;
  /** Mermaid `sequenceDiagram` source, already escaped by src/render. */
  mermaid: string;
  steps: StepView[];
  findings: FindingView[];
  /** Shown instead of a diagram when a trace could not be made. */
  problem?: { message: string; hints: string[] };
}

export type HostToWebview =
  | { type: 'show'; payload: DiagramPayload }
  | { type: 'clear'; reason: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'openEvidence'; uri: string; line?: number }
  | { type: 'export'; format: 'mermaid' | 'markdown' | 'svg'; svg?: string }
  | { type: 'rendered'; ms: number; steps: number }
  | { type: 'error'; message: string };

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'openEvidence' || t === 'export' || t === 'rendered' || t === 'error';
}
