import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { trace, UnknownTargetError } from '../../flow';
import '../../ingest/all';
import { parseDocument, type DocumentBlock } from '../../ingest/document';
import { packDocument, packFacts, unpackFacts } from '../../ingest/factTransfer';
import type { PacketColumns } from '../../ingest/tcpdump/columns/packetColumns';
import { normalizeLineEnds } from '../../ingest/lineEnds';
import type { Fact } from '../../model';
import { suggestFlows, summarizeBlocks } from '../paste/analysis.pure';
import { buildModel, logFileFacts } from '../workspace/modelFacts.pure';
import type { WorkerRequest, WorkerResponse } from './protocol.pure';

/**
 * The parse worker (bundled as dist/worker.js, run in a Node worker thread by workerClient): parses,
 * analyzes pastes and traces off the extension host's thread. It imports no `vscode`. A request
 * runs to its end; cancelling one terminates the worker (the client starts a new one).
 */

/** The facts of the last pasted text analyzed, kept for a trace of one of the flows it offered. */
let paste: { uri: string; facts: Fact[] } | undefined;

const countLines = (text: string): number => {
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
};

/** Facts per message of a parsed document (about 50 ms for the host to read). */
const FACTS_PER_PART = 2000;

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

/** Requests waiting for the host to read a part they sent. */
const waiting = new Map<number, () => void>();
const acknowledged = (id: number) => new Promise<void>((resolve) => waiting.set(id, resolve));

async function answer(
  request: Exclude<WorkerRequest, { kind: 'text' | 'ack' }>,
  post: (message: WorkerResponse, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  const progress = (message: string, increment?: number) =>
    post({ id: request.id, kind: 'progress', message, ...(increment !== undefined ? { increment } : {}) });
  switch (request.kind) {
    case 'parse': {
      const started = performance.now();
      const text = normalizeLineEnds(request.text);
      const lines = countLines(text);
      progress(`parsing ${lines.toLocaleString('en')} lines`, 10);
      const parsed = parseDocument(text, request.uri);
      const parseMs = Math.round(performance.now() - started);
      progress('sending the facts', 60);
      // the offsets point into the text the host holds: unless line ends were rewritten, it is ours
      const own = text === request.text ? text : '';
      const groups = partsOf(parsed.blocks);
      for (const group of groups.slice(0, -1)) {
        const { packed, transfer } = packDocument({ ...parsed, blocks: group }, own, { transfer: true });
        post({ id: request.id, kind: 'part', blocks: packed.blocks }, transfer);
        await acknowledged(request.id);
      }
      const last = groups[groups.length - 1] ?? [];
      const { packed, transfer } = packDocument({ ...parsed, blocks: last }, own, { transfer: true });
      post({ id: request.id, kind: 'parsed', value: { document: packed, lines, parseMs } }, transfer);
      return;
    }
    case 'log': {
      const read = logFileFacts(request.text, request.uri);
      if (!read) {
        post({ id: request.id, kind: 'log', value: {} });
        return;
      }
      const textOf = (table: PacketColumns) =>
        table.text === request.text ? { offset: 0, length: table.text.length } : undefined;
      const { packed, transfer } = packFacts(read.facts, { textOf, transfer: true });
      post({ id: request.id, kind: 'log', value: { facts: packed } }, transfer);
      return;
    }
    case 'analyze': {
      const started = performance.now();
      paste = undefined;
      if (request.saveTo !== undefined) writeFileSync(request.saveTo, request.text);
      const lines = countLines(request.text);
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
      const facts = unpackFacts(request.facts);
      const held = request.paste !== undefined && paste?.uri === request.paste ? paste.facts : [];
      progress(`tracing ${request.from} → ${request.to}`, 20);
      try {
        const result = trace(buildModel([facts, held]), request.from, request.to);
        post({ id: request.id, kind: 'trace', value: { kind: 'traced', result } });
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
  }
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
  answer(request, post).catch((e: unknown) =>
    post({ id: request.id, kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
