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
export function describeEvidence(e: Evidence): string {
  const base = e.uri.replace(/^.*[\\/]/, '') || e.uri;
  if (e.line === undefined) return base;
  return e.endLine !== undefined && e.endLine !== e.line ? `${base}:${e.line}-${e.endLine}` : `${base}:${e.line}`;
}
