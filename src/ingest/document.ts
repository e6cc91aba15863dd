import type { Fact } from '../model';
import { formatSpec } from './registry';
import type { FormatId, ParseResult } from './types';
import { remapResult, unflattenBlock } from './transcript/lineMap';
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

export function parseDocument(text: string, uri: string): DocumentResult {
  const lines = splitLines(text);
  const crlf = text.indexOf('\r') >= 0;
  let starts: number[] | undefined;
  /** Offset in `text` where 1-based line `n` starts (one past the end for n = lines + 1). */
  const lineStart = (n: number): number => {
    if (starts === undefined) {
      starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    return n - 1 < starts.length ? starts[n - 1] : text.length + 1;
  };
  const blocks: DocumentBlock[] = [];
  const facts: Fact[] = [];
  for (const raw of splitTranscript(lines)) {
    const spec = raw.format === 'unknown' ? undefined : formatSpec(raw.format);
    const blockLines = lines.slice(raw.startLine - 1, raw.endLine);
    let result: ParseResult;
    if (!spec) {
      const what = raw.command ? `no parser for \`${raw.effective ?? raw.command}\`` : 'no format recognised';
      result = {
        format: 'unknown', facts: [], records: 0,
        unparsed: blockLines.flatMap((l, k) => (l.trim() ? [{ line: raw.startLine + k, reason: what }] : [])),
      };
    } else {
      const { text: joined, map } = unflattenBlock(spec, blockLines, raw.startLine, !crlf);
      // untouched blocks of LF text are passed as a slice of the input: no copy of a big capture
      const blockText = joined ?? text.slice(lineStart(raw.startLine), lineStart(raw.endLine + 1) - 1);
      try {
        result = spec.parse({
          text: blockText, uri, firstLine: map ? 1 : raw.startLine,
          ...(raw.command !== null ? { command: raw.effective ?? raw.command } : {}),
          ...(raw.host !== undefined ? { host: raw.host } : {}),
        });
        if (map) remapResult(result, map, uri);
      } catch (e) {
        result = { format: spec.id, facts: [], records: 0, unparsed: [{ line: raw.startLine, reason: `parser failed: ${e instanceof Error ? e.message : String(e)}` }] };
      }
    }
    const block: DocumentBlock = { format: result.format ?? raw.format, command: raw.command, startLine: raw.startLine, endLine: raw.endLine, result };
    if (raw.host !== undefined) block.host = raw.host;
    blocks.push(block);
    for (const f of result.facts) facts.push(f);
  }
  return { uri, blocks, facts };
}
