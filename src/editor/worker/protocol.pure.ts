import type { PackedDocument, PackedFacts } from '../../ingest/factTransfer';
import type { FileSearch, ListedFolder } from '../workspace/listFiles.pure';
import type { WorkspaceFileRequest } from '../workspace/readFiles.pure';
import type { ThreadTime } from './threadTime.pure';
import type { Diagnosis } from '../../flow';
import type { BlockSummary, FlowSuggestion } from '../paste/analysis.pure';
import type { PackedTrace, ShownTrace } from './traceTransfer.pure';

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
  /**
   * Parse a document's text; the facts come back (the columns' buffers transferred). With `version`,
   * the worker holds the document (its text and facts) for edits, hovers and traces, and sends back
   * every fact but its packets (see HeldDocuments), which stay in the worker.
   */
  | { id: number; kind: 'parse'; uri: string; text: string; pieces?: number; version?: number; file?: FileCheck }
  /**
   * Apply a held document's edits since `from` (VS Code's change events, in order), re-read the
   * blocks they touched; the answer is as `parse` with `version`, or `out-of-sync` when the worker
   * does not hold version `from` or the edited text is not `length` characters long.
   */
  | { id: number; kind: 'edit'; uri: string; from: number; version: number; events: TextChange[][]; length: number }
  /** For each search, the files under `folders` that match its globs (see listFiles). */
  | { id: number; kind: 'list'; folders: ListedFolder[]; searches: FileSearch[] }
  /**
   * Read a workspace file from the disk (see readWorkspaceFile) as a manifest or as a log: unchanged
   * since the key `known`, over `maxBytes`, or its facts as `manifest` and `log` answer.
   */
  | ({ id: number; kind: 'workspaceFile'; uri: string; as: 'manifest' | 'log' } & WorkspaceFileRequest)
  /** Read a workspace manifest file (YAML or JSON): its facts, or why it was not read (over the limits). */
  | { id: number; kind: 'manifest'; uri: string; text: string; pieces?: number }
  /** Stop holding a document (closed). */
  | { id: number; kind: 'forget'; uri: string }
  /**
   * The workspace's sources the hovers of held documents read (a held document by its URI); cached
   * facts it does not name are dropped.
   */
  | { id: number; kind: 'context'; parts: WorkerPart[] }
  /** What a hover on a held document at `version` says (`lineText`: the line, at most 4,000 characters). */
  | { id: number; kind: 'hover'; uri: string; version: number; line: number; character: number; lineText: string }
  /** Read a workspace file that may be a log (see logFileFacts); undefined facts: not recognised. */
  | { id: number; kind: 'log'; uri: string; text: string; pieces?: number }
  /**
   * Parse a pasted text and say what it holds: its blocks and the flows it makes traceable with
   * `others` (the workspace's facts). The worker keeps the facts for a `trace` that names `uri`,
   * and writes the text to the file `saveTo` first when given (a paste too large for an editor).
   */
  | { id: number; kind: 'analyze'; uri: string; text: string; pieces?: number; others: PackedFacts; saveTo?: string }
  /**
   * Trace FROM → TO on `facts` (or on `parts`, in order, held documents by URI), plus those of the
   * paste analyzed as `paste` when given.
   */
  | {
      id: number;
      kind: 'trace';
      from: string;
      to: string;
      facts: PackedFacts;
      parts?: WorkerPart[];
      paste?: string;
      /** Only the N-th connection (1-based), as `trace({ connection })`. */
      connection?: number;
    }
  /**
   * Diagnose the workspace's sources `parts` (in order, held documents by URI, their packets with
   * them): the diagnosis as `diagnose` makes it, each finding's proofs capped (see diagnoseFacts).
   */
  | { id: number; kind: 'diagnose'; parts: WorkerPart[] }
  /**
   * The source addresses of the packets the held documents `held` (by URI) show sent to one of
   * `addresses`, with how many each sent (see sendersTo): what *Trace this Service* picks its client by.
   */
  | { id: number; kind: 'senders'; held: string[]; addresses: string[] };

/**
 * A document read from its file by the worker instead of from `text` (a saved document: the
 * extension host then copies no text): what the file's text must match, else the answer says
 * `differs` and nothing was read.
 */
export interface FileCheck {
  path: string;
  length: number;
  firstLine: string;
  lastLine: string;
}

/**
 * Where the blocks an edit read again go: from block `at`, in place of `removed`; the later ones
 * move by `delta` lines.
 */
export interface EditSplice {
  at: number;
  removed: number;
  delta: number;
}

/** One source of the workspace model: its facts, or a document the worker holds. */
export type WorkerPart =
  /** `cacheAs`: the worker keeps the facts under that number for later requests (see `cached`). */
  | { facts: PackedFacts; cacheAs?: number }
  /** Facts sent before with `cacheAs` and named by every `context` since. */
  | { cached: number }
  | { held: string };

/** One change of a VS Code change event: the range it replaced (0-based lines and characters) and its text. */
export interface TextChange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
  text: string;
}

export interface ParsedDocument {
  document: PackedDocument;
  /** The worker holds the document (its line ends were kept); its packets stayed there. */
  held?: true;
  /** The file did not hold the document's text (see FileCheck): nothing was read. */
  differs?: true;
  lines: number;
  /** From the request's start in the worker to the facts read (the file's reading included). */
  parseMs: number;
  /** When the worker began the request (Date.now()), and how long it read the file (0 for a text sent). */
  timings?: {
    startedAt: number;
    readMs: number;
    /** From the request's start to the document held: the worker's thread on a CPU and waiting for one (Linux). */
    untilHeld?: ThreadTime;
  };
}

/** A workspace manifest's facts, or why it was not read (over the limits). */
export interface ManifestRead {
  facts: PackedFacts;
  problem?: string;
}

/** A workspace log's facts; none when it is not recognised as a capture, rule dump or command output. */
export interface LogRead {
  facts?: PackedFacts;
}

/** A workspace file the worker read from the disk (see WorkspaceFileText), its facts for the text. */
export type WorkspaceFileRead =
  | { key: string; unchanged: true }
  | { key: string; size: number; tooLarge: true }
  | { key: string; manifest: ManifestRead }
  | { key: string; log: LogRead }
  | { error: string };

export interface AnalyzedPaste {
  blocks: BlockSummary[];
  flows: FlowSuggestion[];
  facts: number;
  lines: number;
  parseMs: number;
}

/** Where a trace's time went in the worker (the extension's log prints it): milliseconds of each part. */
export interface TraceTimings {
  /** Building the model of the sources (0 when the last trace's is kept). */
  modelMs: number;
  traceMs: number;
  /** The panel's payload (Mermaid text of every flow and phase) made and posted (see shownTrace). */
  payloadMs: number;
  /** The result packed after that (see packTrace). */
  packMs?: number;
  /** After how long of the trace the first of several flows was posted, to be drawn while the others are built. */
  firstShownMs?: number;
  /** When the worker posted the panel's payload and the answer (epoch ms: the host's clock is the same). */
  shownAt?: number;
  postedAt?: number;
}

export type TraceAnswer =
  /** The result with what the diagram panel sends its webview, made in the worker (see traceTransfer.pure.ts). */
  | { kind: 'traced'; packed: PackedTrace; timings?: TraceTimings }
  | { kind: 'unknown'; role: 'source' | 'destination'; text: string; suggestions: string[] };

export type WorkerResponse =
  | { id: number; kind: 'progress'; message: string; increment?: number }
  /**
   * Some blocks of a parsed document, before the `parsed` answer that holds the rest: a host
   * reads each in its own turn (95,000 facts in one message took 2.7 s to deserialize), and the
   * worker sends the next after the host's `ack`.
   */
  | { id: number; kind: 'part'; blocks: PackedDocument['blocks'] }
  /**
   * The worker holds the document of `parse` request `id` (parsed, before its facts are sent): a
   * `context` and a `hover` on it are answered from now on, between its parts.
   */
  | { id: number; kind: 'holding' }
  | { id: number; kind: 'parsed'; value: ParsedDocument }
  | { id: number; kind: 'log'; value: LogRead }
  | { id: number; kind: 'manifest'; value: ManifestRead }
  | { id: number; kind: 'workspaceFile'; value: WorkspaceFileRead }
  | { id: number; kind: 'listed'; value: string[][] }
  | { id: number; kind: 'analyzed'; value: AnalyzedPaste }
  /** What the diagram panel shows of the answer of `trace` request `id`, sent before that answer (see ShownTrace). */
  | { id: number; kind: 'traceShown'; value: ShownTrace }
  | { id: number; kind: 'trace'; value: TraceAnswer }
  | { id: number; kind: 'diagnosed'; value: Diagnosis }
  /** Each sender's address and how many packets it sent. */
  | { id: number; kind: 'senders'; value: [address: string, packets: number][] }
  /**
   * The blocks read again, as parts then in `document` (few facts: in `document` alone), replace
   * `splice.removed` blocks from `splice.at`.
   */
  | { id: number; kind: 'edited'; value: (ParsedDocument & { splice: EditSplice }) | 'out-of-sync' }
  /**
   * The hover's sentences; undefined when the worker does not hold that version of the document. `timings`:
   * when the worker began it (Date.now()) and how long it took (the host logs a slow hover with them).
   */
  | { id: number; kind: 'hover'; value?: string[]; timings?: { startedAt: number; computeMs: number } }
  | { id: number; kind: 'done' }
  | { id: number; kind: 'error'; message: string };
