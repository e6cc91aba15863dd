// The VS Code webview API, acquired once (VS Code allows a single call per page).
import type { PersistedState, WebviewToHost } from '../src/protocol/messages';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}
