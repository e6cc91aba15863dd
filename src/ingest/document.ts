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
      const { text: blockText, map } = unflattenBlock(spec, blockLines, raw.startLine);
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
