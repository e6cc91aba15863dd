import type { FieldSpan, ManifestObjectInfo, ManifestReadResult, TextSpan } from './yamlDocuments';
import { joinPath } from './fieldPaths';
import { partitionPoint } from '../../model';

/**
 * Fast path for JSON (`kubectl get -o json`, which can be tens of MB): values from JSON.parse,
 * positions from one linear scan that only marks where each object (the root, or each item of
 * a List) starts and ends. Field positions are computed per object on first use.
 * Returns undefined when the text is not valid JSON (the YAML reader then reports where).
 */

const MAX_FIELDS_PER_OBJECT = 5000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Line and column of offsets in a text (lines counted from `firstLine`). */
export class TextPositions {
  private readonly starts: number[] = [0];
  constructor(
    text: string,
    private readonly firstLine: number,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  /** 1-based line and column of an offset. */
  pos(offset: number): { line: number; col: number } {
    // The last line starting at or before the offset (the first starts at 0).
    const line = Math.max(0, partitionPoint(this.starts.length, (index) => this.starts[index] <= offset) - 1);
    return { line: line + this.firstLine, col: offset - this.starts[line] + 1 };
  }
  /** Offset where a 1-based line (in the caller's numbering) starts. */
  offsetOf(line: number): number {
    return this.starts[Math.min(this.starts.length - 1, Math.max(0, line - this.firstLine))];
  }
  span(start: number, end: number): TextSpan {
    const from = this.pos(start);
    const to = this.pos(Math.max(start, end - 1));
    return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col + 1 };
  }
}

/** End offset (exclusive) of the string starting at `i` (a `"`). */
function stringEnd(text: string, start: number): number {
  let position = start + 1;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (code === 92)
      position += 2; // backslash escape
    else if (code === 34) return position + 1;
    else position++;
  }
  return text.length;
}

function scalarEnd(text: string, start: number): number {
  let position = start;
  while (position < text.length && !',}] \t\r\n'.includes(text[position])) position++;
  return position;
}

interface Frame {
  array: boolean;
  path: string;
  index: number;
  key?: string;
  keyStart?: number;
  keyEnd?: number;
  owner?: FieldSpan & { start: number };
  skip: boolean;
}

/** Positions of every field inside the JSON value spanning [start, end). */
function indexJsonFields(text: string, start: number, end: number, lines: TextPositions): Map<string, FieldSpan> {
  const out = new Map<string, FieldSpan>();
  const stack: Frame[] = [];
  const record = (
    top: Frame,
    vStart: number,
    vEnd: number | undefined,
    scalarText?: string,
  ): (FieldSpan & { start: number }) | undefined => {
    if (top.skip || out.size >= MAX_FIELDS_PER_OBJECT) return undefined;
    const path = top.array ? `${top.path}[${top.index}]` : joinPath(top.path, top.key ?? '');
    const keyStart = top.array ? vStart : top.keyStart!;
    const keyEnd = top.array ? vStart + 1 : top.keyEnd!;
    const field: FieldSpan & { start: number } = { key: lines.span(keyStart, keyEnd), start: vStart };
    if (vEnd !== undefined) field.value = lines.span(vStart, vEnd);
    if (scalarText !== undefined) field.text = scalarText;
    out.set(path, field);
    return field;
  };
  const childPath = (top: Frame) => (top.array ? `${top.path}[${top.index}]` : joinPath(top.path, top.key ?? ''));
  let position = start;
  let expectKey = false;
  while (position < end) {
    const char = text[position];
    if (char === ' ' || char === '\n' || char === '\r' || char === '\t' || char === ':') {
      position++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (char === '{' || char === '[') {
      let owner: (FieldSpan & { start: number }) | undefined;
      let path = '';
      let skip = false;
      if (top) {
        path = childPath(top);
        skip = top.skip || path === 'metadata.managedFields';
        if (!skip) owner = record(top, position, undefined);
      }
      stack.push({ array: char === '[', path, index: 0, owner, skip });
      expectKey = char === '{';
      position++;
      continue;
    }
    if (char === '}' || char === ']') {
      const frame = stack.pop();
      if (frame?.owner) frame.owner.value = lines.span(frame.owner.start, position + 1);
      expectKey = false;
      position++;
      continue;
    }
    if (char === ',') {
      if (top?.array) top.index++;
      expectKey = !!top && !top.array;
      position++;
      continue;
    }
    if (char === '"') {
      const close = stringEnd(text, position);
      if (top && !top.array && expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(position, close)) as string;
        } catch {
          key = text.slice(position + 1, close - 1);
        }
        top.key = key;
        top.keyStart = position;
        top.keyEnd = close;
        expectKey = false;
      } else if (top) {
        let value: string;
        try {
          value = String(JSON.parse(text.slice(position, close)));
        } catch {
          value = text.slice(position + 1, close - 1);
        }
        record(top, position, close, value);
      }
      position = close;
      continue;
    }
    const scalarStop = Math.max(position + 1, scalarEnd(text, position));
    if (top) record(top, position, scalarStop, text.slice(position, scalarStop));
    position = scalarStop;
  }
  return out;
}

/** Start/end offsets of the top-level value and of each element of its `items` array (or of a top-level array). */
export function objectSpans(text: string): { root?: [number, number]; items: [number, number][] } {
  const items: [number, number][] = [];
  let root: [number, number] | undefined;
  let depth = 0;
  let rootIsArray = false;
  let itemsDepth = -1; // depth of the `items` array's elements
  let pendingKey: string | undefined;
  let elemStart = -1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const close = stringEnd(text, i);
      if (depth === 1 && !rootIsArray) pendingKey = text.slice(i + 1, close - 1);
      i = close - 1;
      continue;
    }
    if (char === '{' || char === '[') {
      if (depth === 0) {
        root = [i, text.length];
        rootIsArray = char === '[';
        if (rootIsArray) itemsDepth = 1;
      } else if (depth === 1 && char === '[' && pendingKey === 'items' && !rootIsArray) itemsDepth = 2;
      else if (depth === itemsDepth && char === '{') elemStart = i;
      depth++;
      continue;
    }
    if (char === '}' || char === ']') {
      depth--;
      if (depth === itemsDepth && elemStart >= 0 && char === '}') {
        items.push([elemStart, i + 1]);
        elemStart = -1;
      }
      if (depth === 0 && root) root[1] = i + 1;
      if (depth === 1 && itemsDepth === 2 && char === ']') itemsDepth = -1;
      continue;
    }
    if (char === ',' && depth === 1) pendingKey = undefined;
  }
  return { root, items };
}

export function readJsonObjects(text: string, firstLine = 1): ManifestReadResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const lines = new TextPositions(text, firstLine);
  const spans = objectSpans(text);
  const objects: ManifestObjectInfo[] = [];
  const problems: ManifestReadResult['problems'] = [];
  const make = (manifest: Record<string, unknown>, span: [number, number], itemIndex?: number): ManifestObjectInfo => {
    const meta = isRecord(manifest.metadata) ? manifest.metadata : {};
    let fields: Map<string, FieldSpan> | undefined;
    const info: ManifestObjectInfo = {
      kind: typeof manifest.kind === 'string' ? manifest.kind : undefined,
      apiVersion: typeof manifest.apiVersion === 'string' ? manifest.apiVersion : undefined,
      name: typeof meta.name === 'string' ? meta.name : undefined,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
      document: 0,
      itemIndex,
      span: lines.span(span[0], span[1]),
      value: manifest,
      get fields() {
        return (fields ??= indexJsonFields(text, span[0], span[1], lines));
      },
      lineOfText(path: string, needle: string) {
        const fieldSpan = info.fields.get(path);
        if (!fieldSpan?.value) return undefined;
        // Value spans are line-based here; search the raw text between its first and last line.
        const from = text.indexOf(needle, lines.offsetOf(fieldSpan.value.line));
        return from < 0 || lines.pos(from).line > fieldSpan.value.endLine ? undefined : lines.pos(from).line;
      },
    };
    return info;
  };
  if (isRecord(value)) {
    const kind = typeof value.kind === 'string' ? value.kind : undefined;
    if (Array.isArray(value.items) && kind !== undefined && kind.endsWith('List')) {
      value.items.forEach((iv, i) => {
        const span = spans.items[i];
        if (!span || !isRecord(iv)) {
          problems.push({
            line: span ? lines.pos(span[0]).line : firstLine,
            reason: `item ${i} of the List is not an object`,
          });
          return;
        }
        const withKind = iv.kind === undefined && kind !== 'List' ? { ...iv, kind: kind.slice(0, -4) } : iv;
        objects.push(make(withKind, span, i));
      });
    } else objects.push(make(value, spans.root ?? [0, text.length]));
  } else if (Array.isArray(value)) {
    value.forEach((iv, i) => {
      const span = spans.items[i];
      if (span && isRecord(iv)) objects.push(make(iv, span, i));
      else problems.push({ line: span ? lines.pos(span[0]).line : firstLine, reason: `element ${i} is not an object` });
    });
  } else problems.push({ line: firstLine, reason: 'JSON value is not an object' });
  return { objects, problems, documents: 1 };
}
