/**
 * Line plumbing shared by the DNS, traceroute and nginx-log parsers: numbering,
 * evidence, and recovery of output whose newlines were lost (copied from a web
 * page: `Server: 10.96.0.10 Address: 10.96.0.10:53 Name: …` on one line).
 */
import { logEvidence, shortened, type Evidence, type Unparsed } from '../../model';
import type { ParseInput } from '../types';
import { cutAt, type LinePiece } from '../words';

/** One logical line: a source line, or one piece of a flattened source line. */
export interface LogicalLine {
  text: string;
  /** 1-based line in `uri` (firstLine already applied). */
  line: number;
  /** 1-based column where this piece starts when it came from a flattened line. */
  column?: number;
}

/** A whitespace-separated token and where it starts in its line (0-based). */
export interface Token {
  text: string;
  start: number;
}

/** Splits on runs of spaces/tabs, keeping offsets. Linear, no regex backtracking. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let position = 0;
  const length = text.length;
  while (position < length) {
    while (position < length && (text[position] === ' ' || text[position] === '\t')) position++;
    if (position >= length) break;
    const start = position;
    while (position < length && text[position] !== ' ' && text[position] !== '\t') position++;
    out.push({ text: text.slice(start, position), start });
  }
  return out;
}

/** Decides whether token `i` begins a new logical line (never called for i = 0). */
export type StartTest = (tokens: readonly Token[], i: number) => boolean;

/** Cuts `text` before every token the test marks; the pieces keep their offsets. */
export function splitBeforeTokens(text: string, isStart: StartTest): LinePiece[] {
  const tokens = tokenize(text);
  if (tokens.length === 0) return [{ text, start: 0 }];
  const cuts: number[] = [];
  for (let i = 1; i < tokens.length; i++) if (isStart(tokens, i)) cuts.push(tokens[i].start);
  return cuts.length === 0 ? [{ text, start: 0 }] : cutAt(text, cuts);
}

/** The lines of `input`, each flattened line cut into its records by `unflatten`. */
export function logicalLines(input: ParseInput, unflatten?: (line: string) => LinePiece[]): LogicalLine[] {
  const first = input.firstLine ?? 1;
  const raw = input.text.split(/\r?\n/);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const out: LogicalLine[] = [];
  raw.forEach((text, idx) => {
    const line = first + idx;
    if (!unflatten || text.length < 2) {
      out.push({ text, line });
      return;
    }
    const pieces = unflatten(text);
    if (pieces.length <= 1) {
      out.push({ text, line });
      return;
    }
    for (const linePiece of pieces) out.push({ text: linePiece.text.trim(), line, column: linePiece.start + 1 });
  });
  return out;
}

/** Evidence for one logical line (its column when it came from a flattened line). */
export function lineEvidence(uri: string, logicalLine: LogicalLine, format: string): Evidence {
  const evidence = logEvidence(uri, logicalLine.line, logicalLine.text, format);
  if (logicalLine.column !== undefined) evidence.column = logicalLine.column;
  return evidence;
}

/** Evidence for a record spanning several logical lines. */
export function spanEvidence(uri: string, lines: readonly LogicalLine[], format: string): Evidence {
  const firstL = lines[0];
  const lastL = lines[lines.length - 1];
  const text = lines.map((logicalLine) => logicalLine.text).join(' | ');
  const evidence = logEvidence(uri, firstL.line, text, format);
  if (lastL.line !== firstL.line) evidence.endLine = lastL.line;
  if (firstL.column !== undefined) evidence.column = firstL.column;
  return evidence;
}

export function unparsedLine(logicalLine: LogicalLine, reason: string): Unparsed {
  return {
    line: logicalLine.line,
    reason: logicalLine.column !== undefined ? `${reason} (column ${logicalLine.column})` : reason,
    text: shortened(logicalLine.text),
  };
}

export { totalParse } from '../total';

/** Strips one trailing dot: dig prints FQDNs with it, nslookup and host mostly without. */
export function stripDot(name: string): string {
  return name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
}

export { fractionMatching } from '../sniff';
