import type { PackedDocument, PackedFacts } from '../../ingest/factTransfer';
import type { TraceResult } from '../../flow/types';
import type { BlockSummary, FlowSuggestion } from '../paste/analysis.pure';

/**
 * The messages between the extension host and the parse worker (dist/worker.js, a Node worker
 * thread). Every request carries an id; the worker answers it with progress messages, then one
 * result or error. Facts cross as `PackedFacts` (a capture's columns are typed arrays whose buffers
 * are transferred); a text crosses once, to the worker.
 */

export type WorkerRequest =
  /** A piece of the text of request `id`, sent before it (a long text is posted in pieces). */
  | { id: number; kind: 'text'; piece: string }
  /** The host has read a `part` of request `id`'s answer: the worker may send the next. */
  | { id: number; kind: 'ack' }
  /** Parse a document's text; the facts come back (the columns' buffers transferred). */
  | { id: number; kind: 'parse'; uri: string; text: string; pieces?: number }
  /** Read a workspace file that may be a log (see logFileFacts); undefined facts: not recognised. */
  | { id: number; kind: 'log'; uri: string; text: string; pieces?: number }
  /**
   * Parse a pasted text and say what it holds: its blocks and the flows it makes traceable with
   * `others` (the workspace's facts). The worker keeps the facts for a `trace` that names `uri`,
   * and writes the text to the file `saveTo` first when given (a paste too large for an editor).
   */
  | { id: number; kind: 'analyze'; uri: string; text: string; pieces?: number; others: PackedFacts; saveTo?: string }
  /** Trace FROM → TO on `facts`, plus those of the paste analyzed as `paste` when given. */
  | { id: number; kind: 'trace'; from: string; to: string; facts: PackedFacts; paste?: string };

export interface ParsedDocument {
  document: PackedDocument;
  lines: number;
  parseMs: number;
}

export interface AnalyzedPaste {
  blocks: BlockSummary[];
  flows: FlowSuggestion[];
  facts: number;
  lines: number;
  parseMs: number;
}

export type TraceAnswer =
  | { kind: 'traced'; result: TraceResult }
  | { kind: 'unknown'; role: 'source' | 'destination'; text: string; suggestions: string[] };

export type WorkerResponse =
  | { id: number; kind: 'progress'; message: string; increment?: number }
  /**
   * Some blocks of a parsed document, before the `parsed` answer that holds the rest: a host
   * reads each in its own turn (95,000 facts in one message took 2.7 s to deserialize), and the
   * worker sends the next after the host's `ack`.
   */
  | { id: number; kind: 'part'; blocks: PackedDocument['blocks'] }
  | { id: number; kind: 'parsed'; value: ParsedDocument }
  | { id: number; kind: 'log'; value: { facts?: PackedFacts } }
  | { id: number; kind: 'analyzed'; value: AnalyzedPaste }
  | { id: number; kind: 'trace'; value: TraceAnswer }
  | { id: number; kind: 'error'; message: string };
