import {
  LineCounter,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Node as YamlNode,
} from 'yaml';
import type { Unparsed } from '../../model';
import { joinPath } from './fieldPaths';
import { readJsonObjects } from './jsonDocuments';
import { MAX_YAML_DEPTH, yamlTooDeep } from './yamlDepth';

/**
 * Reads multi-document YAML (and JSON, which is YAML) with the `yaml` package and keeps
 * where every object and field sits, so facts, CodeLens and diagnostics can point at lines.
 * Documents with syntax errors are reported and skipped; the others are kept.
 */

export interface TextSpan {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine: number;
  endColumn: number;
}

export interface FieldSpan {
  /** Where the key is (`targetPort:`). */
  key: TextSpan;
  /** Where its value is. */
  value?: TextSpan;
  /** The scalar value as written, for scalars. */
  text?: string;
}

/** One Kubernetes object found in the text (a document, or an item of a `List`). */
export interface ManifestObjectInfo {
  kind?: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  /** 0-based index of the YAML document. */
  document: number;
  /** Index within `items` when the object came from a List. */
  itemIndex?: number;
  span: TextSpan;
  /**
   * Position of every field by path: `kind`, `metadata.name`, `spec.ports[0].targetPort`,
   * `metadata.labels["app.kubernetes.io/name"]`. `metadata.managedFields` is left out.
   */
  fields: Map<string, FieldSpan>;
  /** The plain JavaScript value of the object. */
  value: Record<string, unknown>;
  /** Line (1-based) where `needle` first occurs inside the value at `path` (e.g. a Corefile line), if found. */
  lineOfText(path: string, needle: string): number | undefined;
}

export interface ManifestReadResult {
  objects: ManifestObjectInfo[];
  /** Broken documents and values that are not objects. */
  problems: Unparsed[];
  documents: number;
}

const MAX_FIELDS_PER_OBJECT = 5000;

function spanOf(lc: LineCounter, start: number, end: number, firstLine: number): TextSpan {
  const from = lc.linePos(start);
  const to = lc.linePos(Math.max(start, end - 1));
  return { line: from.line + firstLine - 1, column: from.col, endLine: to.line + firstLine - 1, endColumn: to.col + 1 };
}

/** Walks a node and records every key's position (iteratively: deep input must not overflow the stack). */
function indexFields(root: YamlNode, lc: LineCounter, firstLine: number): Map<string, FieldSpan> {
  const out = new Map<string, FieldSpan>();
  const stack: { node: unknown; path: string }[] = [{ node: root, path: '' }];
  while (stack.length > 0 && out.size < MAX_FIELDS_PER_OBJECT) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const childPath = joinPath(path, key);
        if (childPath === 'metadata.managedFields') continue;
        const kr = pair.key.range;
        if (!kr) continue;
        const value = pair.value as YamlNode | null;
        const span: FieldSpan = { key: spanOf(lc, kr[0], kr[1], firstLine) };
        if (value && value.range) span.value = spanOf(lc, value.range[0], value.range[1], firstLine);
        if (isScalar(value)) span.text = String(value.value);
        out.set(childPath, span);
        if (value) stack.push({ node: value, path: childPath });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const childPath = `${path}[${i}]`;
        const child = item as YamlNode;
        if (child && child.range)
          out.set(childPath, {
            key: spanOf(lc, child.range[0], child.range[0] + 1, firstLine),
            value: spanOf(lc, child.range[0], child.range[1], firstLine),
            text: isScalar(child) ? String(child.value) : undefined,
          });
        stack.push({ node: item, path: childPath });
      });
    }
  }
  return out;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads every document; `firstLine` shifts line numbers when the text is a block inside a larger file. */
export function readManifestObjects(text: string, firstLine = 1): ManifestReadResult {
  // JSON (kubectl -o json) takes the fast path; invalid JSON falls through to YAML for its error positions.
  if (/^\s*[{[]/.test(text)) {
    const json = readJsonObjects(text, firstLine);
    if (json) return json;
  }
  return readYamlObjects(text, firstLine);
}

/** The YAML reader (also right for JSON, only slower). */
export function readYamlObjects(text: string, firstLine = 1): ManifestReadResult {
  const problems: Unparsed[] = [];
  const objects: ManifestObjectInfo[] = [];
  const lc = new LineCounter();
  const deep = yamlTooDeep(text);
  if (deep) {
    problems.push({
      line: deep.line + firstLine - 1,
      reason:
        `YAML nested ${deep.depth} levels deep here, over the limit of ${MAX_YAML_DEPTH}: not read (no ` +
        `Kubernetes object nests this deep)`,
    });
    return { objects, problems, documents: 0 };
  }
  let docs;
  try {
    // logLevel 'error': the library's warnings would go to process.emitWarning (stderr of the CLI,
    // the extension host's log); what matters of them is reported below, with its line
    docs = parseAllDocuments(text, {
      lineCounter: lc,
      prettyErrors: false,
      uniqueKeys: false,
      strict: false,
      logLevel: 'error',
    });
  } catch (e) {
    problems.push({ line: firstLine, reason: `YAML could not be read: ${(e as Error).message}` });
    return { objects, problems, documents: 0 };
  }
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, docIndex) => {
    const contents = doc.contents as YamlNode | null;
    const startOffset = contents?.range?.[0] ?? 0;
    if (doc.errors.length > 0) {
      for (const err of doc.errors.slice(0, 5)) {
        const pos = lc.linePos(err.pos[0]);
        problems.push({
          line: pos.line + firstLine - 1,
          reason: `YAML error in document ${docIndex + 1}: ${err.message.split('\n')[0]}`,
        });
      }
      return;
    }
    if (!contents) return; // empty document (`---` alone, comments only)
    // a key that is itself a map or a list (`{ a: b }: x`) has no place in a Kubernetes object:
    // it is read as its text, and said so
    visit(doc, {
      Pair(_, pair) {
        if (!isCollection(pair.key)) return;
        const at = pair.key.range?.[0] ?? startOffset;
        problems.push({
          line: lc.linePos(at).line + firstLine - 1,
          reason: `a key that is a ${isMap(pair.key) ? 'map' : 'list'} is read as its text`,
          text: text.slice(at, at + 80).split('\n')[0],
        });
      },
    });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      problems.push({
        line: lc.linePos(startOffset).line + firstLine - 1,
        reason: `YAML document ${docIndex + 1} could not be converted: ${(e as Error).message}`,
      });
      return;
    }
    if (!isRecord(value) || !isMap(contents)) {
      problems.push({
        line: lc.linePos(startOffset).line + firstLine - 1,
        reason: `document ${docIndex + 1} is not a mapping`,
        text: text.slice(startOffset, startOffset + 80).split('\n')[0],
      });
      return;
    }
    const makeInfo = (node: YamlNode, manifest: Record<string, unknown>, itemIndex?: number): ManifestObjectInfo => {
      const range = node.range ?? [0, 0, 0];
      const meta = isRecord(manifest.metadata) ? manifest.metadata : {};
      const fields = indexFields(node, lc, firstLine);
      return {
        kind: str(manifest.kind),
        apiVersion: str(manifest.apiVersion),
        name: str(meta.name),
        namespace: str(meta.namespace),
        document: docIndex,
        itemIndex,
        span: spanOf(lc, range[0], range[1], firstLine),
        fields,
        value: manifest,
        lineOfText(path: string, needle: string) {
          const fieldSpan = fields.get(path);
          const vnode = fieldSpan?.value;
          if (!vnode) return undefined;
          // Search the source text of the value, so block scalars and JSON strings both map to real lines.
          const startIdx = lineStartOffset(lc, vnode.line - firstLine + 1);
          const endIdx = lineStartOffset(lc, vnode.endLine - firstLine + 2) ?? text.length;
          if (startIdx === undefined) return undefined;
          const at = text.slice(startIdx, endIdx).indexOf(needle);
          return at < 0 ? undefined : lc.linePos(startIdx + at).line + firstLine - 1;
        },
      };
    };
    const items = value.items;
    const kind = str(value.kind);
    if (Array.isArray(items) && (kind === 'List' || (kind?.endsWith('List') ?? false))) {
      const seqPair = contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'items');
      const seq = seqPair?.value;
      if (isSeq(seq)) {
        seq.items.forEach((node, i) => {
          const iv: unknown = items[i];
          if (isRecord(iv) && isMap(node)) {
            // Items of typed lists (`PodList`) carry no kind of their own in API responses.
            const withKind = iv.kind === undefined && kind && kind !== 'List' ? { ...iv, kind: kind.slice(0, -4) } : iv;
            objects.push(makeInfo(node, withKind, i));
          } else {
            const line =
              node && (node as YamlNode).range
                ? lc.linePos((node as YamlNode).range![0]).line + firstLine - 1
                : firstLine;
            problems.push({ line, reason: `item ${i} of the List is not an object` });
          }
        });
      }
      return;
    }
    objects.push(makeInfo(contents, value));
  });
  return { objects, problems, documents: list.length };
}

function lineStartOffset(lc: LineCounter, line: number): number | undefined {
  if (line < 1) return undefined;
  return lc.lineStarts[line - 1];
}
