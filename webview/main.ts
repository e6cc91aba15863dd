// Diagram panel: receives a DiagramPayload from the extension host and renders its
// Mermaid source with the bundled Mermaid (nothing is fetched from the network).
import mermaid from 'mermaid';
import type { HostToWebview, WebviewToHost } from '../src/protocol/messages';

declare function acquireVsCodeApi(): { postMessage(m: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };

const vscode = acquireVsCodeApi();

function themeFor(kind: string | undefined): 'dark' | 'default' {
  return kind === 'vscode-dark' || kind === 'vscode-high-contrast' ? 'dark' : 'default';
}

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: themeFor(document.body.dataset.vscodeThemeKind) });

let renderCount = 0;

async function show(message: HostToWebview): Promise<void> {
  const root = document.getElementById('diagram')!;
  if (message.type === 'clear') {
    root.textContent = message.reason;
    return;
  }
  const { payload } = message;
  document.getElementById('title')!.textContent = payload.title;
  if (payload.problem) {
    root.textContent = `${payload.problem.message}\n${payload.problem.hints.join('\n')}`;
    return;
  }
  const started = performance.now();
  try {
    const { svg } = await mermaid.render(`kpp-diagram-${++renderCount}`, payload.mermaid);
    root.innerHTML = svg;
    vscode.postMessage({ type: 'rendered', ms: performance.now() - started, steps: payload.steps.length });
  } catch (e) {
    root.textContent = `Mermaid could not draw this flow: ${e instanceof Error ? e.message : String(e)}`;
    vscode.postMessage({ type: 'error', message: String(e) });
  }
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => void show(event.data));
vscode.postMessage({ type: 'ready' });
