import { shortened, type Evidence, type Fact, type SourceKind, type Unparsed } from '../../model';
import type { FormatId, ParseInput, ParseResult } from '../types';
import { NETWORK_KINDS, objectToFacts, type EvidenceSource } from './objectFacts';
import { readManifestObjects, type ManifestObjectInfo } from './yamlDocuments';

const MAX_EXCERPT = 200;

function lineText(lines: readonly string[], line: number, firstLine: number): string {
  return shortened((lines[line - firstLine] ?? '').trim(), MAX_EXCERPT);
}

/** The text the objects were read from, as their evidence names it. */
interface ObjectsText {
  lines: readonly string[];
  uri: string;
  /** The 1-based line of lines[0]. */
  firstLine: number;
  source: SourceKind;
  format: string;
}

/** Evidence pointing at an object (its whole range) or at one of its fields. */
function evidenceSourceFor(info: ManifestObjectInfo, text: ObjectsText): EvidenceSource {
  const { lines, uri, firstLine, source, format } = text;
  return {
    at(path?: string): Evidence {
      const fieldSpan = path ? info.fields.get(path) : undefined;
      if (fieldSpan) {
        return {
          source,
          uri,
          line: fieldSpan.key.line,
          endLine: fieldSpan.value?.endLine ?? fieldSpan.key.line,
          column: fieldSpan.key.column,
          excerpt: lineText(lines, fieldSpan.key.line, firstLine),
          format,
        };
      }
      return {
        source,
        uri,
        line: info.span.line,
        endLine: info.span.endLine,
        column: info.span.column,
        excerpt: lineText(lines, info.span.line, firstLine),
        format,
      };
    },
    inText(path: string, needle: string): Evidence | undefined {
      const line = info.lineOfText(path, needle);
      return line === undefined ? undefined : { source, uri, line, excerpt: lineText(lines, line, firstLine), format };
    },
  };
}

/**
 * Shared by `manifest`, `kubectl-yaml` and `kubectl-json`: every object of every
 * document (and of every `List`) becomes facts; broken documents are reported.
 */
export function parseKubeObjects(input: ParseInput, format: FormatId, source: SourceKind): ParseResult {
  const firstLine = input.firstLine ?? 1;
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  let records = 0;
  let read;
  try {
    read = readManifestObjects(input.text, firstLine);
  } catch (e) {
    return {
      format,
      facts,
      records,
      unparsed: [{ line: firstLine, reason: `could not read YAML/JSON: ${(e as Error).message}` }],
    };
  }
  unparsed.push(...read.problems);
  const lines = input.text.split(/\r?\n/);
  const objectsText: ObjectsText = { lines, uri: input.uri, firstLine, source, format };
  for (const info of read.objects) {
    const ev = evidenceSourceFor(info, objectsText);
    let out;
    try {
      out = objectToFacts(info.value, ev);
    } catch (e) {
      unparsed.push({ line: info.span.line, reason: `object could not be converted: ${(e as Error).message}` });
      continue;
    }
    if (out.facts.length > 0) {
      records++;
      facts.push(...out.facts);
    } else if (out.ignored && (!info.kind || (!info.name && NETWORK_KINDS.has(info.kind)))) {
      // Objects of other kinds (Kustomization, Ingress …) are understood, just not about networking;
      // a document without a kind, or a Service/Pod/… without a name, is not.
      unparsed.push({ line: info.span.line, reason: out.ignored, text: lineText(lines, info.span.line, firstLine) });
    }
  }
  return { format, facts, records, unparsed };
}

export function parseManifest(input: ParseInput): ParseResult {
  return parseKubeObjects(input, 'manifest', 'manifest');
}

/** Manifest-looking text: `apiVersion:` and `kind:` keys (YAML) or `"apiVersion"` (JSON). */
export function sniffKubeObjects(lines: readonly string[]): { yaml: number; json: number; server: boolean } {
  let apiVersion = 0,
    kind = 0,
    jsonApi = 0,
    server = 0;
  for (const line of lines) {
    if (/^\s*(- )?apiVersion:\s*\S/.test(line)) apiVersion++;
    if (/^\s*(- )?kind:\s*[A-Z]/.test(line)) kind++;
    if (/"apiVersion"\s*:/.test(line)) jsonApi++;
    if (/^\s*"?(resourceVersion|uid|creationTimestamp|managedFields)"?\s*:/.test(line)) server++;
  }
  return {
    yaml: apiVersion > 0 && kind > 0 ? 0.9 : 0,
    json: jsonApi > 0 && /^\s*[{[]/.test(lines[0] ?? '') ? 0.9 : 0,
    server: server > 0,
  };
}
