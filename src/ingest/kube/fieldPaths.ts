/**
 * Field paths as the position index names them: `spec.ports[0].targetPort`,
 * `metadata.labels["app.kubernetes.io/name"]`.
 */

function keySegment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : `[${JSON.stringify(key)}]`;
}

export function joinPath(base: string, key: string): string {
  const seg = keySegment(key);
  if (!base) return seg;
  return seg.startsWith('[') ? base + seg : `${base}.${seg}`;
}
