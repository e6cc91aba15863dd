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
    lineNo: (i) => i + first,
    evidence(i, end) {
      const e = logEvidence(input.uri, i + first, lines[i] ?? '', format);
      if (end !== undefined && end > i) e.endLine = end + first;
      return e;
    },
    skip(i, reason) {
      unparsed.push({ line: i + first, reason, text: (lines[i] ?? '').slice(0, 240) });
    },
  };
}

/** Splits on runs of blanks (no regex backtracking risk). */
export function words(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Value following `key` in a token list (`mtu 1450` → 1450). */
export function after(tokens: readonly string[], key: string): string | undefined {
  const i = tokens.indexOf(key);
  return i >= 0 && i + 1 < tokens.length ? tokens[i + 1] : undefined;
}

export function intAfter(tokens: readonly string[], key: string): number | undefined {
  const v = after(tokens, key);
  return v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined;
}

export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
