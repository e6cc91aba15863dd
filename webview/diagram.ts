// Draws one DiagramView with the bundled Mermaid and makes its arrows clickable.
// Mermaid is imported on first use, so the panel's frame (toolbar, lists) appears
// before the ~1 MB of Mermaid has been parsed.
import type { DiagramView, StepView } from '../src/protocol/messages';
import type { MermaidTheme } from './theme';
import { SMALLEST_FONT_PX } from './zoom';

type Mermaid = typeof import('mermaid').default;

let mermaidModule: Promise<Mermaid> | undefined;
let configuredKey = '';
let renderCount = 0;
/** Whether a flow has been drawn or asked to be (the warm-up then has nothing left to do). */
let drawAsked = false;

const loadMermaid = (): Promise<Mermaid> => (mermaidModule ??= import('mermaid').then((loaded) => loaded.default));

/** A sequence diagram of two actors and one message: what warmUpMermaid draws off screen. */
const WARM_UP_SOURCE =
  'sequenceDiagram\n  participant a as a\n  participant b as b\n  a->>b: warm up\n  Note over b: warm up';

/**
 * Loads Mermaid and draws a small sequence diagram off screen (nothing is shown), without waiting
 * for a flow: the panel opens while a trace still runs (in the parse worker), and Mermaid's parse
 * (about 0.3 s), the sequence diagram's own chunk and the first draw's compiling (a first flow of
 * 10 steps took 268 ms in headless Chromium against 60 ms for the next one) are better spent then
 * than after the flows arrive. Mermaid draws one diagram at a time: a flow that arrives while
 * the warm-up draws waits for it (tens of milliseconds); one asked for before is drawn instead.
 */
export function warmUpMermaid(theme: MermaidTheme): void {
  // a failed load or draw is reported by the draw that needs it
  mermaidFor(theme)
    .then((mermaid) => (drawAsked ? undefined : mermaid.render('kpp-warm-up', WARM_UP_SOURCE)))
    .catch(() => undefined);
}

async function mermaidFor(theme: MermaidTheme): Promise<Mermaid> {
  const mermaid = await loadMermaid();
  if (theme.key !== configuredKey) {
    mermaid.initialize({
      startOnLoad: false,
      // strict: Mermaid sanitises labels with DOMPurify and disables click callbacks.
      securityLevel: 'strict',
      theme: theme.theme,
      themeVariables: theme.themeVariables,
      maxTextSize: 1_000_000,
      // A parse error is shown by the panel with Mermaid's message, not as Mermaid's error picture.
      suppressErrorRendering: true,
      // wrap stays off: Mermaid's wrapping splits entity codes; src/render breaks long lines itself.
      sequence: {
        useMaxWidth: false,
        mirrorActors: false,
        wrap: false,
        width: 130,
        actorMargin: 30,
        boxMargin: 8,
        noteMargin: 8,
        messageFontSize: 13,
        noteFontSize: SMALLEST_FONT_PX,
        actorFontSize: 13,
      },
    });
    configuredKey = theme.key;
  }
  return mermaid;
}

export interface Drawn {
  svg: SVGSVGElement;
  width: number;
  height: number;
  /** Number of arrows that could be tied to steps (equal to the view's step count when all went well). */
  linked: number;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Marks each rendered message with `data-step` and a status class, and lays a wide
 * transparent copy over each arrow so a thin line is easy to hit. Mermaid draws
 * messages in source order, each as its text lines (one `.messageText` per line)
 * followed by its line, one message per step; so walking those elements in
 * document order, the n-th line closes message n, which is step `messageSteps[n]`.
 */
function linkMessages(svg: SVGSVGElement, view: DiagramView, steps: StepView[]): number {
  const groups: { texts: SVGTextElement[]; line: SVGGeometryElement }[] = [];
  let texts: SVGTextElement[] = [];
  for (const el of svg.querySelectorAll<SVGElement>('.messageText, .messageLine0, .messageLine1')) {
    if (el.classList.contains('messageText')) texts.push(el as SVGTextElement);
    else {
      groups.push({ texts, line: el as SVGGeometryElement });
      texts = [];
    }
  }
  if (groups.length !== view.messageSteps.length) return 0;
  view.messageSteps.forEach((stepIndex, n) => {
    const step = steps[stepIndex];
    const status = step?.status ?? 'observed';
    const { texts: labels, line } = groups[n];
    for (const el of [...labels, line]) {
      el.dataset.step = String(stepIndex);
      el.classList.add('kpp-step', `kpp-${status}`);
    }
    const hit = line.cloneNode(false) as SVGGeometryElement;
    hit.removeAttribute('marker-end');
    hit.removeAttribute('marker-start');
    hit.removeAttribute('style');
    hit.setAttribute('class', 'kpp-hit');
    hit.dataset.step = String(stepIndex);
    line.after(hit);
    const first = labels[0];
    if (first) {
      first.setAttribute('tabindex', '0');
      first.setAttribute('role', 'button');
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = step
        ? `${stepIndex + 1}. ${step.status}: ${step.from} → ${step.to}`
        : `step ${stepIndex + 1}`;
      first.appendChild(title);
    }
  });
  return view.messageSteps.length;
}

/** Renders `view` into `host` (replacing its content). Throws Mermaid's error when the source does not parse. */
export async function drawDiagram(
  host: HTMLElement,
  view: DiagramView,
  steps: StepView[],
  theme: MermaidTheme,
): Promise<Drawn> {
  drawAsked = true;
  const mermaid = await mermaidFor(theme);
  const { svg } = await mermaid.render(`kpp-diagram-${++renderCount}`, view.mermaid);
  // The only innerHTML in the webview: Mermaid's output, produced with securityLevel
  // 'strict' (labels escaped by src/render, then sanitised by Mermaid's DOMPurify).
  host.innerHTML = svg;
  const el = host.querySelector('svg');
  if (!el) throw new Error('Mermaid returned no SVG');
  const box = el.viewBox.baseVal;
  const width = box && box.width > 0 ? box.width : el.getBoundingClientRect().width;
  const height = box && box.height > 0 ? box.height : el.getBoundingClientRect().height;
  const linked = linkMessages(el, view, steps);
  return { svg: el, width, height, linked };
}
