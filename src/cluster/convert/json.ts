/** Total readers for untyped API JSON: never throw, `undefined` when absent or of the wrong type. */
import type { Protocol } from '../../model';

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A string→string map such as labels or a selector; undefined when absent or empty. */
export function strMap(v: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, val] of Object.entries(obj(v))) {
    if (typeof val === 'string') {
      out[k] = val;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The API defaults a missing protocol to TCP. */
export function protocol(v: unknown): Protocol {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

/** A list of strings, without empties; undefined when none. */
export function strList(v: unknown): string[] | undefined {
  const out = list(v).filter((x): x is string => typeof x === 'string' && x !== '');
  return out.length ? out : undefined;
}

/** Drops keys whose value is undefined, so merged facts do not carry noise. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
