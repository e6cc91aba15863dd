import * as vscode from 'vscode';
import type { TraceResult } from '../../flow/types';
import type { BuiltPayload } from '../../render/payload';
import { panelPayload, showContent, type EncodedPayload } from './panelPayload.pure';
import {
  isWebviewToHost,
  type HostToWebview,
  type PersistedState,
  type ViewState,
  type WebviewToHost,
} from '../../protocol/messages';
import { copyMermaid, saveMarkdown, saveSvg } from './exports';
import { panelHtml } from './html';
import { DIAGRAM_VIEW_TYPE } from './viewType';
import { columnBeside, openEvidence } from './openEvidence';

/** Webview options: scripts on, and only dist/ and media/ of the extension readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    enableFindWidget: true,
  };
}

/**
 * One diagram panel: owns its TraceResult, the evidence table behind the ids the
 * webview sends back, and the message loop. The webview persists the TraceResult
 * with setState, so the serializer can rebuild the panel after a reload.
 */
export class DiagramPanel {
  private static readonly panels = new Set<DiagramPanel>();
  private static lastActive: DiagramPanel | undefined;

  private built: BuiltPayload | EncodedPayload;
  private ready = false;
  /** Opened before its trace was done (see openPending): shows "Loading" until `show`. */
  private pending = false;
  private svgWaiter: ((svg: string | undefined) => void) | undefined;
  private lastUi: ViewState | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** The panel the user looked at last (for the export commands). */
  static get active(): DiagramPanel | undefined {
    return DiagramPanel.lastActive;
  }

  static create(extensionUri: vscode.Uri, result: TraceResult, log?: vscode.LogOutputChannel): DiagramPanel {
    const panel = vscode.window.createWebviewPanel(
      DIAGRAM_VIEW_TYPE,
      titleOf(result),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      webviewOptions(extensionUri),
    );
    return new DiagramPanel(panel, extensionUri, result, undefined, log);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private result: TraceResult,
    ui: ViewState | undefined,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.built = panelPayload(result);
    this.lastUi = ui;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'diagram.css')).toString(),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      panel.onDidChangeViewState((event) => {
        if (event.webviewPanel.active) DiagramPanel.lastActive = this;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    DiagramPanel.panels.add(this);
    DiagramPanel.lastActive = this;
  }

  /**
   * A panel opened while a trace runs elsewhere (the parse worker), so that the webview loads
   * meanwhile (2–3 s on a loaded machine); it shows its loading text until `show`. The active
   * panel when there is one (it keeps what it shows until then); `created` says it is new.
   */
  static openPending(
    extensionUri: vscode.Uri,
    log?: vscode.LogOutputChannel,
  ): { panel: DiagramPanel; created: boolean } {
    const active = DiagramPanel.active;
    if (active) return { panel: active, created: false };
    const panel = DiagramPanel.create(extensionUri, { flows: [], unresolved: [] }, log);
    panel.pending = true;
    return { panel, created: true };
  }

  get trace(): TraceResult {
    return this.result;
  }

  /** The flow and phase the user is looking at (what the export commands export). */
  get view(): { flow: number; phase?: number } {
    const ui = this.lastUi;
    return { flow: ui?.flow ?? 0, phase: ui && ui.phase > 0 ? ui.phase - 1 : undefined };
  }

  /** Replaces what the panel shows and brings it to front. */
  show(result: TraceResult): void {
    this.pending = false;
    this.result = result;
    this.built = panelPayload(result);
    this.lastUi = undefined;
    this.panel.title = titleOf(result);
    this.panel.reveal(undefined, false);
    if (this.ready) this.post(this.showMessage());
  }

  /**
   * Shows a trace's payload made elsewhere (the parse worker's) before its result is read, and brings
   * the panel to front; `settle` then gives it the result (what the export commands read).
   * `completes`: the payload of every flow after one of its first flow (see DiagramPayload.more).
   */
  showEncoded(
    payload: EncodedPayload,
    title: { first?: string; flows: number },
    options: { completes?: boolean } = {},
  ): void {
    this.pending = false;
    this.built = payload;
    this.panel.title = titleFrom(title.first, title.flows);
    // the payload of every flow after the first's: the user may look at that one already
    if (!options.completes) {
      this.lastUi = undefined;
      this.panel.reveal(undefined, false);
    }
    if (this.ready) this.post({ ...this.showMessage(), ...(options.completes ? { completes: true } : {}) });
  }

  /** The result of the payload `showEncoded` showed, once read. */
  settle(result: TraceResult): void {
    this.result = result;
  }

  /**
   * Redraws with a newer result of the same trace, in place: no reveal, no focus change, and
   * the flow/phase the user picked kept (a watch update must not pull the panel forward).
   */
  update(result: TraceResult): void {
    this.result = result;
    this.built = panelPayload(result);
    this.panel.title = titleOf(result);
    if (this.ready) this.post(this.showMessage());
  }

  /** Asks the webview for the SVG it drew (undefined when it has none, e.g. no flow). */
  requestSvg(timeoutMs = 10_000): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (svg: string | undefined) => {
        clearTimeout(timer);
        this.svgWaiter = undefined;
        resolve(svg);
      };
      this.svgWaiter = finish;
      this.post({ type: 'requestSvg' });
    });
  }

  private showMessage(): HostToWebview {
    const built = this.built;
    if ('encoded' in built)
      return { type: 'showEncoded', bytes: built.encoded, ...(this.lastUi ? { ui: this.lastUi } : {}) };
    const state: PersistedState = { ...showContent(this.result, built).state, ui: this.lastUi };
    return { type: 'show', payload: built.payload, state };
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isWebviewToHost(raw)) {
      this.log?.warn(`diagram: ignored malformed message from the webview`);
      return;
    }
    const received: WebviewToHost = raw;
    try {
      switch (received.type) {
        case 'ready':
          this.ready = true;
          if (!this.pending) this.post(this.showMessage());
          return;
        case 'openEvidence': {
          const evidence = this.built.evidence[received.id];
          if (!evidence) return;
          await openEvidence(evidence, this.extensionUri, columnBeside(this.panel));
          return;
        }
        case 'export':
          if (received.format === 'mermaid') await copyMermaid(this.result, received.flow, received.phase);
          else if (received.format === 'markdown') await saveMarkdown(this.result, received.flow);
          else if (this.svgWaiter) this.svgWaiter(received.svg);
          else if (received.svg) await saveSvg(this.result, received.flow, received.svg);
          return;
        case 'viewChanged':
          this.lastUi = received.ui;
          return;
        case 'rendered':
          this.log?.info(`diagram: ${received.steps} steps drawn in ${Math.round(received.ms)} ms`);
          return;
        case 'error':
          this.log?.warn(`diagram: the webview could not draw: ${received.message}`);
          return;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log?.error(`diagram: ${received.type} failed: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Kube Packet Path: {0}', message));
    }
  }

  dispose(): void {
    DiagramPanel.panels.delete(this);
    if (DiagramPanel.lastActive === this) DiagramPanel.lastActive = [...DiagramPanel.panels].pop();
    this.svgWaiter?.(undefined);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function titleOf(result: TraceResult): string {
  return titleFrom(result.flows[0]?.title, result.flows.length);
}

/** The panel's title for `flows` flows, the first titled `first`. */
function titleFrom(first: string | undefined, flows: number): string {
  if (!first) return vscode.l10n.t('Packet path: nothing traced');
  return flows > 1
    ? vscode.l10n.t('Packet path: {0} (+{1})', first, flows - 1)
    : vscode.l10n.t('Packet path: {0}', first);
}
