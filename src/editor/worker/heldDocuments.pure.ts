import type { DocumentResult } from '../../ingest/document';
import {
  cutIntoPieces,
  editedLines,
  lineStartsOf,
  reparseEdited,
  type EditedLines,
  type CaptureRowsEdit,
  type EditedText,
} from '../../ingest/documentEdit';
import { ownCopy } from '../../ingest/textCopy';
import { lineBreaks } from '../../ingest/lineEnds';
import { unpackFacts } from '../../ingest/factTransfer';
import { partitionPoint, type ClusterModel, type Fact } from '../../model';
import { buildLineIndex, type IndexBefore, type LineIndex } from '../hover/captureIndex.pure';
import { composeRowsEdits } from '../hover/conversation.pure';
import { HOVER_LINE_CHARS, hoverSentences, type HoverPlace } from '../hover/hoverSentences.pure';
import { buildModel } from '../workspace/modelParts.pure';
import type { TextChange, WorkerPart } from './protocol.pure';

/**
 * The large open logs the parse worker holds (no `vscode`): each one's text and parsed facts, kept
 * in step with the editor by its change events, so that an edit, a hover and a trace cost the
 * extension host a message, not a parse, a correlation or a walk over a million packets. The host
 * keeps every fact but the packets (see withoutPackets): the model its commands and views read.
 */

interface Held {
  version: number;
  text: ChunkedText;
  doc: DocumentResult;
  /** Readied for edits since the last edit (see prepare). */
  prepared?: boolean;
  index?: { model: ClusterModel; index: LineIndex };
  /**
   * The index before the in-place edits made since it was built, and the rows they read again: the
   * next index carries its conversations over (see ConversationFinder.carried).
   */
  before?: IndexBefore & { model: ClusterModel };
  /** Where the last hover was, until an edit has had it answered again (see rehover). */
  lastHover?: HoverPlace;
  /** Places whose hover is worked out ahead after an edit, in turn (see rehover); lines as they are now. */
  toWarm?: Omit<HoverPlace, 'lineText'>[];
}

/** Characters in a chunk of a held text. */
const CHUNK = 1 << 18;

/**
 * A held document's text in chunks of about CHUNK characters, and where its lines start (found on
 * the first edit, then kept up to date): an edit replaces the chunk it falls in. Making the edited
 * text one string copied all of it for each keystroke (50 MB: 30–280 ms on a loaded machine).
 */
class ChunkedText implements EditedText {
  private chunks: string[] = [];
  /** Where each chunk starts, and the text's length after the last. */
  private starts: number[] = [0];
  private lines?: number[];

  constructor(private readonly whole: string) {
    for (let at = 0; at < whole.length; at += CHUNK) this.chunks.push(whole.slice(at, at + CHUNK));
    this.count();
  }

  get length(): number {
    return this.starts[this.starts.length - 1];
  }

  get lineStarts(): number[] {
    return (this.lines ??= lineStartsOf(this.whole));
  }

  private count(): void {
    const starts = [0];
    for (const chunk of this.chunks) starts.push(starts[starts.length - 1] + chunk.length);
    this.starts = starts;
  }

  /** The chunk holding offset `at` (the last one for the text's end). */
  private chunkAt(at: number): number {
    return Math.max(
      0,
      Math.min(
        this.chunks.length - 1,
        partitionPoint(this.chunks.length, (k) => this.starts[k + 1] <= at),
      ),
    );
  }

  slice(from: number, to: number): string {
    if (to <= from) return '';
    let out = '';
    for (let k = this.chunkAt(from); k < this.chunks.length && this.starts[k] < to; k++)
      out += this.chunks[k].slice(Math.max(0, from - this.starts[k]), to - this.starts[k]);
    return out;
  }

  /** Replaces characters from..to with `text`. */
  private replace(from: number, to: number, text: string): void {
    if (this.chunks.length === 0) this.chunks.push('');
    const first = this.chunkAt(from);
    const last = this.chunkAt(to);
    const joined = ownCopy(
      this.chunks[first].slice(0, from - this.starts[first]) + text + this.chunks[last].slice(to - this.starts[last]),
    );
    const pieces: string[] = [];
    for (let at = 0; at < joined.length || pieces.length === 0; at += CHUNK) pieces.push(joined.slice(at, at + CHUNK));
    this.chunks.splice(first, last - first + 1, ...pieces);
    this.count();
  }

  /** Applies one change to the text and its line starts, as VS Code applies the changes of an event: in order. */
  apply(change: TextChange): void {
    const starts = this.lineStarts;
    const length = this.length;
    const offsetOf = (line: number, character: number) =>
      line >= starts.length ? length : Math.min(starts[line] + character, length);
    const from = offsetOf(change.startLine, change.startCharacter);
    const to = offsetOf(change.endLine, change.endCharacter);
    this.replace(from, to, change.text);
    const added: number[] = [];
    for (let at = change.text.indexOf('\n'); at >= 0; at = change.text.indexOf('\n', at + 1)) added.push(from + at + 1);
    if (added.length > 10_000) {
      this.lines = lineStartsOf(this.slice(0, this.length));
      return;
    }
    const delta = change.text.length - (to - from);
    for (let line = change.endLine + 1; line < starts.length; line++) starts[line] += delta;
    const removed = Math.max(0, Math.min(change.endLine, starts.length - 1) - change.startLine);
    starts.splice(change.startLine + 1, removed, ...added);
  }
}

/** Captures a document may hold for a hover where an edit changed the text to be worked out ahead (see rehover). */
const WARMED_CAPTURES = 8;

/** Whether `facts` hold more than `most` captures. */
function moreCaptures(facts: readonly Fact[], most: number): boolean {
  let captures = 0;
  for (const fact of facts) if (fact.kind === 'Capture' && ++captures > most) return true;
  return false;
}

/** Facts that stay in the worker: a capture's packets and single packets. */
const isPacketFact = (fact: Fact) => fact.kind === 'Capture' || fact.kind === 'Packet';

/** The document without its packets: what the extension host keeps of a held document. */
export function withoutPackets(doc: DocumentResult): DocumentResult {
  return {
    uri: doc.uri,
    blocks: doc.blocks.map((block) => ({
      ...block,
      result: { ...block.result, facts: block.result.facts.filter((fact) => !isPacketFact(fact)) },
    })),
    facts: doc.facts.filter((fact) => !isPacketFact(fact)),
  };
}

/** The lines one change event replaced (its changes all refer to the text before it: one span covers them). */
function eventSpan(changes: readonly TextChange[], before: EditedLines | undefined): EditedLines | undefined {
  let startLine = Infinity;
  let endLine = -1;
  let delta = 0;
  for (const change of changes) {
    startLine = Math.min(startLine, change.startLine);
    endLine = Math.max(endLine, change.endLine);
    delta += lineBreaks(change.text) - (change.endLine - change.startLine);
  }
  if (endLine < 0) return before;
  return editedLines([{ startLine, endLine, text: '\n'.repeat(Math.max(0, endLine - startLine + delta)) }], before);
}

/**
 * What an edit changed in a document's blocks: from block `at`, `removed` blocks became `blocks`
 * (those read again); the blocks after them stayed, their lines moved by `delta`.
 */
export interface ChangedBlocks {
  at: number;
  removed: number;
  blocks: DocumentResult['blocks'];
  delta: number;
}

/** The blocks before an edit (`before`) and after it, `read` of them read again (see reparseEdited). */
function changedBlocks(before: DocumentResult['blocks'], after: DocumentResult['blocks'], read: number): ChangedBlocks {
  // the blocks before the edit are kept as they were: the same objects
  let at = 0;
  while (at < before.length && at < after.length && at < after.length - read && before[at] === after[at]) at++;
  const later = after.length - at - read;
  const removed = before.length - at - later;
  const delta = later > 0 ? after[at + read].startLine - before[at + removed].startLine : 0;
  return { at, removed, blocks: after.slice(at, at + read), delta };
}

/**
 * What the next index of `held` may carry over after an edit that read `rows` of a capture again in
 * place (undefined: nothing, the edit changed more): its index as it was before the edits since
 * it was built, and the rows they read again, in one span.
 */
function indexBefore(held: Held, rows: CaptureRowsEdit | undefined): Held['before'] {
  if (!rows) return undefined;
  const span = { from: rows.from, removed: rows.removed, added: rows.added };
  if (held.index) return { index: held.index.index, model: held.index.model, capture: rows.capture, rows: span };
  if (held.before?.capture !== rows.capture) return undefined;
  return { ...held.before, rows: composeRowsEdits(held.before.rows, span) };
}

export class HeldDocuments {
  private readonly held = new Map<string, Held>();
  private context: ({ held: string } | { facts: Fact[] })[] = [];
  /** Facts the host sent once (`cacheAs`), by number. */
  private readonly cache = new Map<number, Fact[]>();
  private contextModel?: ClusterModel;
  /** The parts of the context as named (held documents, cached fact lists); undefined when facts came with them. */
  private contextKey?: string;

  hold(uri: string, version: number, text: string, doc: DocumentResult): void {
    this.held.set(uri, { version, text: new ChunkedText(text), doc });
    this.contextModel = undefined;
  }

  /**
   * Readies a held document for its first edit, when there is time: its line starts found, its
   * large captures cut into pieces (else the first edit does both: 40–80 ms on 400,000 lines).
   */
  prepare(uri: string): void {
    const held = this.held.get(uri);
    if (!held || held.prepared) return;
    held.prepared = true;
    void held.text.lineStarts;
    cutIntoPieces(held.doc);
  }

  forget(uri: string): void {
    if (this.held.delete(uri)) this.contextModel = undefined;
  }

  /**
   * Applies the change events made since version `from` and re-reads the blocks they touched; the
   * document as it is now, or undefined when `from` is not the version held or the text came out
   * other than `length` characters long (the document is then forgotten: the host sends it again).
   */
  edit(
    uri: string,
    request: { from: number; version: number; events: readonly TextChange[][]; length: number },
  ): { doc: DocumentResult; changed: ChangedBlocks } | undefined {
    const held = this.held.get(uri);
    if (!held || held.version !== request.from) {
      this.forget(uri);
      return undefined;
    }
    let span: EditedLines | undefined;
    for (const changes of request.events) {
      for (const change of changes) held.text.apply(change);
      span = eventSpan(changes, span);
    }
    if (held.text.length !== request.length) {
      this.forget(uri);
      return undefined;
    }
    const before = held.doc.blocks;
    let read = 0;
    let inPlace = true;
    if (span) {
      const edited = reparseEdited(held.doc, held.text, span);
      read = edited.readBlocks;
      inPlace = edited.inPlace === true;
      held.doc = edited;
      held.before = indexBefore(held, edited.inPlace ? edited.rows : undefined);
      held.index = undefined;
      // where the text changed, its first and last line (the places of an earlier edit are other lines
      // now), when the edit read a capture in place in a document of few captures: a hover there reads
      // a window of its conversation in each (in a session of 14,000 small captures, all of it: 1.4-3 s)
      held.toWarm =
        edited.inPlace && !moreCaptures(edited.facts, WARMED_CAPTURES)
          ? [span.from + 1, Math.max(span.from, span.newLast) + 1]
              .filter((line, index, lines) => lines.indexOf(line) === index)
              .map((line) => ({ line, character: 0 }))
          : [];
    }
    held.version = request.version;
    // a block read again whole holds a capture read whole again
    held.prepared = false;
    // only a capture's packets changed (the same Capture fact, its table read again in place): the
    // model holds the same facts, only what it made of the packets goes
    if (inPlace) this.contextModel?.add([]);
    else this.contextModel = undefined;
    return { doc: held.doc, changed: changedBlocks(before, held.doc.blocks, read) };
  }

  /** Sets the workspace's sources that hovers read. */
  setContext(parts: WorkerPart[]): void {
    const facts = this.factsOf(parts);
    const named = new Set<number>();
    for (const part of parts)
      if ('cached' in part) named.add(part.cached);
      else if ('cacheAs' in part && part.cacheAs !== undefined) named.add(part.cacheAs);
    for (const number of [...this.cache.keys()]) if (!named.has(number)) this.cache.delete(number);
    // a held document is read when the model is built: an edit may have changed it since
    this.context = parts.map((part, index) => ('held' in part ? { held: part.held } : { facts: facts[index] }));
    // the same held documents and fact lists sent before (the host sends them again after each edit):
    // the model stays, an edit that changed more than a capture's packets dropped it already
    // (a fact list sent with the number it is cached by is the list that number names later: the
    // first context after an edit names what the one before it sent)
    const names = parts.map((part) =>
      'held' in part
        ? `held ${part.held}`
        : 'cached' in part
          ? `cached ${part.cached}`
          : part.cacheAs !== undefined
            ? `cached ${part.cacheAs}`
            : undefined,
    );
    const key = names.every((name) => name !== undefined) ? names.join('\n') : undefined;
    if (key === undefined || key !== this.contextKey) this.contextModel = undefined;
    this.contextKey = key;
  }

  /** The facts of `parts` in order, held documents' from here; throws for a document not held. */
  factsOf(parts: readonly WorkerPart[]): Fact[][] {
    return parts.map((part) => {
      if ('cached' in part) {
        const facts = this.cache.get(part.cached);
        if (!facts) throw new Error(`the parse worker has no facts numbered ${part.cached}`);
        return facts;
      }
      if ('facts' in part) {
        const facts = unpackFacts(part.facts);
        if (part.cacheAs !== undefined) this.cache.set(part.cacheAs, facts);
        return facts;
      }
      const held = this.held.get(part.held);
      if (!held) throw new Error(`the parse worker does not hold ${part.held}`);
      return held.doc.facts;
    });
  }

  /** What a hover at `place` of the held document says; undefined when that version is not held. */
  hover(uri: string, version: number, place: HoverPlace): string[] | undefined {
    const held = this.held.get(uri);
    if (!held || held.version !== version) return undefined;
    // a document forgotten since the context was set is left out until the host sends a new one
    const model = (this.contextModel ??= buildModel(
      this.context.flatMap((part) => {
        if (!('held' in part)) return [part.facts];
        const document = this.held.get(part.held);
        return document ? [document.doc.facts] : [];
      }),
    ));
    if (held.index?.model !== model) {
      const before = held.before?.model === model ? held.before : undefined;
      held.index = { model, index: buildLineIndex(held.doc.facts, uri, model, before) };
      held.before = undefined;
    }
    held.lastHover = place;
    return hoverSentences(model, held.index.index, place);
  }

  /**
   * After an edit, works out what a hover where the text changed reads (its first and last line; an
   * edit read in place in a document of few captures), then what the last hover of `uri` read, at its line as the text is now: the conversations an edit
   * made the index drop are correlated while the host answers the edit and VS Code asks for the next
   * hover, which finds them ready there (where the user typed, or where they looked). One place per
   * call, so that a request that came meanwhile is answered between them; true while places remain.
   * Once per edit and per hover.
   */
  rehover(uri: string): boolean {
    const held = this.held.get(uri);
    if (!held) return false;
    const last = held.lastHover;
    held.lastHover = undefined;
    if (last) (held.toWarm ??= []).push({ line: last.line, character: last.character });
    const place = held.toWarm?.shift();
    if (!place) return false;
    const starts = held.text.lineStarts;
    const from = starts[place.line - 1];
    if (from !== undefined) {
      const to = Math.min(starts[place.line] ?? held.text.length, from + HOVER_LINE_CHARS);
      const lineText = held.text.slice(from, to).replace(/\r?\n$/, '');
      this.hover(uri, held.version, { ...place, lineText });
      held.lastHover = undefined;
    }
    if (held.toWarm?.length) return true;
    held.toWarm = undefined;
    return false;
  }

  /**
   * What the hovers of the held document `uri` keep: the windows of conversations correlated, and
   * how many of them its index carried over from before the last edits (see ConversationFinder.carried).
   */
  hoverWindows(uri: string): { kept: number; carried: number } | undefined {
    const finder = this.held.get(uri)?.index?.index.finder;
    return finder && { kept: finder.windows, carried: finder.carriedWindows };
  }

  /** The version of the held document `uri` (undefined when not held): what the worker's trace cache keys it by. */
  versionOf(uri: string): number | undefined {
    return this.held.get(uri)?.version;
  }
}
