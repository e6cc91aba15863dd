import { scalarText } from './evidence';

/**
 * Field-wise merge of two partial views of the same object. Values that agree, or
 * that only one side knows, are combined; values that disagree are kept as they
 * were first seen and reported, never silently overwritten.
 */

export interface FieldDisagreement {
  /** Path such as `clusterIP`, `labels.app`, `ports[80/TCP].targetPort`. */
  field: string;
  kept: unknown;
  other: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Items keyed by port/protocol (Service and endpoint ports) merge item by item. */
function portKey(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const port = item.port ?? item.containerPort;
  if (typeof port !== 'number') return undefined;
  return `${port}/${scalarText(item.protocol, 'TCP')}`;
}

function mergeArrays(path: string, a: unknown[], b: unknown[], out: FieldDisagreement[]): unknown[] {
  if (a.length === 0) return b;
  if (b.length === 0 || same(a, b)) return a;
  if (a.every((x) => typeof x !== 'object') && b.every((x) => typeof x !== 'object')) {
    return [...new Set([...a, ...b])];
  }
  const keysA = a.map(portKey);
  const keysB = b.map(portKey);
  if (keysA.every(Boolean) && keysB.every(Boolean)) {
    const result = [...a];
    b.forEach((item, i) => {
      const at = keysA.indexOf(keysB[i]);
      if (at < 0) result.push(item);
      else result[at] = mergeValue(`${path}[${keysB[i]}]`, result[at], item, out);
    });
    return result;
  }
  out.push({ field: path, kept: a, other: b });
  return a;
}

export function mergeValue(path: string, a: unknown, b: unknown, out: FieldDisagreement[]): unknown {
  if (b === undefined) return a;
  if (a === undefined) return b;
  if (Array.isArray(a) && Array.isArray(b)) return mergeArrays(path, a, b, out);
  if (isPlainObject(a) && isPlainObject(b)) {
    const result: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      result[k] = mergeValue(path ? `${path}.${k}` : k, a[k], v, out);
    }
    return result;
  }
  if (!same(a, b)) out.push({ field: path, kept: a, other: b });
  return a;
}
