import { formatForCommand, formatSpec, allFormats } from '../registry';
import type { FormatId, FormatSpec } from '../types';
import { headOf, safeSniff, SNIFF_LINES } from '../sniff';
import { commandLine } from './prompt';
import { splitCatOutput } from './catFiles';
import { arrayLines, isLineSource, linesOf, type LineSource } from './lines';

/**
 * Cuts a pasted terminal session (or a report that quotes one) into output blocks:
 * each command line opens a block whose format comes from the command; text with no command
 * before it is sniffed paragraph by paragraph. Prose that no format claims is left out.
 */

export interface RawBlock {
  format: FormatId;
  command: string | null;
  /** The unwrapped command used to pick the format (`nslookup x` for `kubectl exec b -- nslookup x`). */
  effective?: string;
  host?: string;
  /** 1-based, inclusive, in the text as given. */
  startLine: number;
  endLine: number;
}

/** Best format for some lines, also trying each format's `unflatten` (flattened web copies). */
export function sniffBest(lines: readonly string[], threshold = 0.5): FormatSpec | undefined {
  const head = headOf(lines);
  let best: FormatSpec | undefined;
  let bestScore = threshold;
  for (const spec of allFormats()) {
    let score = safeSniff(spec, head);
    if (score < 1 && spec.unflatten && head.some((line) => line.length > 80)) {
      const pieces: string[] = [];
      for (const line of head) {
        try {
          for (const piece of spec.unflatten(line)) pieces.push(typeof piece === 'string' ? piece : piece.text);
        } catch {
          pieces.push(line);
        }
        if (pieces.length > SNIFF_LINES) break;
      }
      if (pieces.length > head.length) score = Math.max(score, safeSniff(spec, pieces.slice(0, SNIFF_LINES)));
    }
    if (score > bestScore) {
      best = spec;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Whether a paragraph after a blank line still belongs to a command's output. Sniffers are tuned
 * for whole outputs, so a fragment (dig's `;; Query time` section) scores low but not zero; prose
 * scores zero. A paragraph that another format claims outright starts a new block.
 */
export function continues(spec: FormatSpec, paragraph: readonly string[]): boolean {
  const own = safeSniff(spec, paragraph);
  if (own < 0.1) return false;
  if (own >= 0.5) return true;
  const other = sniffBest(paragraph);
  return other === undefined || other.id === spec.id;
}

const isBlank = (lines: LineSource, index: number): boolean => lines.lead(index) < 0;

/**
 * The command line k runs, if any. A line whose first non-blank character is a digit is output
 * (commandLine says so too): deciding it from that character spares a capture's million lines
 * a string each.
 */
function commandAt(lines: LineSource, index: number, lead = lines.lead(index)) {
  return lead < 0 || (lead >= 48 && lead <= 57) ? undefined : commandLine(lines.at(index));
}

/** Paragraph end (exclusive index) starting at `from`: the next blank line or command line. */
function paragraphEnd(lines: LineSource, from: number): number {
  let end = from;
  for (; end < lines.count; end++) {
    const lead = lines.lead(end);
    if (lead < 0 || (end > from && commandAt(lines, end, lead))) break;
  }
  return end;
}

/** Cuts lines (an array of strings, or a document's lines read on demand) into blocks. */
export function splitTranscript(input: readonly string[] | LineSource): RawBlock[] {
  const lines = isLineSource(input) ? input : arrayLines(input);
  const blocks: RawBlock[] = [];
  let index = 0;
  while (index < lines.count) {
    if (isBlank(lines, index)) {
      index++;
      continue;
    }
    const cmd = commandAt(lines, index);
    if (cmd) {
      // output: following lines up to the next command line; past a blank line only while the
      // next paragraph still looks like this format (dig and iptables -L print blank lines).
      const spec = formatForCommand(cmd.effective) ?? formatForCommand(cmd.command);
      let next = index + 1;
      let end = index; // last output line (0-based)
      while (next < lines.count) {
        if (isBlank(lines, next)) {
          let scan = next;
          while (scan < lines.count && isBlank(lines, scan)) scan++;
          if (scan >= lines.count || commandAt(lines, scan)) {
            next = scan;
            break;
          }
          const pEnd = paragraphEnd(lines, scan);
          if (!spec || !continues(spec, linesOf(lines, scan, Math.min(pEnd, scan + SNIFF_LINES)))) {
            next = scan;
            break;
          }
          end = pEnd - 1;
          next = pEnd;
          continue;
        }
        if (commandAt(lines, next)) break;
        end = next;
        next++;
      }
      const catParts = end > index ? splitCatOutput(cmd.effective, lines, index + 1, end) : undefined;
      if (catParts && catParts.length > 1) {
        catParts.forEach((part, n) => {
          const last = n + 1 < catParts.length ? catParts[n + 1].start - 1 : end;
          const rawBlock: RawBlock = {
            format: part.spec.id,
            command: cmd.command,
            effective: part.command,
            startLine: part.start + 1,
            endLine: last + 1,
          };
          if (cmd.host) rawBlock.host = cmd.host;
          blocks.push(rawBlock);
        });
      } else if (end > index) {
        let format: FormatId = spec?.id ?? 'unknown';
        if (!spec)
          format = sniffBest(linesOf(lines, index + 1, Math.min(end + 1, index + 1 + SNIFF_LINES)))?.id ?? 'unknown';
        const block: RawBlock = { format, command: cmd.command, startLine: index + 2, endLine: end + 1 };
        if (cmd.effective !== cmd.command) block.effective = cmd.effective;
        if (cmd.host) block.host = cmd.host;
        blocks.push(block);
      }
      index = Math.max(next, index + 1);
      continue;
    }
    // no command: one paragraph, sniffed
    const pEnd = paragraphEnd(lines, index);
    const spec = sniffBest(linesOf(lines, index, Math.min(pEnd, index + SNIFF_LINES)));
    const prev = blocks[blocks.length - 1];
    const adjacent = prev !== undefined && prev.command === null && onlyBlanksBetween(lines, prev.endLine, index);
    // consecutive paragraphs of one sniffed format (a capture with blank lines) make one block; so
    // does a paragraph the block before it says goes on it, as after a command (the bytes of a
    // tcpdump -A packet that hold a blank line, the later sections of host -v)
    const before = adjacent && prev.format !== 'unknown' ? formatSpec(prev.format) : undefined;
    if (
      adjacent &&
      (prev.format === spec?.id ||
        (before && continues(before, linesOf(lines, index, Math.min(pEnd, index + SNIFF_LINES)))))
    )
      prev.endLine = pEnd;
    else if (spec) blocks.push({ format: spec.id, command: null, startLine: index + 1, endLine: pEnd });
    index = pEnd;
  }
  return blocks;
}

function onlyBlanksBetween(lines: LineSource, endLine1: number, startIdx: number): boolean {
  for (let k = endLine1; k < startIdx; k++) if (!isBlank(lines, k)) return false;
  return true;
}
