/** Small readers for loosely typed JSON/YAML values (never throw, undefined when absent or wrong type). */
import type { Protocol } from '../../model';

export type Rec = Record<string, unknown>;

export function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rec(value: unknown): Rec {
  return isRec(value) ? value : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function int(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,10}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** A string→string map (labels, selector); undefined when absent. */
export function strMap(value: unknown): Record<string, string> | undefined {
  if (!isRec(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(value)) {
    const text = str(val);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

export function protocol(value: unknown): Protocol {
  const name = str(value)?.toUpperCase();
  return name === 'UDP' || name === 'SCTP' ? name : 'TCP';
}

/** Drops keys whose value is undefined, so facts compare cleanly. */
export function compact<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) if (record[key] === undefined) delete record[key];
  return record;
}
