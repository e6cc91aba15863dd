import type { Fact } from '../model';
import { normalizeLineEnds } from './lineEnds';
import { formatSpec } from './registry';
import type { FormatId, ParseResult } from './types';
import { remapResult, unflattenLines } from './transcript/lineMap';
import { textLines } from './transcript/lines';
import { splitTranscript, type RawBlock } from './transcript/split';

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
    const line = lines[k];
    if (line.charCodeAt(line.length - 1) === 13) lines[k] = line.slice(0, -1);
  }
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The splitter's blocks plus an unknown block for each run of lines it left out (other than a
 * block's prompt line), whose lines are then reported as not recognised: no line is dropped
 * without a word (prose between outputs, a capture whose first lines the splitter did not take
 * for tcpdump). Such a run is not parsed by a guess: prose that happens to look like a manifest
 * must not add Services.
 */
function withUncoveredRuns(raws: RawBlock[], lines: ReturnType<typeof textLines>): RawBlock[] {
  const covered = new Uint8Array(lines.count + 2);
  for (const raw of raws) {
    if (raw.command !== null && raw.startLine > 1) covered[raw.startLine - 1] = 1;
    covered.fill(1, raw.startLine, raw.endLine + 1);
  }
  const extra: RawBlock[] = [];
  let start = 0;
  for (let lineNo = 1; lineNo <= lines.count + 1; lineNo++) {
    const open = lineNo <= lines.count && !covered[lineNo] && lines.at(lineNo - 1).trim() !== '';
    if (open && start === 0) start = lineNo;
    const ends = !open && start > 0 && (lineNo > lines.count || covered[lineNo] === 1);
    if (!ends) continue;
    let end = lineNo - 1;
    while (end > start && !lines.at(end - 1).trim()) end--;
    extra.push({ format: 'unknown', command: null, startLine: start, endLine: end });
    start = 0;
  }
  if (extra.length === 0) return raws;
  return [...raws, ...extra].sort((left, right) => left.startLine - right.startLine);
}

export function parseDocument(given: string, uri: string): DocumentResult {
  const text = normalizeLineEnds(given);
  // the lines stay offsets into `text`: a capture of a million lines is not copied into strings
  const lines = textLines(text);
  const blocks: DocumentBlock[] = [];
  const facts: Fact[] = [];
  for (const raw of withUncoveredRuns(splitTranscript(lines), lines)) {
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
      const { text: joined, map } = unflattenLines(spec, { lines, first, last, firstLine: raw.startLine });
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
    for (const fact of result.facts) facts.push(fact);
  }
  return { uri, blocks, facts };
}
