// Zoom bounds and the "fit to width" factor.

export const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;

/** The smallest font the diagram is drawn with (Mermaid's noteFontSize in diagram.ts). */
export const SMALLEST_FONT_PX = 12;
/** Below this on screen, diagram text is not read but guessed: the panel scrolls instead. */
const MIN_TEXT_PX = 10;
/** The lowest zoom the first view and "Fit" use (the − button can still go lower). */
const MIN_READABLE_ZOOM = MIN_TEXT_PX / SMALLEST_FONT_PX;

export function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom) || zoom <= 0) return 1;
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** The zoom at which the diagram's natural width fills the container (minus its padding). */
function fitZoom(drawn: { width: number } | undefined, container: HTMLElement): number {
  if (!drawn || drawn.width <= 0) return 1;
  const style = getComputedStyle(container);
  const inner = container.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
  return clampZoom(inner > 0 ? inner / drawn.width : 1);
}

/** "Fit to width", but never so small that the text cannot be read: a wider diagram scrolls. */
export function readableFitZoom(drawn: { width: number } | undefined, container: HTMLElement): number {
  return Math.max(MIN_READABLE_ZOOM, fitZoom(drawn, container));
}
