// Draws one DiagramView with the bundled Mermaid and makes its arrows clickable.
// Mermaid is imported on first use, so the panel's frame (toolbar, lists) appears
// before the ~1 MB of Mermaid has been parsed.
import type { DiagramView, StepView } from '../src/protocol/messages';
import type { MermaidTheme } from './theme';

type Mermaid = typeof import('mermaid').default;

let mermaidModule: Promise<Mermaid> | undefined;
let configuredKey = '';
let renderCount = 0;

async function mermaidFor(theme: MermaidTheme): Promise<Mermaid> {
  const mermaid = await (mermaidModule ??= import('mermaid').then((m) => m.default));
  if (theme.key !== configuredKey) {
    mermaid.initialize({
      startOnLoad: false,
      // strict: Mermaid sanitises labels with DOMPurify and disables click callbacks.
      securityLevel: 'strict',
      theme: theme.theme,
      themeVariables: theme.themeVariables,
      maxTextSize: 1_000_000,
      sequence: { useMaxWidth: false, mirrorActors: false, wrap: false },
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
 * messages in source order (text, then line), one per step, so the n-th
 * `.messageText` and the n-th `.messageLine*` belong to `view.messageSteps[n]`.
 */
function linkMessages(svg: SVGSVGElement, view: DiagramView, steps: StepView[]): number {
  const texts = [...svg.querySelectorAll<SVGTextElement>('.messageText')];
  const lines = [...svg.querySelectorAll<SVGGeometryElement>('.messageLine0, .messageLine1')];
  if (texts.length !== view.messageSteps.length || lines.length !== view.messageSteps.length) return 0;
  view.messageSteps.forEach((stepIndex, n) => {
    const step = steps[stepIndex];
    const status = step?.status ?? 'observed';
    for (const el of [texts[n], lines[n]]) {
      el.dataset.step = String(stepIndex);
      el.classList.add('kpp-step', `kpp-${status}`);
    }
    const hit = lines[n].cloneNode(false) as SVGGeometryElement;
    hit.removeAttribute('marker-end');
    hit.removeAttribute('marker-start');
    hit.removeAttribute('style');
    hit.setAttribute('class', 'kpp-hit');
    hit.dataset.step = String(stepIndex);
    lines[n].after(hit);
    const label = texts[n];
    label.setAttribute('tabindex', '0');
    label.setAttribute('role', 'button');
    const title = document.createElementNS(SVG_NS, 'title');
    title.textContent = step ? `${stepIndex + 1}. ${step.status}: ${step.from} → ${step.to}` : `step ${stepIndex + 1}`;
    label.appendChild(title);
  });
  return view.messageSteps.length;
}

/** Renders `view` into `host` (replacing its content). Throws Mermaid's error when the source does not parse. */
export async function drawDiagram(host: HTMLElement, view: DiagramView, steps: StepView[], theme: MermaidTheme): Promise<Drawn> {
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
