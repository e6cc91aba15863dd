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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(left: unknown, right: unknown): boolean {
  return left === right || JSON.stringify(left) === JSON.stringify(right);
}

/** Items keyed by port/protocol (Service and endpoint ports) merge item by item. */
function portKey(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const port = item.port ?? item.containerPort;
  if (typeof port !== 'number') return undefined;
  return `${port}/${scalarText(item.protocol, 'TCP')}`;
}

function mergeArrays(path: string, left: unknown[], right: unknown[], out: FieldDisagreement[]): unknown[] {
  if (left.length === 0) return right;
  if (right.length === 0 || same(left, right)) return left;
  if (left.every((item) => typeof item !== 'object') && right.every((item) => typeof item !== 'object')) {
    return [...new Set([...left, ...right])];
  }
  const keysA = left.map(portKey);
  const keysB = right.map(portKey);
  if (keysA.every(Boolean) && keysB.every(Boolean)) {
    const result = [...left];
    right.forEach((item, i) => {
      const at = keysA.indexOf(keysB[i]);
      if (at < 0) result.push(item);
      else result[at] = mergeValue(`${path}[${keysB[i]}]`, result[at], item, out);
    });
    return result;
  }
  out.push({ field: path, kept: left, other: right });
  return left;
}

export function mergeValue(path: string, left: unknown, right: unknown, out: FieldDisagreement[]): unknown {
  if (right === undefined) return left;
  if (left === undefined) return right;
  if (Array.isArray(left) && Array.isArray(right)) return mergeArrays(path, left, right, out);
  if (isPlainObject(left) && isPlainObject(right)) {
    const result: Record<string, unknown> = { ...left };
    for (const [key, value] of Object.entries(right)) {
      result[key] = mergeValue(path ? `${path}.${key}` : key, left[key], value, out);
    }
    return result;
  }
  if (!same(left, right)) out.push({ field: path, kept: left, other: right });
  return left;
}
