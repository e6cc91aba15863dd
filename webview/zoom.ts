// Zoom bounds and the "fit to width" factor.

export const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;

export function clampZoom(z: number): number {
  if (!Number.isFinite(z) || z <= 0) return 1;
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** The zoom at which the diagram's natural width fills the container (minus its padding). */
export function fitZoom(drawn: { width: number } | undefined, container: HTMLElement): number {
  if (!drawn || drawn.width <= 0) return 1;
  const style = getComputedStyle(container);
  const inner = container.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
  return clampZoom(inner > 0 ? inner / drawn.width : 1);
}
