import { formatForCommand } from '../registry';
import { safeSniff } from '../sniff';
import type { FormatSpec } from '../types';
import { linesOf, type LineSource } from './lines';

/**
 * `cat /etc/hosts /etc/resolv.conf` prints two files back to back (the seed report does
 * exactly this). When every file names a format, the output is cut where the next file's
 * format takes over, so each part goes to its own parser.
 */

export interface CatPart {
  spec: FormatSpec;
  /** `cat FILE` for this part, used as the part's effective command. */
  command: string;
  /** 0-based index into the transcript's lines where this part's output starts. */
  start: number;
}

/** The files of a plain `cat F1 F2 …` (no options, no pipes), else undefined. */
function catFiles(command: string): string[] | undefined {
  const words = command.trim().split(/\s+/);
  const at = words.lastIndexOf('--') >= 0 ? words.lastIndexOf('--') + 1 : 0;
  if (words[at] !== 'cat') return undefined;
  const files = words.slice(at + 1);
  if (files.length < 2 || files.some((file) => file.startsWith('-') || /[|<>;&]/.test(file))) return undefined;
  return files;
}

const WINDOW = 4;

/**
 * Splits the output lines [from, to] (0-based, inclusive) of a multi-file cat into parts, or
 * returns undefined when the command is not one or a file has no format. A part boundary is
 * the first line that the next file's format claims more strongly than the current format
 * does, where it also claims the lines that follow.
 */
export function splitCatOutput(command: string, lines: LineSource, from: number, to: number): CatPart[] | undefined {
  const files = catFiles(command);
  if (!files) return undefined;
  const specs = files.map((file) => formatForCommand(`cat ${file}`));
  if (specs.some((formatSpec) => !formatSpec)) return undefined;
  const parts: CatPart[] = [{ spec: specs[0]!, command: `cat ${files[0]}`, start: from }];
  let next = 1;
  for (let k = from + 1; k <= to && next < specs.length; k++) {
    const current = parts[parts.length - 1].spec;
    const candidate = specs[next]!;
    if (candidate.id === current.id) {
      parts.push({ spec: candidate, command: `cat ${files[next]}`, start: k });
      next++;
      continue;
    }
    const line = [lines.at(k)];
    if (
      safeSniff(candidate, line) > safeSniff(current, line) &&
      safeSniff(candidate, linesOf(lines, k, Math.min(to + 1, k + WINDOW))) >= 0.5
    ) {
      parts.push({ spec: candidate, command: `cat ${files[next]}`, start: k });
      next++;
    }
  }
  return parts;
}
