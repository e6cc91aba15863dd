import * as vscode from 'vscode';
import type { DocumentResult } from '../../ingest/document';
import { shifted } from '../../ingest/documentEdit';
import { unpackDocument, unpackFacts, type PackedDocument } from '../../ingest/factTransfer';
import type { Fact } from '../../model';
import type { HoverPlace } from '../hover/hoverSentences.pure';
import { documentLength, parseWorker, scanWorker, sizeLimit, WORKER_PARSE_MIN } from '../worker/parseInWorker';
import type { FileCheck, TextChange, WorkerPart } from '../worker/protocol.pure';
import type { FileSearch, ListedFolder } from './listFiles.pure';
import type { WorkerClient } from '../worker/workerClient.pure';

/**
 * Open logs too large to read on the extension host's thread are held by the parse worker: it
 * parses the text once, keeps it and its facts, applies the editor's change events to them and
 * re-reads only the blocks an edit touched (ingest/documentEdit.ts); hovers on the document and
 * traces are answered there. The host keeps every fact but the packets (rules, DNS answers, pods:
 * what its commands and views read), received in parts, each read in its own turn. Until the worker
 * answers, the document's previous facts (or none) stand; `onParsed` fires then.
 */

/** Facts whose lines an edit moves in one turn of the event loop (about 10 ms). */
const MOVE_FACTS = 2000;

interface Held {
  /** The version the worker holds (and whose facts `doc` is), and the worker thread (epoch) holding it. */
  version: number;
  epoch: number;
  /** The document's facts: without its packets when the worker holds it (`inWorker`), else all. */
  doc: DocumentResult;
  inWorker: boolean;
}

/**
 * A workspace file as the scan read it: unchanged since the key it held, over the size it reads, or
 * its facts (a log's undefined: not recognised) and, for a manifest, why it was not read.
 */
export type ScannedFile =
  | { key: string; unchanged: true }
  | { key: string; size: number; tooLarge: true }
  | { key: string; facts: Fact[] | undefined; problem?: string };

/** A change event, with the document version it made. */
interface ChangeEvent {
  version: number;
  changes: TextChange[];
}

export class LargeDocuments implements vscode.Disposable {
  private readonly held = new Map<string, Held>();
  /** Change events of held documents since the version the worker holds. */
  private readonly events = new Map<string, ChangeEvent[]>();
  /** The one sync under way per document. */
  private readonly syncing = new Map<string, Promise<boolean>>();
  /**
   * The parse under way per document: its version, and whether the worker holds it (resolved when
   * the worker says so, before the host has read its facts; false when it was not read).
   */
  private readonly parsing = new Map<string, { version: number; epoch?: number; held: Promise<boolean> }>();
  /** Documents over the size limit, not read (logged once per version). */
  private readonly refused = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly onParsed: () => void,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.recordChange(event)),
      vscode.workspace.onDidCloseTextDocument((closed) => this.close(closed.uri.toString())),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  private get worker(): WorkerClient {
    return parseWorker(this.context);
  }

  /** True for a log the worker holds (or will): large and not a manifest. */
  handles(doc: vscode.TextDocument): boolean {
    return this.held.has(doc.uri.toString()) || documentLength(doc) >= WORKER_PARSE_MIN;
  }

  /**
   * The facts (without packets) of a large open log now: `current` when they are those of the
   * document's version; otherwise those of an earlier version (or none) while the worker catches up.
   */
  facts(doc: vscode.TextDocument): { facts: readonly Fact[]; current: boolean } {
    const uri = doc.uri.toString();
    const last = this.held.get(uri);
    if (last?.version === doc.version && last.epoch === this.worker.epoch)
      return { facts: last.doc.facts, current: true };
    if (this.refused.get(uri) === doc.version) return { facts: [], current: true };
    void this.sync(doc);
    return { facts: last?.doc.facts ?? [], current: false };
  }

  /**
   * Brings the worker to the document's version: sends the change events made since the version it
   * holds, or the whole text when it holds none (or lost it). False when the document was not read.
   */
  sync(doc: vscode.TextDocument): Promise<boolean> {
    const uri = doc.uri.toString();
    const under = this.syncing.get(uri);
    // one at a time; a sync that started before the latest edit is followed by another
    const next = (under ?? Promise.resolve(true)).then(() => this.syncNow(doc));
    const mine = next.finally(() => {
      if (this.syncing.get(uri) === mine) this.syncing.delete(uri);
    });
    this.syncing.set(uri, mine);
    return mine;
  }

  private async syncNow(doc: vscode.TextDocument): Promise<boolean> {
    const uri = doc.uri.toString();
    if (doc.isClosed) return false;
    const last = this.held.get(uri);
    const epoch = this.worker.epoch;
    if (last && last.epoch === epoch && last.version === doc.version) return true;
    const events = this.events.get(uri) ?? [];
    if (last && last.epoch === epoch && events.length > 0 && events[events.length - 1].version === doc.version)
      if (await this.sendEdits(doc, last, events)) return true;
    return this.parse(doc);
  }

  /** The change events since `last` to the worker; false when it is out of step (then the text is sent again). */
  private async sendEdits(doc: vscode.TextDocument, last: Held, events: ChangeEvent[]): Promise<boolean> {
    const uri = doc.uri.toString();
    const started = Date.now();
    const version = doc.version;
    const parts: DocumentResult['blocks'] = [];
    const answer = await this.worker.request(
      {
        kind: 'edit',
        uri,
        from: last.version,
        version,
        events: events.map((event) => event.changes),
        length: documentLength(doc),
      },
      { onPart: (part) => this.readPart(uri, part.blocks, parts) },
    );
    if (answer.kind !== 'edited' || answer.value === 'out-of-sync') {
      this.log.warn(`workspace model: ${uri}: the parse worker was out of step after an edit; reading it again`);
      return false;
    }
    // the blocks read again came as parts, or with the answer (a capture read in place)
    this.readPart(uri, answer.value.document.blocks, parts);
    this.events.set(
      uri,
      events.filter((event) => event.version > version),
    );
    // the blocks read again replace theirs; the later ones move (in turns: a rule dump's 85,000 facts)
    const { at, removed, delta } = answer.value.splice;
    const later: DocumentResult['blocks'] = [];
    let group: DocumentResult['blocks'] = [];
    let facts = 0;
    for (const block of last.doc.blocks.slice(at + removed)) {
      group.push(block);
      facts += block.result.facts.length;
      if (facts < MOVE_FACTS) continue;
      for (const moved of shifted(group, delta, uri)) later.push(moved);
      [group, facts] = [[], 0];
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const moved of shifted(group, delta, uri)) later.push(moved);
    const blocks = [...last.doc.blocks.slice(0, at), ...parts, ...later];
    this.keep(uri, { version, epoch: last.epoch, doc: documentOf(uri, blocks), inWorker: true });
    const began = answer.value.timings
      ? `; it began ${answer.value.timings.startedAt - started} ms after it was asked`
      : '';
    this.log.info(
      `workspace model: ${uri}: ${events.length} edit(s) re-read in the worker in ${answer.value.parseMs} ms ` +
        `(${Date.now() - started} ms in all${began})`,
    );
    return true;
  }

  /** Reads the whole document in the worker; `parsing` says when the worker holds it. */
  private async parse(doc: vscode.TextDocument): Promise<boolean> {
    const uri = doc.uri.toString();
    let announce: (held: boolean) => void = () => undefined;
    const parsing = {
      version: doc.version,
      epoch: undefined as number | undefined,
      held: new Promise<boolean>((resolve) => (announce = resolve)),
    };
    this.parsing.set(uri, parsing);
    let read = false;
    try {
      read = await this.parseNow(doc, () => {
        parsing.epoch = this.worker.epoch;
        announce(true);
      });
      return read;
    } finally {
      announce(read);
      if (this.parsing.get(uri) === parsing) this.parsing.delete(uri);
    }
  }

  private async parseNow(doc: vscode.TextDocument, onHolding: () => void): Promise<boolean> {
    const uri = doc.uri.toString();
    const version = doc.version;
    const length = documentLength(doc);
    if (length > sizeLimit()) {
      if (this.refused.get(uri) !== version)
        this.log.warn(
          `workspace model: ${uri} not read: ${(length / 1e6).toFixed(0)} MB, over ` +
            'kubePacketPath.analysis.maxSizeMB (run Analyze Pasted Output on it to read it anyway)',
        );
      this.refused.set(uri, version);
      this.onParsed();
      return false;
    }
    const started = Date.now();
    const worker = this.worker;
    try {
      const parts: DocumentResult['blocks'] = [];
      // the events from here on apply to the version the worker is given
      this.events.set(uri, []);
      // a saved file is read by the worker itself: no copy of its text on this thread
      const file = doc.uri.scheme === 'file' && !doc.isDirty ? fileCheck(doc, length) : undefined;
      let text = file ? '' : doc.getText();
      const onPart = (part: { blocks: PackedDocument['blocks'] }) => this.readPart(uri, part.blocks, parts, text);
      let answer = await worker.request(
        { kind: 'parse', uri, text, version, ...(file ? { file } : {}) },
        { onPart, onHolding },
      );
      if (answer.kind === 'parsed' && answer.value.differs) {
        this.log.info(`workspace model: ${uri}: the file on disk is not the document's text; sending the text`);
        text = doc.getText();
        answer = await worker.request({ kind: 'parse', uri, text, version }, { onPart, onHolding });
      }
      if (answer.kind !== 'parsed') return false;
      const inWorker = answer.value.held === true;
      if (inWorker) worker.holding = true;
      this.keep(uri, { version, epoch: worker.epoch, doc: documentOf(uri, parts), inWorker });
      const { timings } = answer.value;
      // where the time to a first hover goes: the worker's start, the file's reading, the parse (and
      // how much of it the worker's thread waited for a CPU on a busy machine)
      const detail = timings
        ? `; it began ${timings.startedAt - started} ms after it was asked` +
          (timings.readMs > 0 ? `, read the file in ${timings.readMs} ms` : '') +
          (timings.untilHeld
            ? `; until it held it, its thread ran ${timings.untilHeld.cpuMs} ms and waited ` +
              `${timings.untilHeld.waitMs} ms for a CPU`
            : '')
        : '';
      this.log.info(
        `workspace model: ${uri}: ${answer.value.lines} lines read in the worker in ${answer.value.parseMs} ms ` +
          `(${Date.now() - started} ms in all${detail}), ${this.held.get(uri)?.doc.facts.length} facts besides ` +
          'its packets',
      );
      return true;
    } catch (e) {
      this.log.warn(`workspace model: could not read ${uri}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  /** Reads one part of a document's facts (in its own turn of the event loop). */
  private readPart(uri: string, packed: PackedDocument['blocks'], into: DocumentResult['blocks'], text = ''): void {
    for (const block of unpackDocument({ uri, blocks: packed }, text).blocks) into.push(block);
  }

  private keep(uri: string, held: Held): void {
    this.held.set(uri, held);
    this.refused.delete(uri);
    this.onParsed();
  }

  /**
   * True once the worker holds the document's version: while it is parsed, as soon as the worker
   * says so (before this thread has read its facts: 95,000 rules took 2 s more); else after `sync`.
   * False when the document was not read.
   */
  async whenHeld(doc: vscode.TextDocument): Promise<boolean> {
    const uri = doc.uri.toString();
    const parsing = this.parsing.get(uri);
    if (parsing?.version === doc.version && (await parsing.held) && this.isHeld(uri, doc.version)) return true;
    return this.sync(doc);
  }

  /**
   * What a hover on a large log says, answered by the worker once it holds the document's version, and
   * where its time went: after how long the worker began it, and how long it took there.
   */
  async hover(
    doc: vscode.TextDocument,
    place: HoverPlace,
  ): Promise<{ said?: string[]; waitedMs?: number; computeMs?: number }> {
    if (!(await this.whenHeld(doc))) return {};
    const asked = Date.now();
    const answer = await this.worker.request({
      kind: 'hover',
      uri: doc.uri.toString(),
      version: doc.version,
      ...place,
    });
    if (answer.kind !== 'hover') return {};
    const { timings } = answer;
    return {
      said: answer.value,
      ...(timings ? { waitedMs: timings.startedAt - asked, computeMs: timings.computeMs } : {}),
    };
  }

  /** The worker thread now running (see WorkerClient.epoch). */
  get workerEpoch(): number {
    return this.worker.epoch;
  }

  /** The workspace's sources the worker's hovers read. */
  async setContext(parts: WorkerPart[]): Promise<void> {
    await this.worker.request({ kind: 'context', parts });
  }

  /**
   * True when the worker holds `uri`: at the version whose facts the host has, or at the version
   * being parsed once the worker said it holds it (see whenHeld); at `version` when given.
   */
  isHeld(uri: string, version?: number): boolean {
    const epoch = this.worker.epoch;
    const parsing = this.parsing.get(uri);
    if (parsing?.epoch === epoch && (version === undefined || parsing.version === version)) return true;
    const held = this.held.get(uri);
    return (
      held !== undefined && held.inWorker && held.epoch === epoch && (version === undefined || held.version === version)
    );
  }

  /** False for a large log the worker read but does not hold (its line ends were rewritten): it is answered here. */
  answeredInWorker(uri: string): boolean {
    return this.held.get(uri)?.inWorker !== false;
  }

  /** For each search, the files under `folders` matching its globs, listed by the scan's worker (listFiles). */
  async listFiles(folders: ListedFolder[], searches: FileSearch[]): Promise<string[][]> {
    const answer = await scanWorker(this.context).request({ kind: 'list', folders, searches });
    if (answer.kind !== 'listed') throw new Error(`the scan's worker answered ${answer.kind} to a listing`);
    return answer.value;
  }

  /**
   * A workspace file that may be a log, read in the scan's worker (see logFileFacts and scanWorker);
   * undefined: not recognised.
   */
  async logFile(text: string, uri: string): Promise<{ facts: Fact[] } | undefined> {
    const answer = await scanWorker(this.context).request({ kind: 'log', uri, text });
    if (answer.kind !== 'log' || !answer.value.facts) return undefined;
    return { facts: unpackFacts(answer.value.facts, text) };
  }

  /**
   * A workspace manifest file read in the scan's worker (YAML costs the host 0.4 s for the lab's): its
   * facts, or why not.
   */
  async manifestFile(text: string, uri: string): Promise<{ facts: Fact[]; problem?: string }> {
    const answer = await scanWorker(this.context).request({ kind: 'manifest', uri, text });
    if (answer.kind !== 'manifest') return { facts: [] };
    return { facts: unpackFacts(answer.value.facts), problem: answer.value.problem };
  }

  /**
   * A workspace file read from the disk by the scan's worker (see readWorkspaceFile) and read there as
   * a manifest or a log: unchanged since the key `known`, over `maxBytes`, or its facts (a log's none
   * when it is not recognised), with a manifest's problem.
   */
  async workspaceFile(
    uri: vscode.Uri,
    read: { as: 'manifest' | 'log'; known?: string; maxBytes: number },
  ): Promise<ScannedFile> {
    const { as, known, maxBytes } = read;
    const request = { kind: 'workspaceFile', uri: uri.toString(), path: uri.fsPath, as, maxBytes } as const;
    const answer = await scanWorker(this.context).request({ ...request, ...(known !== undefined ? { known } : {}) });
    if (answer.kind !== 'workspaceFile') throw new Error(`the scan's worker answered ${answer.kind} to a file read`);
    const file = answer.value;
    if ('error' in file) throw new Error(file.error);
    if ('manifest' in file)
      return { key: file.key, facts: unpackFacts(file.manifest.facts), problem: file.manifest.problem };
    if ('log' in file) return { key: file.key, facts: file.log.facts && unpackFacts(file.log.facts) };
    return file;
  }

  private recordChange(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length === 0) return;
    const uri = event.document.uri.toString();
    const events = this.events.get(uri);
    if (!events) return;
    events.push({
      version: event.document.version,
      changes: event.contentChanges.map((change) => ({
        startLine: change.range.start.line,
        startCharacter: change.range.start.character,
        endLine: change.range.end.line,
        endCharacter: change.range.end.character,
        text: change.text,
      })),
    });
    // a capture's edit goes to the worker at once: it is read again (and what a hover there reads is
    // correlated, see HeldDocuments.rehover) while VS Code asks for the next hover; a document with many
    // facts besides its packets (a rule dump) waits to be asked, as an edit moves their lines on this thread
    const last = this.held.get(uri);
    if (
      last?.inWorker &&
      last.epoch === this.worker.epoch &&
      !this.parsing.has(uri) &&
      last.doc.facts.length < MOVE_FACTS
    )
      void this.sync(event.document);
  }

  private close(uri: string): void {
    const held = this.held.get(uri);
    this.held.delete(uri);
    this.events.delete(uri);
    this.refused.delete(uri);
    if (held && held.epoch === this.worker.epoch) void this.worker.request({ kind: 'forget', uri });
    if (this.held.size === 0) this.worker.holding = false;
  }
}

function fileCheck(doc: vscode.TextDocument, length: number): FileCheck {
  return {
    path: doc.uri.fsPath,
    length,
    firstLine: doc.lineAt(0).text,
    lastLine: doc.lineAt(doc.lineCount - 1).text,
  };
}

function documentOf(uri: string, blocks: DocumentResult['blocks']): DocumentResult {
  const facts: Fact[] = [];
  for (const block of blocks) for (const fact of block.result.facts) facts.push(fact);
  return { uri, blocks, facts };
}
