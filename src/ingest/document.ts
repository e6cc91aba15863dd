import type { Fact } from '../model';
import { normalizeLineEnds } from './lineEnds';
import { formatSpec } from './registry';
import type { FormatId, ParseResult } from './types';
import { remapResult, unflattenLines } from './transcript/lineMap';
import { textLines } from './transcript/lines';
import { splitTranscript } from './transcript/split';

/**
 * Parses a whole document — a saved terminal session, a report quoting command outputs, a plain
 * capture — into blocks, each parsed by its format. Line numbers in every block, fact and unparsed
 * entry refer to the text as given (also when its newlines were lost and the block was unflattened).
 * Import './all' (or the parsers you need) before calling, so the formats are registered.
 */

export interface DocumentBlock {
  format: FormatId;
  /** The command line as typed (prompt removed), or null when the block's format was sniffed. */
  command: string | null;
  /** Prompt host, `kubectl exec` pod (`ns/pod` with -n) or `ip netns exec` namespace. */
  host?: string;
  startLine: number;
  endLine: number;
  result: ParseResult;
}

export interface DocumentResult {
  uri: string;
  blocks: DocumentBlock[];
  facts: Fact[];
}

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k];
    if (l.charCodeAt(l.length - 1) === 13) lines[k] = l.slice(0, -1);
  }
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function parseDocument(given: string, uri: string): DocumentResult {
  const text = normalizeLineEnds(given);
  // the lines stay offsets into `text`: a capture of a million lines is not copied into strings
  const lines = textLines(text);
  const blocks: DocumentBlock[] = [];
  const facts: Fact[] = [];
  for (const raw of splitTranscript(lines)) {
    const spec = raw.format === 'unknown' ? undefined : formatSpec(raw.format);
    const first = raw.startLine - 1;
    const last = raw.endLine - 1;
    let result: ParseResult;
    if (!spec) {
      const what = raw.command ? `no parser for \`${raw.effective ?? raw.command}\`` : 'no format recognised';
      const unparsed: ParseResult['unparsed'] = [];
      for (let k = first; k <= last; k++) if (lines.at(k).trim()) unparsed.push({ line: k + 1, reason: what });
      result = { format: 'unknown', facts: [], records: 0, unparsed };
    } else {
      const { text: joined, map } = unflattenLines(spec, lines, first, last, raw.startLine);
      // an untouched block is a slice of the input (no copy for LF text, nor for CRLF text when
      // the parser drops the CRs itself)
      const blockText = joined ?? (spec.readsCrlf ? lines.slice(first, last) : lines.join(first, last));
      try {
        result = spec.parse({
          text: blockText,
          uri,
          firstLine: map ? 1 : raw.startLine,
          linesCut: true,
          ...(raw.command !== null ? { command: raw.effective ?? raw.command } : {}),
          ...(raw.host !== undefined ? { host: raw.host } : {}),
        });
        if (map) remapResult(result, map, uri);
      } catch (e) {
        result = {
          format: spec.id,
          facts: [],
          records: 0,
          unparsed: [{ line: raw.startLine, reason: `parser failed: ${e instanceof Error ? e.message : String(e)}` }],
        };
      }
    }
    const block: DocumentBlock = {
      format: result.format ?? raw.format,
      command: raw.command,
      startLine: raw.startLine,
      endLine: raw.endLine,
      result,
    };
    if (raw.host !== undefined) block.host = raw.host;
    blocks.push(block);
    for (const f of result.facts) facts.push(f);
  }
  return { uri, blocks, facts };
}
