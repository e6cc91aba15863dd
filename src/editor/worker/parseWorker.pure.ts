import * as l10n from '@vscode/l10n';
import { isAscii } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { trace, TraceCache, UnknownTargetError } from '../../flow';
import '../../ingest/all';
import { parseDocument, type DocumentBlock, type DocumentResult } from '../../ingest/document';
import { packDocument, packFacts, unpackFacts, type PackedDocument } from '../../ingest/factTransfer';
import type { PacketColumns } from '../../ingest/tcpdump/columns/packetColumns';
import { lineBreaks, normalizeLineEnds } from '../../ingest/lineEnds';
import type { ClusterModel, Fact } from '../../model';
import type { Flow } from '../../flow/types';
import { cappedProofs } from '../diagram/cappedProofs.pure';
import { diagnoseFacts } from '../diagnose/diagnoseFacts.pure';
import { builtPayload } from '../diagram/panelPayload.pure';
import { suggestFlows, summarizeBlocks } from '../paste/analysis.pure';
import { sendersTo } from '../trace/targets.pure';
import {
  buildModel,
  logFileFacts,
  looksLikeManifest,
  manifestFacts,
  manifestLimitProblem,
} from '../workspace/modelFacts.pure';
import { listFiles } from '../workspace/listFiles.pure';
import { HeldDocuments, withoutPackets } from './heldDocuments.pure';
import { readWorkspaceFile } from '../workspace/readFiles.pure';
import { threadTime, threadTimeSince } from './threadTime.pure';
import type { FileCheck, LogRead, ManifestRead, WorkerRequest, WorkerResponse } from './protocol.pure';
import { packTrace, shownTrace } from './traceTransfer.pure';
import { PacketsAhead } from './packetsAhead.pure';
import { QuietSpell } from './quietSpell.pure';

/**
 * The parse worker (bundled as dist/worker.js, run in a Node worker thread by workerClient): parses,
 * analyzes pastes and traces off the extension host's thread. It imports no `vscode`. A request
 * runs to its end; cancelling one terminates the worker (the client starts a new one).
 */

const translations = (workerData as { l10n?: Record<string, string> } | undefined)?.l10n;
if (translations) l10n.config({ contents: translations });

/** The facts of the last pasted text analyzed, kept for a trace of one of the flows it offered. */
let paste: { uri: string; facts: Fact[] } | undefined;

/** Large open logs held for edits, hovers and traces. */
const held = new HeldDocuments();

/** The packets of the held logs, built ahead for a trace between requests (see PacketsAhead). */
const ahead = new PacketsAhead();
/** Set by hovers and edits: the packets are built ahead once the user pauses (see QuietSpell). */
const quiet = new QuietSpell();
let aheadRunning = false;
const stepAhead = () => {
  const wait = quiet.wait();
  if (wait > 0) {
    setTimeout(stepAhead, wait);
    return;
  }
  aheadRunning = ahead.step();
  if (aheadRunning) setImmediate(stepAhead);
};
/** Builds the packets of held document `uri` ahead, as it is now (see PacketsAhead.start; none when it is not held). */
function buildAhead(uri: string): void {
  if (held.versionOf(uri) === undefined) return ahead.stop(uri);
  ahead.start(uri, held.factsOf([{ held: uri }])[0]);
  if (!aheadRunning) setImmediate(stepAhead);
  aheadRunning = true;
}

/**
 * The model of the last trace and what its traces share (see TraceCache), kept while the facts it was
 * built from are the same: the same fact lists (a held document's at the same version, a cached
 * list, the paste's), in the same order. A trace of the same sources (*Trace this Connection*,
 * another FROM/TO) then reuses the model, its sited packets, their correlation and connections.
 */
let lastTraced:
  { sources: readonly (readonly Fact[])[]; versions: string; model: ClusterModel; cache: TraceCache } | undefined;

const NO_FACTS: readonly Fact[] = [];

/** Whether the last trace's sources may be gone or other after `request` (its cache is then dropped at once). */
const changesSources = (request: WorkerRequest) =>
  (request.kind === 'parse' && request.version !== undefined) ||
  ['edit', 'forget', 'context', 'analyze'].includes(request.kind);

/** The model of `sources` and its trace cache: the last trace's when it was built from the same ones. */
function tracedModel(
  sources: readonly (readonly Fact[])[],
  versions: string,
): { model: ClusterModel; cache: TraceCache } {
  const same =
    lastTraced !== undefined &&
    lastTraced.versions === versions &&
    lastTraced.sources.length === sources.length &&
    lastTraced.sources.every((facts, index) => facts === sources[index]);
  if (!same) {
    lastTraced = undefined; // the old model can be collected while the new one is built
    lastTraced = { sources, versions, model: buildModel(sources as Fact[][]), cache: new TraceCache() };
  }
  return lastTraced!;
}

/** Facts per message of a parsed document (about 25 ms for the host to read, more when loaded). */
const FACTS_PER_PART = 1000;

/**
 * Facts of the blocks an edit read again that come with its answer (more come as parts): the host
 * reads them in the turn it moves the later blocks in.
 */
const FACTS_WITH_ANSWER = 100;

/** Blocks in groups of about FACTS_PER_PART facts. */
function partsOf(blocks: DocumentBlock[]): DocumentBlock[][] {
  const groups: DocumentBlock[][] = [];
  let group: DocumentBlock[] = [];
  let facts = 0;
  for (const block of blocks) {
    if (group.length > 0 && facts + block.result.facts.length > FACTS_PER_PART) {
      groups.push(group);
      group = [];
      facts = 0;
    }
    group.push(block);
    facts += block.result.facts.length;
  }
  groups.push(group);
  return groups;
}

const NOTHING = { lines: 0, parseMs: 0 };

/** How long after a held document is parsed it is readied for edits (40–80 ms on 400,000 lines). */
const PREPARE_AFTER_MS = 1000;

/**
 * The text of a file when it is the document's (see FileCheck); undefined when not (or unreadable).
 * ASCII (a capture, a rule dump) is read as Latin-1: the same text, a third of the time of UTF-8
 * decoding (45 MB: 25 ms + 35 ms for the bytes, against 110 ms for readFileSync(path, 'utf8')).
 */
function fileText(file: FileCheck): string | undefined {
  let text: string;
  try {
    const bytes = readFileSync(file.path);
    text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  } catch {
    return undefined;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // the editor does not show a UTF-8 byte order mark
  if (text.length !== file.length) return undefined;
  const firstEnd = text.indexOf('\n');
  const first = text.slice(0, firstEnd < 0 ? text.length : firstEnd).replace(/\r$/, '');
  const lastStart = text.lastIndexOf('\n') + 1;
  return first === file.firstLine && text.slice(lastStart) === file.lastLine ? text : undefined;
}

/** A document of no blocks: the answer that follows a document's parts. */
const emptyDocument = (uri: string): PackedDocument => ({ uri, blocks: [] });

/**
 * Sends a parsed document's blocks as `part` messages of about FACTS_PER_PART facts, each after the
 * host has read the one before (`text`: the text the captures' offsets point into, or '' to send theirs).
 */
async function sendDocument(
  id: number,
  doc: DocumentResult,
  text: string,
  post: (message: WorkerResponse, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  for (const group of partsOf(doc.blocks)) {
    if (group.length === 0) continue;
    const { packed, transfer } = packDocument({ ...doc, blocks: group }, text, { transfer: true });
    post({ id, kind: 'part', blocks: packed.blocks }, transfer);
    await acknowledged(id);
  }
}

/** Requests waiting for the host to read a part they sent. */
const waiting = new Map<number, () => void>();
const acknowledged = (id: number) => new Promise<void>((resolve) => waiting.set(id, resolve));

async function answer(
  request: Exclude<WorkerRequest, { kind: 'text' | 'ack' }>,
  post: (message: WorkerResponse, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  const progress = (message: string, increment?: number) =>
    post({ id: request.id, kind: 'progress', message, ...(increment !== undefined ? { increment } : {}) });
  if (changesSources(request)) lastTraced = undefined;
  if (request.kind === 'hover' || request.kind === 'edit') quiet.touch();
  switch (request.kind) {
    case 'parse': {
      const started = performance.now();
      const startedAt = Date.now();
      const startedTime = threadTime();
      if (request.file) {
        request.text = fileText(request.file) ?? '';
        if (!request.text) {
          post({
            id: request.id,
            kind: 'parsed',
            value: { ...NOTHING, document: emptyDocument(request.uri), differs: true },
          });
          return;
        }
      }
      const readMs = Math.round(performance.now() - started);
      const text = normalizeLineEnds(request.text);
      progress('parsing', 10);
      const parsed = parseDocument(text, request.uri);
      const parseMs = Math.round(performance.now() - started);
      progress('sending the facts', 60);
      // the offsets point into the text the host holds: unless line ends were rewritten, it is ours
      const own = text === request.text ? text : '';
      // held (its edits' offsets are the editor's: only a text whose line ends were kept)
      const hold = request.version !== undefined && own !== '';
      const untilHeld = threadTimeSince(startedTime);
      if (hold) {
        held.hold(request.uri, request.version!, text, parsed);
        // a first hover need not wait for the host to read the facts
        post({ id: request.id, kind: 'holding' });
      }
      // counted once a hover can be answered (a pass over the text: 5-10 ms on 400,000 lines)
      const lines = lineBreaks(text) + 1;
      await sendDocument(request.id, hold ? withoutPackets(parsed) : parsed, own, post);
      const value = {
        document: emptyDocument(request.uri),
        lines,
        parseMs,
        timings: { startedAt, readMs, ...(untilHeld ? { untilHeld } : {}) },
        ...(hold ? { held: true as const } : {}),
      };
      post({ id: request.id, kind: 'parsed', value });
      // ready for the first edit while the user reads (see HeldDocuments.prepare): after a first hover, or
      // a second after the parse
      if (hold) {
        ahead.stop(request.uri);
        setTimeout(() => {
          held.prepare(request.uri);
          buildAhead(request.uri);
        }, PREPARE_AFTER_MS);
      }
      return;
    }
    case 'edit': {
      const started = performance.now();
      const startedAt = Date.now();
      const edited = held.edit(request.uri, request);
      // rows read again are other objects: built ahead again (the others are kept) once the warming is done
      ahead.stop(request.uri);
      if (!edited) {
        post({ id: request.id, kind: 'edited', value: 'out-of-sync' });
        return;
      }
      const parseMs = Math.round(performance.now() - started);
      const timings = { startedAt, readMs: 0 };
      // only the blocks read again cross (a rule dump's 85,000 facts are not sent for each edit); a few
      // facts (a capture read in place: none but its block) come with the answer, which the host then
      // need not acknowledge part by part
      const { blocks, ...splice } = edited.changed;
      const readAgain = withoutPackets({ uri: request.uri, blocks, facts: [] });
      let facts = 0;
      for (const block of readAgain.blocks) facts += block.result.facts.length;
      if (facts > FACTS_WITH_ANSWER) {
        await sendDocument(request.id, readAgain, '', post);
        const value = { document: emptyDocument(request.uri), lines: 0, parseMs, timings, splice };
        post({ id: request.id, kind: 'edited', value });
      } else {
        const { packed, transfer } = packDocument(readAgain, '', { transfer: true });
        post(
          { id: request.id, kind: 'edited', value: { document: packed, lines: 0, parseMs, timings, splice } },
          transfer,
        );
      }
      // while the host reads the answer: what a hover where the text changed reads, and what the last
      // hover read, again (see HeldDocuments.rehover), a place per turn: a hover asked meanwhile comes first
      const warm = () => {
        const more = held.rehover(request.uri);
        if (more) setImmediate(warm);
        else buildAhead(request.uri);
      };
      setImmediate(warm);
      return;
    }
    case 'list':
      post({ id: request.id, kind: 'listed', value: await listFiles(request) });
      return;
    case 'manifest': {
      const { value, transfer } = manifestRead(request.text, request.uri);
      post({ id: request.id, kind: 'manifest', value }, transfer);
      return;
    }
    case 'workspaceFile': {
      const read = readWorkspaceFile(request);
      if (!('text' in read)) {
        post({ id: request.id, kind: 'workspaceFile', value: read });
        return;
      }
      if (request.as === 'manifest') {
        const { value, transfer } = manifestRead(read.text, request.uri);
        post({ id: request.id, kind: 'workspaceFile', value: { key: read.key, manifest: value } }, transfer);
        return;
      }
      // the text stays here: a log's captures carry their own (the `log` answer sends where they start)
      const { value, transfer } = logRead(read.text, request.uri, { sendsText: true });
      post({ id: request.id, kind: 'workspaceFile', value: { key: read.key, log: value } }, transfer);
      return;
    }
    case 'forget':
      held.forget(request.uri);
      ahead.stop(request.uri);
      post({ id: request.id, kind: 'done' });
      return;
    case 'context':
      held.setContext(request.parts);
      post({ id: request.id, kind: 'done' });
      return;
    case 'hover': {
      const startedAt = Date.now();
      const started = performance.now();
      const place = { line: request.line, character: request.character, lineText: request.lineText };
      const value = held.hover(request.uri, request.version, place);
      const timings = { startedAt, computeMs: Math.round(performance.now() - started) };
      post({ id: request.id, kind: 'hover', value, timings });
      // the user reads the hover: time to ready the document for an edit (see HeldDocuments.prepare)
      setImmediate(() => {
        held.prepare(request.uri);
        buildAhead(request.uri);
      });
      return;
    }
    case 'log': {
      const { value, transfer } = logRead(request.text, request.uri, { sendsText: false });
      post({ id: request.id, kind: 'log', value }, transfer);
      return;
    }
    case 'analyze': {
      const started = performance.now();
      paste = undefined;
      if (request.saveTo !== undefined) writeFileSync(request.saveTo, request.text);
      const lines = lineBreaks(request.text) + 1;
      progress(`parsing ${lines.toLocaleString('en')} lines`, 10);
      const parsed = parseDocument(request.text, request.uri);
      const parseMs = Math.round(performance.now() - started);
      paste = { uri: request.uri, facts: parsed.facts };
      progress('finding the flows it makes traceable', 60);
      const model = buildModel([unpackFacts(request.others), parsed.facts]);
      const value = {
        blocks: summarizeBlocks(parsed),
        flows: suggestFlows(parsed, model),
        facts: parsed.facts.length,
        lines,
        parseMs,
      };
      post({ id: request.id, kind: 'analyzed', value });
      return;
    }
    case 'trace': {
      const facts = request.parts ? held.factsOf(request.parts) : [unpackFacts(request.facts)];
      const pasted = request.paste !== undefined && paste?.uri === request.paste ? paste.facts : NO_FACTS;
      const versions = (request.parts ?? []).map((part) => ('held' in part ? held.versionOf(part.held) : '')).join();
      const started = performance.now();
      const { model, cache } = tracedModel([...facts, pasted], versions);
      const modelled = performance.now();
      progress(`tracing ${request.from} → ${request.to}`, 20);
      try {
        // the first of several flows is drawn while the others are built
        const onFirstFlow = (flow: Flow, flows: number) => {
          if (flows < 2) return;
          const first = cappedProofs({ flows: [flow], unresolved: [] });
          const shown = shownTrace(first, builtPayload(first, flows), flows);
          post({ id: request.id, kind: 'traceShown', value: shown.shown }, shown.transfer);
          firstShownMs = Math.round(performance.now() - modelled);
        };
        let firstShownMs: number | undefined;
        const options = {
          cache,
          onFirstFlow,
          ...(request.connection !== undefined ? { connection: request.connection } : {}),
        };
        const result = cappedProofs(trace(model, request.from, request.to, options));
        const traced = performance.now();
        progress('drawing the flows', 70);
        // what the panel shows first: the host posts it to the webview while the rest is packed and read
        const shown = shownTrace(result, builtPayload(result));
        const shownAt = Date.now();
        post({ id: request.id, kind: 'traceShown', value: shown.shown }, shown.transfer);
        const payloadMs = Math.round(performance.now() - traced);
        const { packed, transfer } = packTrace(result);
        const timings = {
          modelMs: Math.round(modelled - started),
          traceMs: Math.round(traced - modelled),
          payloadMs,
          packMs: Math.round(performance.now() - traced) - payloadMs,
          ...(firstShownMs !== undefined ? { firstShownMs } : {}),
          shownAt,
          postedAt: Date.now(),
        };
        post({ id: request.id, kind: 'trace', value: { kind: 'traced', packed, timings } }, transfer);
      } catch (e) {
        if (!(e instanceof UnknownTargetError)) throw e;
        post({
          id: request.id,
          kind: 'trace',
          value: { kind: 'unknown', role: e.role, text: e.text, suggestions: e.suggestions },
        });
      }
      return;
    }
    case 'diagnose': {
      progress('reading the workspace', 10);
      const parts = held.factsOf(request.parts);
      progress('tracing the failing requests', 20);
      post({ id: request.id, kind: 'diagnosed', value: diagnoseFacts(parts) });
      return;
    }
    case 'senders': {
      const facts = held.factsOf(request.held.map((uri) => ({ held: uri })));
      const senders = sendersTo(buildModel(facts), new Set(request.addresses));
      post({ id: request.id, kind: 'senders', value: [...senders] });
      return;
    }
  }
}

/** A workspace manifest's facts (packed, their buffers to transfer), or why it was not read. */
function manifestRead(text: string, uri: string): { value: ManifestRead; transfer: ArrayBuffer[] } {
  const problem = manifestLimitProblem(text);
  const facts = looksLikeManifest(text) && !problem ? manifestFacts(text, uri).facts : [];
  const { packed, transfer } = packFacts(facts, { transfer: true });
  return { value: { facts: packed, ...(problem ? { problem } : {}) }, transfer };
}

/**
 * A workspace log's facts (see logFileFacts), packed; none when not recognised. `sendsText`: the
 * receiver does not hold the text, so captures carry theirs; else only where it starts in it.
 */
function logRead(
  text: string,
  uri: string,
  options: { sendsText: boolean },
): { value: LogRead; transfer: ArrayBuffer[] } {
  const read = logFileFacts(text, uri);
  if (!read) return { value: {}, transfer: [] };
  const textOf = (table: PacketColumns, at: number) =>
    !options.sendsText && ((at === 0 && table.text === text) || text.startsWith(table.text, at))
      ? { offset: at, length: table.text.length }
      : undefined;
  const { packed, transfer } = packFacts(read.facts, { textOf, transfer: true });
  return { value: { facts: packed }, transfer };
}

/** Pieces of the texts of requests still to come, by request id. */
const pieces = new Map<number, string[]>();

parentPort?.on('message', (message: WorkerRequest) => {
  const post = (response: WorkerResponse, transfer?: ArrayBuffer[]) => parentPort!.postMessage(response, transfer);
  if (message.kind === 'ack') {
    waiting.get(message.id)?.();
    waiting.delete(message.id);
    return;
  }
  if (message.kind === 'text') {
    const list = pieces.get(message.id) ?? [];
    list.push(message.piece);
    pieces.set(message.id, list);
    return;
  }
  const request = message;
  if ('pieces' in request && request.pieces) {
    request.text = (pieces.get(request.id) ?? []).join('');
    pieces.delete(request.id);
  }
  answer(request, post).catch((error: unknown) =>
    post({
      id: request.id,
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
