import type { Evidence, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import type { FormatId, ParseInput } from '../types';

/** Line access shared by the host-network parsers: 1-based numbering shifted by `firstLine`. */
export interface HostLines {
  lines: string[];
  lineNo(index: number): number;
  evidence(index: number, endIndex?: number): Evidence;
  unparsed: Unparsed[];
  skip(index: number, reason: string): void;
}

export function hostLines(input: ParseInput, format: FormatId): HostLines {
  const lines = input.text.split(/\r?\n/);
  const first = input.firstLine ?? 1;
  const unparsed: Unparsed[] = [];
  return {
    lines,
    unparsed,
    lineNo: (index) => index + first,
    evidence(index, end) {
      const evidence = logEvidence(input.uri, index + first, lines[index] ?? '', format);
      if (end !== undefined && end > index) evidence.endLine = end + first;
      return evidence;
    },
    skip(index, reason) {
      unparsed.push({ line: index + first, reason, text: (lines[index] ?? '').slice(0, 240) });
    },
  };
}

/** Splits on runs of blanks (no regex backtracking risk). */
export function words(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/** Value following `key` in a token list (`mtu 1450` → 1450). */
export function after(tokens: readonly string[], key: string): string | undefined {
  const index = tokens.indexOf(key);
  return index >= 0 && index + 1 < tokens.length ? tokens[index + 1] : undefined;
}

export function intAfter(tokens: readonly string[], key: string): number | undefined {
  const value = after(tokens, key);
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
