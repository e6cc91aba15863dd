import { readFileSync } from 'node:fs';
import type { Fact, FactOf, FactKind, NatRule } from '../../../../src/model';

export const FIXTURES = 'test/fixtures/netfilter';

export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}/${name}`, 'utf8');
}

export function ofKind<K extends FactKind>(facts: readonly Fact[], kind: K): FactOf<K>[] {
  return facts.filter((f): f is FactOf<K> => f.kind === kind);
}

/** The fields that must agree whichever printout (or prediction) a rule came from. */
export function ruleKey(r: NatRule): string {
  return JSON.stringify([
    r.table,
    r.chain,
    r.position,
    r.target,
    r.protocol ?? null,
    r.source ?? null,
    r.destination ?? null,
    r.dport ?? null,
    r.comment ?? null,
    r.probability ?? null,
    r.mark ?? null,
    r.recent ?? null,
    r.dnatTo ?? null,
    r.kubeProxy ?? null,
  ]);
}
