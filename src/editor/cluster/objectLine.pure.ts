import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, stringify } from 'yaml';
import { parseClusterUri } from '../../cluster/convert/evidence';
import type { Evidence, Fact } from '../../model';

/**
 * Where a `cluster://` object's document opens (no `vscode`): the line of the evidence's excerpt
 * (a Corefile line), else the line of the field that proves the hop (`endpoints[0].addresses[0]`),
 * else the object's name.
 */

type Segment = string | number;

/** Facts as the object's document shows them: YAML documents, without the evidence bookkeeping. */
export function factsYaml(facts: readonly Fact[]): string {
  return facts
    .map((fact) => stringify(fact, (key, value: unknown) => (key === 'evidence' ? undefined : value), { lineWidth: 0 }))
    .join('---\n');
}

/** `endpoints[1].addresses[0]` → ['endpoints', 1, 'addresses', 0]; undefined when it is not such a path. */
export function fieldSegments(field: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let rest = 0;
  for (const match of field.matchAll(/\.?(?<key>[A-Za-z_$][\w$-]*)|\[(?<index>\d+)\]/g)) {
    if (match.index !== rest) return undefined;
    rest = match.index + match[0].length;
    const { key, index } = match.groups ?? {};
    segments.push(index !== undefined ? Number(index) : key);
  }
  return segments.length && rest === field.length ? segments : undefined;
}

/** Offset of the field in one YAML document: its key for a map entry, its dash line for a list item. */
function fieldOffset(contents: unknown, segments: readonly Segment[]): number | undefined {
  let node = contents;
  let offset: number | undefined;
  for (const segment of segments) {
    if (isMap(node) && typeof segment === 'string') {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (!pair || !isScalar(pair.key)) return undefined;
      offset = pair.key.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!isMap(item) && !isSeq(item) && !isScalar(item)) return undefined;
      offset = item.range?.[0];
      node = item;
    } else return undefined;
  }
  return offset;
}

/** 0-based line of `field` in the first of the text's YAML documents that has it; undefined when none has. */
export function fieldLine(text: string, field: string): number | undefined {
  const segments = fieldSegments(field);
  if (!segments) return undefined;
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if (!('contents' in doc)) continue;
    const offset = fieldOffset(doc.contents, segments);
    if (offset !== undefined) return lineCounter.linePos(offset).line - 1;
  }
  return undefined;
}

/** 0-based line of the evidence's excerpt in the document, else of its field, else of the object's name, else 0. */
export function clusterEvidenceLine(text: string, evidence: Pick<Evidence, 'uri' | 'excerpt' | 'field'>): number {
  const lines = text.split('\n');
  const excerpt = evidence.excerpt?.replace(/\s*(…|\.\.\.)$/, '').trim();
  const byExcerpt = excerpt ? lines.findIndex((line) => !line.startsWith('#') && line.includes(excerpt)) : -1;
  if (byExcerpt >= 0) return byExcerpt;
  const byField = evidence.field ? fieldLine(text, evidence.field) : undefined;
  if (byField !== undefined) return byField;
  const name = parseClusterUri(evidence.uri)?.name;
  const byName = name ? lines.findIndex((line) => /^name: /.test(line) && line.includes(name)) : -1;
  return Math.max(0, byName);
}
