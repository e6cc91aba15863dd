// Diagram panel: receives a DiagramPayload from the extension host, draws it with
// the bundled Mermaid (nothing is fetched from the network), lists steps with their
// evidence, and asks the host to open a proof when an arrow or entry is clicked.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import {
  decodedShow,
  isHostToWebview,
  STATUS_MEANING,
  type DiagramPayload,
  type ExportFormat,
  type FlowView,
  type PersistedState,
  type ShowContent,
  type ViewState,
} from '../src/protocol/messages';
import { drawDiagram, warmUpMermaid, type Drawn } from './diagram';
import { byId, h } from './dom';
import { problemView, sidePanel } from './lists';
import { mermaidTheme, themeKind, watchTheme } from './theme';
import { post, vscode } from './vscodeApi';
import { clampZoom, readableFitZoom, ZOOM_STEP } from './zoom';

let payload: DiagramPayload | undefined;
let persisted: PersistedState | undefined;
let ui: ViewState = { flow: 0, phase: 0, zoom: 0 };
let drawn: Drawn | undefined;
let generation = 0;
let themeKey = '';

const app = byId('app');

function currentFlow(): FlowView | undefined {
  return payload?.flows[ui.flow];
}

function saveState(): void {
  if (!persisted) return;
  vscode.setState({ ...persisted, ui: { ...ui } });
  post({ type: 'viewChanged', ui: { ...ui } });
}

function setAppState(state: 'loading' | 'rendered' | 'error' | 'problem', ms?: number): void {
  app.dataset.state = state;
  if (ms !== undefined) app.dataset.renderMs = ms.toFixed(1);
}

/** Marks when a stage of the last show happened (epoch ms: the benchmark compares it with the host's clock). */
function stamp(stage: 'received' | 'read' | 'drawn' | 'complete'): void {
  app.dataset[`${stage}At`] = String(Math.round(performance.timeOrigin + performance.now()));
}

/** A secondary toolbar button (every button of the toolbar is one). */
function button(id: string, label: string, title: string, onClick: () => void): HTMLElement {
  const vscodeButton = h('vscode-button', { id, title, 'aria-label': title, secondary: true }, label);
  vscodeButton.addEventListener('click', onClick);
  return vscodeButton;
}

function exportAs(format: ExportFormat): void {
  const phase = ui.phase === 0 ? undefined : ui.phase - 1;
  if (format !== 'svg') return post({ type: 'export', format, flow: ui.flow, phase });
  const svg = svgForExport();
  if (svg) post({ type: 'export', format, flow: ui.flow, phase, svg });
}

/** The drawn SVG without the panel's click helpers, as a standalone file. */
function svgForExport(): string | undefined {
  if (!drawn) return undefined;
  const copy = drawn.svg.cloneNode(true) as SVGSVGElement;
  copy.querySelectorAll('.kpp-hit').forEach((el) => el.remove());
  copy.querySelectorAll('[data-step]').forEach((el) => {
    el.removeAttribute('data-step');
    el.removeAttribute('tabindex');
    el.removeAttribute('role');
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(drawn.width));
  copy.setAttribute('height', String(drawn.height));
  copy.removeAttribute('style');
  return new XMLSerializer().serializeToString(copy);
}

function toolbar(diagramPayload: DiagramPayload): HTMLElement {
  const flowPicker =
    diagramPayload.flows.length > 1
      ? (() => {
          const select = h(
            'vscode-single-select',
            { id: 'flow-picker', 'aria-label': 'Flow' },
            ...diagramPayload.flows.map((flow, i) =>
              h(
                'vscode-option',
                { value: String(i), selected: i === ui.flow },
                flow.pickerLabel ?? `${i + 1}. ${flow.title}`,
              ),
            ),
          );
          select.addEventListener('change', () => {
            ui = { flow: Number((select as unknown as { value: string }).value), phase: 0, zoom: 0 };
            showFlow();
          });
          return select;
        })()
      : undefined;
  return h(
    'header',
    { class: 'bar', role: 'toolbar', 'aria-label': 'Diagram' },
    h('h1', { id: 'title' }, diagramPayload.title),
    flowPicker,
    h('span', { class: 'spacer' }),
    h(
      'span',
      { class: 'group', id: 'zoom-group' },
      button('zoom-out', '−', 'Zoom out', () => setZoom(ui.zoom / ZOOM_STEP)),
      h('span', { id: 'zoom-level', class: 'zoom-level', 'aria-live': 'polite' }, '100%'),
      button('zoom-in', '+', 'Zoom in', () => setZoom(ui.zoom * ZOOM_STEP)),
      button('zoom-fit', 'Fit', 'Fit to width (never below readable text: wider diagrams scroll)', () =>
        setZoom(readableFitZoom(drawn, byId('diagram'))),
      ),
    ),
    h(
      'span',
      { class: 'group' },
      button('export-mermaid', 'Copy Mermaid', 'Copy the Mermaid source to the clipboard', () => exportAs('mermaid')),
      button('export-markdown', 'Save Markdown', 'Save this flow as Markdown', () => exportAs('markdown')),
      button('export-svg', 'Save SVG', 'Save the diagram as SVG', () => exportAs('svg')),
    ),
  );
}

function phaseTabs(flow: FlowView): HTMLElement | undefined {
  if (flow.phases.length < 2) return undefined;
  const tabs = h(
    'vscode-tabs',
    { id: 'phase-tabs', 'selected-index': String(ui.phase), 'aria-label': 'Phases' },
    h('vscode-tab-header', { slot: 'header' }, 'All phases'),
    ...flow.phases.map((name, i) => h('vscode-tab-header', { slot: 'header' }, `${i + 1} · ${name}`)),
  );
  tabs.addEventListener('vsc-tabs-select', (event) => {
    const index = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    if (index === ui.phase) return;
    ui = { ...ui, phase: index, zoom: 0 };
    void drawCurrent();
  });
  return tabs;
}

const legend = () =>
  h(
    'div',
    { class: 'legend', 'aria-label': 'Legend' },
    h('span', { class: 'kpp-observed', title: STATUS_MEANING.observed }, '── observed'),
    h('span', { class: 'kpp-configured', title: STATUS_MEANING.configured }, '- - configured'),
    h('span', { class: 'kpp-predicted', title: STATUS_MEANING.predicted }, '- -) predicted'),
    h('span', { class: 'kpp-missing', title: STATUS_MEANING.missing }, '- -x missing'),
    h('span', { class: 'kpp-contradicted', title: STATUS_MEANING.contradicted }, '─x contradicted'),
  );

/** Builds the whole panel for the current flow, then draws its diagram. */
function showFlow(): void {
  if (!payload) return;
  const flow = currentFlow();
  app.replaceChildren(toolbar(payload));
  if (!flow) {
    app.append(problemView(payload));
    setAppState('problem');
    for (const id of ['zoom-group', 'export-mermaid', 'export-svg']) byId(id).setAttribute('hidden', '');
    return;
  }
  const tabs = phaseTabs(flow);
  app.append(
    ...(tabs ? [tabs] : []),
    legend(),
    h(
      'main',
      { class: 'layout' },
      h('section', { id: 'diagram', class: 'diagram', 'aria-label': 'Sequence diagram' }),
      h('aside', { id: 'side', class: 'side' }),
    ),
  );
  void drawCurrent();
}

async function drawCurrent(): Promise<void> {
  const flow = currentFlow();
  if (!flow) return;
  const started = performance.now();
  const mine = ++generation;
  const phase = ui.phase === 0 ? undefined : ui.phase - 1;
  const view = flow.diagrams[ui.phase] ?? flow.diagrams[0];
  byId('side').replaceChildren(sidePanel(flow, phase, payload?.unresolved ?? []));
  const host = byId('diagram');
  setAppState('loading');
  host.setAttribute('aria-busy', 'true');
  try {
    const theme = mermaidTheme();
    themeKey = theme.key;
    app.dataset.theme = themeKind();
    const result = await drawDiagram(host, view, flow.steps, theme);
    if (mine !== generation) return;
    drawn = result;
    // First view: the whole width if its text stays readable, else the readable minimum and scroll.
    setZoom(ui.zoom > 0 ? ui.zoom : Math.min(1, readableFitZoom(result, host)), false);
    requestAnimationFrame(() => {
      if (mine !== generation) return;
      const ms = performance.now() - started;
      stamp('drawn');
      setAppState('rendered', ms);
      post({ type: 'rendered', ms, steps: view.messageSteps.length });
      // saved once drawn: the state holds the whole trace (1 MB of JSON for 20 flows of a large capture)
      saveState();
    });
  } catch (e) {
    if (mine !== generation) return;
    drawn = undefined;
    const message = e instanceof Error ? e.message : String(e);
    host.replaceChildren(
      h(
        'div',
        { class: 'render-error', role: 'alert' },
        h('strong', {}, 'Mermaid could not draw this flow.'),
        h('pre', {}, message),
        h('p', {}, 'The steps and evidence are still listed beside it; "Copy Mermaid" gives the source.'),
      ),
    );
    setAppState('error');
    post({ type: 'error', message });
    saveState();
  } finally {
    host.removeAttribute('aria-busy');
  }
}

/** Zooms the drawing to `zoom`; `save`: keep the view in the panel's state (the draw saves it once drawn). */
function setZoom(zoom: number, save = true): void {
  ui.zoom = clampZoom(zoom);
  byId('zoom-level').textContent = `${Math.round(ui.zoom * 100)}%`;
  if (drawn) {
    drawn.svg.style.maxWidth = 'none';
    drawn.svg.style.width = `${drawn.width * ui.zoom}px`;
    drawn.svg.style.height = `${drawn.height * ui.zoom}px`;
  }
  if (save) saveState();
}

function selectStep(index: number, reveal: boolean): void {
  document.querySelectorAll('[data-step].selected').forEach((el) => el.classList.remove('selected'));
  document.querySelectorAll(`[data-step="${index}"]`).forEach((el) => el.classList.add('selected'));
  if (reveal) document.getElementById(`step-${index}`)?.scrollIntoView({ block: 'nearest' });
}

function openFirstEvidence(index: number): void {
  const ev = currentFlow()?.steps[index]?.evidence.find((evidence) => evidence.openable);
  if (ev) post({ type: 'openEvidence', id: ev.id });
}

/** One listener for the whole panel: arrows, step headers, evidence links. */
function onActivate(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  const ev = target.closest<HTMLElement>('[data-ev]');
  if (ev) {
    post({ type: 'openEvidence', id: Number(ev.dataset.ev) });
    return true;
  }
  const head = target.closest<HTMLElement>('[data-select]');
  if (head) {
    selectStep(Number(head.dataset.select), false);
    document
      .querySelector(`#diagram [data-step="${head.dataset.select}"]`)
      ?.scrollIntoView({ block: 'center', inline: 'center' });
    return true;
  }
  const arrow = target.closest<SVGElement>('#diagram [data-step]');
  if (arrow) {
    const index = Number(arrow.dataset.step);
    selectStep(index, true);
    openFirstEvidence(index);
    return true;
  }
  return false;
}

app.addEventListener('click', (pointerEvent) => onActivate(pointerEvent.target));
app.addEventListener('keydown', (keyboardEvent) => {
  if (
    (keyboardEvent.key === 'Enter' || keyboardEvent.key === ' ') &&
    keyboardEvent.target instanceof SVGElement &&
    onActivate(keyboardEvent.target)
  )
    keyboardEvent.preventDefault();
});

/**
 * Takes the payload of every flow that follows the first flow's (see DiagramPayload.more) without
 * drawing that flow again, when the user still looks at it as it was sent: the toolbar (the flow
 * picker) and the side lists (the trace's notes) are made again. False when it must be shown anew.
 */
function completeShown(show: ShowContent): boolean {
  const saved = show.state.ui;
  const first = show.payload.flows[0];
  if (!first || ui.flow !== 0 || (saved && (saved.flow !== 0 || saved.phase !== ui.phase))) return false;
  payload = show.payload;
  persisted = show.state;
  app.querySelector('header.bar')?.replaceWith(toolbar(payload));
  byId('zoom-level').textContent = `${Math.round(ui.zoom * 100)}%`;
  const side = document.getElementById('side');
  side?.replaceChildren(sidePanel(first, ui.phase === 0 ? undefined : ui.phase - 1, payload.unresolved));
  // drawn already: keep the state of every flow (else the draw under way saves it)
  if (app.dataset.state === 'rendered' || app.dataset.state === 'error') saveState();
  return true;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebview(message)) return;
  if (message.type === 'clear') {
    payload = undefined;
    app.replaceChildren(h('p', { class: 'cleared' }, message.reason));
    return;
  }
  if (message.type === 'requestSvg') {
    // Always answer, even with nothing drawn, so the host's save command does not wait.
    post({ type: 'export', format: 'svg', flow: ui.flow, svg: svgForExport() });
    return;
  }
  // the payload of every flow after one of the first flow only (see DiagramPayload.more)
  const completes = message.type === 'showEncoded' && message.completes === true && payload?.more !== undefined;
  if (!completes) stamp('received');
  const show = message.type === 'showEncoded' ? decodedShow(message.bytes, message.ui) : message;
  if (!completes) stamp('read');
  if (!show) {
    post({ type: 'error', message: 'the diagram sent was not readable' });
    return;
  }
  if (show.payload.more === undefined) stamp('complete');
  if (completes && completeShown(show)) return;
  payload = show.payload;
  persisted = show.state;
  const saved = show.state.ui;
  const flow = payload.flows[saved?.flow ?? 0];
  ui = saved && flow && saved.phase < flow.diagrams.length ? { ...saved } : { flow: 0, phase: 0, zoom: 0 };
  // a flow to draw saves the state once drawn (its JSON would delay the draw)
  if (!currentFlow()) saveState();
  showFlow();
});

watchTheme(() => {
  if (drawn && mermaidTheme().key !== themeKey) void drawCurrent();
});

post({ type: 'ready' });
// the flows may come much later (the panel opens while its trace runs): ready Mermaid meanwhile
warmUpMermaid(mermaidTheme());
