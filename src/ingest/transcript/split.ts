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
function sniffBest(lines: readonly string[], threshold = 0.5): FormatSpec | undefined {
  const head = headOf(lines);
  let best: FormatSpec | undefined;
  let bestScore = threshold;
  for (const spec of allFormats()) {
    let score = safeSniff(spec, head);
    if (score < 1 && spec.unflatten && head.some((l) => l.length > 80)) {
      const pieces: string[] = [];
      for (const l of head) {
        try {
          for (const p of spec.unflatten(l)) pieces.push(typeof p === 'string' ? p : p.text);
        } catch {
          pieces.push(l);
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
function continues(spec: FormatSpec, paragraph: readonly string[]): boolean {
  const own = safeSniff(spec, paragraph);
  if (own < 0.1) return false;
  if (own >= 0.5) return true;
  const other = sniffBest(paragraph);
  return other === undefined || other.id === spec.id;
}

const isBlank = (lines: LineSource, k: number): boolean => lines.lead(k) < 0;

/**
 * The command line k runs, if any. A line whose first non-blank character is a digit is output
 * (commandLine says so too): deciding it from that character spares a capture's million lines
 * a string each.
 */
function commandAt(lines: LineSource, k: number, lead = lines.lead(k)) {
  return lead < 0 || (lead >= 48 && lead <= 57) ? undefined : commandLine(lines.at(k));
}

/** Paragraph end (exclusive index) starting at `from`: the next blank line or command line. */
function paragraphEnd(lines: LineSource, from: number): number {
  let k = from;
  for (; k < lines.count; k++) {
    const lead = lines.lead(k);
    if (lead < 0 || (k > from && commandAt(lines, k, lead))) break;
  }
  return k;
}

/** Cuts lines (an array of strings, or a document's lines read on demand) into blocks. */
export function splitTranscript(input: readonly string[] | LineSource): RawBlock[] {
  const lines = isLineSource(input) ? input : arrayLines(input);
  const blocks: RawBlock[] = [];
  let i = 0;
  while (i < lines.count) {
    if (isBlank(lines, i)) {
      i++;
      continue;
    }
    const cmd = commandAt(lines, i);
    if (cmd) {
      // output: following lines up to the next command line; past a blank line only while the
      // next paragraph still looks like this format (dig and iptables -L print blank lines).
      const spec = formatForCommand(cmd.effective) ?? formatForCommand(cmd.command);
      let j = i + 1;
      let end = i; // last output line (0-based)
      while (j < lines.count) {
        if (isBlank(lines, j)) {
          let k = j;
          while (k < lines.count && isBlank(lines, k)) k++;
          if (k >= lines.count || commandAt(lines, k)) {
            j = k;
            break;
          }
          const pEnd = paragraphEnd(lines, k);
          if (!spec || !continues(spec, linesOf(lines, k, Math.min(pEnd, k + SNIFF_LINES)))) {
            j = k;
            break;
          }
          end = pEnd - 1;
          j = pEnd;
          continue;
        }
        if (commandAt(lines, j)) break;
        end = j;
        j++;
      }
      const catParts = end > i ? splitCatOutput(cmd.effective, lines, i + 1, end) : undefined;
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
      } else if (end > i) {
        let format: FormatId = spec?.id ?? 'unknown';
        if (!spec) format = sniffBest(linesOf(lines, i + 1, Math.min(end + 1, i + 1 + SNIFF_LINES)))?.id ?? 'unknown';
        const b: RawBlock = { format, command: cmd.command, startLine: i + 2, endLine: end + 1 };
        if (cmd.effective !== cmd.command) b.effective = cmd.effective;
        if (cmd.host) b.host = cmd.host;
        blocks.push(b);
      }
      i = Math.max(j, i + 1);
      continue;
    }
    // no command: one paragraph, sniffed
    const pEnd = paragraphEnd(lines, i);
    const spec = sniffBest(linesOf(lines, i, Math.min(pEnd, i + SNIFF_LINES)));
    const prev = blocks[blocks.length - 1];
    const adjacent = prev !== undefined && prev.command === null && onlyBlanksBetween(lines, prev.endLine, i);
    // consecutive paragraphs of one sniffed format (a capture with blank lines) make one block; so
    // does a paragraph the block before it says goes on it, as after a command (the bytes of a
    // tcpdump -A packet that hold a blank line, the later sections of host -v)
    const before = adjacent && prev.format !== 'unknown' ? formatSpec(prev.format) : undefined;
    if (
      adjacent &&
      (prev.format === spec?.id || (before && continues(before, linesOf(lines, i, Math.min(pEnd, i + SNIFF_LINES)))))
    )
      prev.endLine = pEnd;
    else if (spec) blocks.push({ format: spec.id, command: null, startLine: i + 1, endLine: pEnd });
    i = pEnd;
  }
  return blocks;
}

function onlyBlanksBetween(lines: LineSource, endLine1: number, startIdx: number): boolean {
  for (let k = endLine1; k < startIdx; k++) if (!isBlank(lines, k)) return false;
  return true;
}
