/**
 * Where a fact came from. Every fact in the model carries at least one Evidence so
 * that a diagram arrow or a hover can always point back to the proof.
 */
export type SourceKind =
  /** An object read from a live cluster through the API (uri `cluster://context/kind/ns/name`). */
  | 'cluster'
  /** A YAML/JSON manifest in the workspace. */
  | 'manifest'
  /** Pasted or saved command output (tcpdump, iptables, dig, kubectl ...). */
  | 'log'
  /** Computed by the product from other facts (e.g. a kube-proxy chain name); never observed. */
  | 'derived';

export interface Evidence {
  source: SourceKind;
  /** File path or URI (`file:///...`, `untitled:...`, `cluster://...`, `sample:...`). */
  uri: string;
  /** 1-based first line of the proof in `uri`. */
  line?: number;
  /** 1-based last line (inclusive) when the proof spans several lines. */
  endLine?: number;
  /** 1-based column where the relevant token starts. */
  column?: number;
  /** The text that proves it, as it appeared (trimmed, possibly shortened). */
  excerpt?: string;
  /** Which parser or reader produced it (`tcpdump`, `iptables-save`, `kubectl-json`...). */
  format?: string;
}

/**
 * Maps a 1-based line of text cut out of flattened lines to the file's line and the 0-based column its piece starts
 * at.
 */
export type LineMapping = (line: number) => { line: number; column: number } | undefined;

/**
 * Moves evidence read from cut-out text to where the text really was (see
 * src/ingest/transcript/lineMap.ts): its lines through `at`, and its column by where its piece
 * starts. Lines `at` does not know stay as they are.
 */
export function moveEvidence(evidence: Evidence, at: LineMapping): void {
  const moved = evidence.line !== undefined ? at(evidence.line) : undefined;
  if (!moved) return;
  const end = evidence.endLine !== undefined ? at(evidence.endLine) : undefined;
  evidence.line = moved.line;
  if (evidence.endLine !== undefined) evidence.endLine = end ? end.line : moved.line;
  if (evidence.endLine === evidence.line) delete evidence.endLine;
  if (moved.column > 0) evidence.column = moved.column + (evidence.column ?? 1);
}

/** Anything the model holds: a kind tag plus the evidence for it. */
export interface Sourced {
  evidence: Evidence[];
}

const MAX_EXCERPT = 240;

/** `text` cut to `max` characters (240 by default), the last one an ellipsis when it was cut. */
export function shortened(text: string, max = MAX_EXCERPT): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** A line as evidence shows it: shortened, then trimmed. */
export function excerptOf(text: string): string {
  return shortened(text).trim();
}

/** Builds log evidence for one line, shortening very long excerpts. */
export function logEvidence(uri: string, line: number, text: string, format?: string): Evidence {
  return { source: 'log', uri, line, excerpt: excerptOf(text), format };
}

/** Evidence for something the product computed itself (always "predicted", never "observed"). */
export function derivedEvidence(reason: string): Evidence {
  return { source: 'derived', uri: 'derived:', excerpt: reason };
}

/** A short human label such as `capture.txt:42`. */
export function describeEvidence(evidence: Evidence): string {
  const base = evidence.uri.replace(/^.*[\\/]/, '') || evidence.uri;
  if (evidence.line === undefined) return base;
  return evidence.endLine !== undefined && evidence.endLine !== evidence.line
    ? `${base}:${evidence.line}-${evidence.endLine}`
    : `${base}:${evidence.line}`;
}

/**
 * A value read from untyped input as text: strings as they are, numbers and booleans printed, anything else
 * `fallback`.
 */
export function scalarText(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return fallback;
}
