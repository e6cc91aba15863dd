import * as vscode from 'vscode';
import type { ClusterModel, Fact } from '../../model';
import { lastClusterRead, onDidReadCluster } from '../cluster';
import { LargeDocuments, type ScannedFile } from './largeDocuments';
import type { HoverPlace } from '../hover/hoverSentences.pure';
import { packFacts } from '../../ingest/factTransfer';
import type { TraceResult } from '../../flow/types';
import { traceInWorker, type EarlyPayload } from '../worker/traceInWorker';
import { diagnoseInWorker } from '../diagnose/diagnoseInWorker';
import { LOG_LANGUAGES, PLAIN_LANGUAGES } from '../logLanguageIds.pure';
import type { Diagnosis } from '../../flow';
import type { WorkerPart } from '../worker/protocol.pure';
import { withWorkerProgress } from '../worker/parseInWorker';
import { mapInOrder, refillInOrder } from './inOrder.pure';
import { excludeRules, SCAN_EXCLUDES, type FileSearch } from './listFiles.pure';
import { fileKey } from './readFiles.pure';
import {
  buildModel,
  buildModelInTurns,
  factsOf,
  logFacts,
  looksLikeManifest,
  manifestFacts,
  manifestLimitProblem,
  WORKSPACE_MANIFEST_LIMITS,
  preferManifest,
  sniffedFormat,
  type SourcePart,
} from './modelFacts.pure';

/**
 * Everything the workspace knows, as one ClusterModel: manifests on disk, open manifests
 * and logs (tcpdump, iptables-save, plain text the sniffer recognises) and the last cluster
 * read. Parsing is lazy (on `getModel`) and cached per document URI + version, so typing only
 * marks a document stale; the model is rebuilt from cached facts after a short debounce.
 * Evidence URIs are the documents' own (`file:`, `untitled:`), so diagram arrows open them.
 */

const MANIFEST_GLOB = '**/*.{yaml,yml,json}';
const EXCLUDE = `{${SCAN_EXCLUDES.join(',')}}`;
const MAX_MANIFESTS = 500;
/** Workspace logs read without being opened (`kubePacketPath.logs.include`): at most this many, this large. */
const MAX_LOG_FILES = 300;
const MAX_LOG_BYTES = 5_000_000;
const DEFAULT_LOG_GLOBS = ['**/*.{txt,log,tcpdump,iptables,iptables-save,ip6tables}', '**/rules.v4', '**/rules.v6'];
const DEBOUNCE_MS = 400;
/** Workspace files the scan reads at once (a stat, a read and a parse each; at most 5 MB of text each). */
const SCAN_AT_ONCE = 4;
/** A URI as a workspace-relative path, for the log. */
const relative = (uri: string) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
/** A trace of a model with more packets than this runs in the parse worker. */
const TRACE_HERE_MAX_PACKETS = 20_000;
const MANIFEST_LANGUAGES = new Set(['yaml', 'json']);
/** A hover in the worker that took this long is logged with where its time went. */
const SLOW_HOVER_MS = 100;

interface Cached {
  key: string;
  facts: Fact[];
}

/** A workspace log as last scanned: its facts, or why it was not read. */
interface CachedLog extends Cached {
  ignored?: string;
}

export class WorkspaceModel implements vscode.Disposable {
  /** Manifests read from disk, by URI; key = mtime + size. */
  private readonly files = new Map<string, Cached>();
  /** Open documents, by URI; key = version. Wins over `files` for the same URI. */
  private readonly docs = new Map<string, Cached>();
  /** Logs read from disk (`kubePacketPath.logs.include`), by URI; key = mtime + size. */
  private readonly logs = new Map<string, CachedLog>();
  private scan?: Promise<void>;
  private model?: ClusterModel;
  /** Counts changes, so that a model built in turns is kept only when nothing changed meanwhile. */
  private generation = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires (debounced) when the model may have changed. */
  readonly onDidChange = this.emitter.event;

  /** Open logs parsed in the worker and re-read block by block when edited. */
  private readonly large: LargeDocuments;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly context: vscode.ExtensionContext,
  ) {
    this.large = new LargeDocuments(context, log, () => this.changed());
    const watcher = vscode.workspace.createFileSystemWatcher(MANIFEST_GLOB);
    const logWatcher = vscode.workspace.createFileSystemWatcher('**/*');
    // Rescanning is cheap: unchanged files keep their facts (mtime + size key).
    const rescan = () => {
      this.scan = undefined;
      this.changed();
    };
    this.disposables.push(
      this.large,
      this.emitter,
      watcher,
      watcher.onDidChange(rescan),
      watcher.onDidDelete(rescan),
      watcher.onDidCreate(rescan),
      logWatcher,
      logWatcher.onDidChange((uri) => this.logs.has(uri.toString()) && rescan()),
      logWatcher.onDidDelete((uri) => this.logs.has(uri.toString()) && rescan()),
      logWatcher.onDidCreate(rescan),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('kubePacketPath.logs')) rescan();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(rescan),
      vscode.workspace.onDidOpenTextDocument((opened) => {
        if (!this.isRelevant(opened)) return;
        this.readEarly(opened);
        this.changed();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (this.isRelevant(event.document)) this.changed();
      }),
      vscode.workspace.onDidCloseTextDocument((closed) => {
        if (this.docs.delete(closed.uri.toString())) this.changed();
      }),
      onDidReadCluster(() => this.changed()),
    );
    // the features load when such a document opens (src/editor/lazyFeatures.ts): after its open event
    for (const doc of vscode.workspace.textDocuments) if (this.isRelevant(doc)) this.readEarly(doc);
  }

  /**
   * Starts the work a relevant open document will need before anybody asks: the workspace scan, and
   * a large log's parse in the worker. The user looks at a document before pointing at a line; its
   * first hover otherwise waited for both (0.5–0.8 s and 1.3–2 s on 400,000 lines under load).
   */
  private readEarly(doc: vscode.TextDocument): void {
    // the parse first: its worker's thread was started when the document opened
    if (this.isHeldByWorker(doc)) void this.large.sync(doc);
    void (this.scan ??= this.scanManifests());
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }

  /**
   * The merged model; parses what changed since the last call. With `prefer` (the manifest a
   * trace starts from), that manifest speaks for the objects it names: other manifests' objects
   * with the same namespace/name are set aside (see `preferManifest`). Such a model is not cached.
   */
  async getModel(options: { prefer?: string } = {}): Promise<ClusterModel> {
    await (this.scan ??= this.scanManifests());
    if (this.model && !options.prefer) return this.model;
    const parts = this.sourceParts();
    if (!options.prefer) {
      const generation = this.generation;
      const model = await buildModelInTurns(
        parts.map((part) => part.facts),
        // 5,000 rules a turn took 0.1-0.2 s of the host on a loaded machine
        { slice: 1000, pause: () => new Promise((resolve) => setImmediate(resolve)) },
      );
      // built in turns: the documents may have changed meanwhile (then the next call builds again)
      if (generation === this.generation) this.model = model;
      return model;
    }
    const { facts, setAside } = preferManifest(parts, options.prefer);
    if (setAside.length)
      this.log.info(
        `workspace model: tracing from ${options.prefer}; set aside other manifests' ${setAside.join(', ')}`,
      );
    return buildModel(facts);
  }

  /** The sources of the model, in the order they are merged (manifests, open documents, logs, the cluster). */
  private sourceParts(): SourcePart[] {
    const open = new Set<string>();
    const parts: SourcePart[] = [];
    for (const doc of vscode.workspace.textDocuments) {
      const facts = this.documentFacts(doc);
      if (!facts) continue;
      open.add(doc.uri.toString());
      parts.push({ uri: doc.uri.toString(), manifest: MANIFEST_LANGUAGES.has(doc.languageId), facts });
    }
    for (const [uri, cached] of this.logs)
      if (!open.has(uri) && cached.facts.length) parts.push({ uri, manifest: false, facts: cached.facts });
    // the manifests first, in the order listed (the first to name an object gives the view its file)
    const manifests: SourcePart[] = [];
    for (const [uri, cached] of this.files)
      if (!open.has(uri)) manifests.push({ uri, manifest: true, facts: cached.facts });
    parts.unshift(...manifests);
    const cluster = lastClusterRead();
    if (cluster) {
      // the same list while the read is the same: the worker keeps it by its number
      if (this.clusterFacts?.model !== cluster.model)
        this.clusterFacts = { model: cluster.model, facts: factsOf(cluster.model) };
      parts.push({ uri: 'cluster:', manifest: false, facts: this.clusterFacts.facts });
    }
    return parts;
  }

  /** True for an open log the parse worker holds (a large one): its hovers and traces are answered there. */
  isHeldByWorker(doc: vscode.TextDocument): boolean {
    return (
      !MANIFEST_LANGUAGES.has(doc.languageId) &&
      this.isRelevant(doc) &&
      this.large.handles(doc) &&
      this.large.answeredInWorker(doc.uri.toString())
    );
  }

  /**
   * Open documents the worker holds, brought to their current versions (`whenHeld`: once the worker
   * holds them, see LargeDocuments.whenHeld: enough for its hovers).
   */
  private async syncHeld(options: { whenHeld?: boolean } = {}): Promise<Set<string>> {
    const held = new Set<string>();
    for (const doc of vscode.workspace.textDocuments)
      if (this.isHeldByWorker(doc) && (await (options.whenHeld ? this.large.whenHeld(doc) : this.large.sync(doc))))
        held.add(doc.uri.toString());
    return held;
  }

  /**
   * The parts as the worker reads them: a held document by its URI (the worker has its packets), a
   * source's facts sent once and then named by number (an edit re-sends nothing but what changed).
   * `context`: the parts are the worker's new context, which drops the numbers it does not name.
   */
  private workerParts(
    facts: readonly (readonly Fact[])[],
    parts: readonly SourcePart[],
    options: { held: Set<string>; context?: boolean },
  ): WorkerPart[] {
    const heldBy = new Map<readonly Fact[], string>();
    for (const part of parts)
      if (options.held.has(part.uri) && this.large.isHeld(part.uri)) heldBy.set(part.facts, part.uri);
    const sources = new Set<readonly Fact[]>(parts.map((part) => part.facts));
    if (this.sent.epoch !== this.large.workerEpoch) this.sent = { epoch: this.large.workerEpoch, numbers: new Set() };
    const named = new Set<number>();
    const result = facts.map((list): WorkerPart => {
      const uri = heldBy.get(list);
      if (uri !== undefined) return { held: uri };
      const packed = () => packFacts(list, { transfer: false }).packed;
      // a list made for this trace alone (a manifest's facts set aside) is sent as it is
      if (!sources.has(list)) return { facts: packed() };
      let number = this.numbers.get(list);
      if (number === undefined) this.numbers.set(list, (number = this.nextNumber++));
      named.add(number);
      return this.sent.numbers.has(number) ? { cached: number } : { facts: packed(), cacheAs: number };
    });
    if (options.context) this.sent.numbers = named;
    else for (const number of named) this.sent.numbers.add(number);
    return result;
  }

  /** Numbers of the fact lists sent to the worker (see workerParts). */
  private readonly numbers = new WeakMap<readonly Fact[], number>();
  private nextNumber = 1;
  /** The numbers the worker (of that epoch) keeps. */
  private sent = { epoch: -1, numbers: new Set<number>() };

  private clusterFacts?: { model: ClusterModel; facts: Fact[] };

  /** The context last sent for the worker's hovers: the model generation and the worker it went to. */
  private sentContext?: { generation: number; epoch: number };

  /** What a hover on a large log says, answered by the parse worker with the workspace's sources. */
  async hoverInWorker(doc: vscode.TextDocument, place: HoverPlace): Promise<string[] | undefined> {
    const started = Date.now();
    await (this.scan ??= this.scanManifests());
    const scanned = Date.now();
    // the worker answers as soon as it holds the document, between the parts of its facts
    if (!(await this.large.whenHeld(doc))) return undefined;
    const synced = Date.now();
    const generation = this.generation;
    const epoch = this.large.workerEpoch;
    let contextSet: Promise<void> | undefined;
    if (this.sentContext?.generation !== generation || this.sentContext.epoch !== epoch) {
      const held = await this.syncHeld({ whenHeld: true });
      const parts = this.sourceParts();
      const facts = parts.map((part) => part.facts);
      const sent = { generation, epoch };
      // the worker reads requests in order: the hover goes right behind the context, not after its answer
      contextSet = this.large.setContext(this.workerParts(facts, parts, { held, context: true })).catch((e) => {
        if (this.sentContext === sent) this.sentContext = undefined;
        throw e;
      });
      this.sentContext = sent;
    }
    const asked = Date.now();
    const [{ said, waitedMs, computeMs }] = await Promise.all([this.large.hover(doc, place), contextSet]);
    const answered = Date.now();
    const inWorker =
      waitedMs !== undefined ? ` (the worker began it after ${waitedMs} ms and took ${computeMs} ms)` : '';
    if (answered - started >= SLOW_HOVER_MS)
      this.log.info(
        `workspace model: a hover on ${relative(doc.uri.toString())} answered in ${answered - started} ms: ` +
          `${scanned - started} ms waiting for the workspace scan, ${synced - scanned} for the worker to read ` +
          `the document, ${asked - synced} giving it the workspace's sources, ${answered - asked} for its ` +
          `answer${inWorker}`,
      );
    return said;
  }

  /** True when a trace should run in the parse worker: a large log is open, or the model holds many packets. */
  tracesInWorker(model: ClusterModel): boolean {
    return (
      vscode.workspace.textDocuments.some((doc) => this.isHeldByWorker(doc)) ||
      (model.summary().Packet ?? 0) > TRACE_HERE_MAX_PACKETS
    );
  }

  /**
   * Traces FROM → TO in the parse worker on the workspace's sources (as getModel merges them, with
   * `prefer` as there), with a cancellable progress notification; throws UnknownTargetError as
   * `trace` does, WorkerCancelled when cancelled.
   */
  async traceInWorker(
    from: string,
    to: string,
    options: { prefer?: string; connection?: number; onPayload?: (early: EarlyPayload) => void } = {},
  ): Promise<TraceResult> {
    const parts = await this.workerSources(options.prefer);
    const { connection, onPayload } = options;
    return traceInWorker(this.context, { parts, from, to, connection, onPayload });
  }

  /**
   * *Diagnose* in the parse worker on the workspace's sources (as getModel merges them), the packets
   * of the large logs it holds with them, with a cancellable progress notification; throws
   * WorkerCancelled when cancelled.
   */
  async diagnoseInWorker(): Promise<Diagnosis> {
    return diagnoseInWorker(this.context, await this.workerSources());
  }

  /**
   * The source addresses of the packets sent to one of `addresses` in the large logs the parse
   * worker holds (the host model lacks their packets), with how many each sent; undefined when it
   * holds none, when the user cancelled, or when it could not answer (the reason is logged).
   */
  async sendersInWorker(addresses: readonly string[]): Promise<Map<string, number> | undefined> {
    const held = [...(await this.syncHeld())].filter((uri) => this.large.isHeld(uri));
    if (held.length === 0 || addresses.length === 0) return undefined;
    try {
      // about 1 s on a held capture of a million lines the first time (the packets it finds are built)
      const senders = await withWorkerProgress(
        this.context,
        vscode.l10n.t('Kube Packet Path: looking for the clients in the open logs'),
        async (client) => {
          const answer = await client.request({ kind: 'senders', held, addresses: [...addresses] });
          return answer.kind === 'senders' ? answer.value : undefined;
        },
      );
      return senders && new Map(senders);
    } catch (e) {
      this.log.warn(`the parse worker did not say who sends to ${addresses.join(', ')}: ${String(e)}`);
      return undefined;
    }
  }

  /**
   * The workspace's sources as the worker reads them (see workerParts), its held documents brought
   * to their current versions; with `prefer` as getModel has it. Made when called, as a request is posted.
   */
  private async workerSources(prefer?: string): Promise<() => WorkerPart[]> {
    await (this.scan ??= this.scanManifests());
    const held = await this.syncHeld();
    const parts = this.sourceParts();
    const facts = prefer ? preferManifest(parts, prefer).facts : parts.map((part) => part.facts);
    return () => this.workerParts(facts, parts, { held });
  }

  /** Facts of one open document (cached by version), or undefined when it is neither a manifest nor a log. */
  documentFacts(doc: vscode.TextDocument): readonly Fact[] | undefined {
    if (!this.isRelevant(doc)) return undefined;
    const uri = doc.uri.toString();
    const key = String(doc.version);
    const hit = this.docs.get(uri);
    if (hit?.key === key) return hit.facts;
    if (!MANIFEST_LANGUAGES.has(doc.languageId) && this.large.handles(doc)) {
      const large = this.large.facts(doc);
      if (large.current) this.docs.set(uri, { key, facts: [...large.facts] });
      return large.facts;
    }
    const text = doc.getText();
    const started = Date.now();
    let facts: Fact[] = [];
    try {
      const tooLarge = MANIFEST_LANGUAGES.has(doc.languageId) ? manifestLimitProblem(text) : undefined;
      if (tooLarge) this.log.warn(`workspace model: ${uri} not read: ${tooLarge}`);
      facts = MANIFEST_LANGUAGES.has(doc.languageId)
        ? looksLikeManifest(text) && !tooLarge
          ? manifestFacts(text, uri).facts
          : []
        : logFacts(text, uri).facts;
    } catch (e) {
      this.log.warn(`workspace model: could not read ${uri}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const ms = Date.now() - started;
    if (ms > 200) this.log.info(`workspace model: parsed ${uri} (${facts.length} facts) in ${ms} ms`);
    this.docs.set(uri, { key, facts });
    return facts;
  }

  private isRelevant(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return false;
    if (LOG_LANGUAGES.has(doc.languageId)) return true;
    if (MANIFEST_LANGUAGES.has(doc.languageId)) return true;
    if (!PLAIN_LANGUAGES.has(doc.languageId)) return false;
    // Plain text counts when the sniffer recognises its head (cached with the facts once parsed).
    const cached = this.docs.get(doc.uri.toString());
    if (cached) return true;
    return sniffedFormat(doc.getText(new vscode.Range(0, 0, 60, 0))) !== undefined;
  }

  private changed(): void {
    this.model = undefined;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emitter.fire();
    }, DEBOUNCE_MS);
  }

  /** The workspace logs read (with facts) and those set aside, with why. */
  logFiles(): { read: string[]; ignored: { uri: string; reason: string }[] } {
    const read: string[] = [];
    const ignored: { uri: string; reason: string }[] = [];
    // an open document is read from the editor, whatever was said of its file
    const open = new Set(vscode.workspace.textDocuments.map((doc) => doc.uri.toString()));
    for (const [uri, cached] of this.logs)
      if (cached.ignored) {
        if (!open.has(uri)) ignored.push({ uri, reason: cached.ignored });
      } else if (cached.facts.length) read.push(uri);
    return { read, ignored };
  }

  private async scanManifests(): Promise<void> {
    // An untrusted folder's files are not read on our own (opened documents still are).
    if (!vscode.workspace.isTrusted) {
      this.files.clear();
      this.logs.clear();
      this.model = undefined;
      this.generation++;
      this.log.info('workspace model: the workspace is not trusted, so its manifests and logs are not scanned');
      return;
    }
    const started = Date.now();
    const logGlobs = vscode.workspace
      .getConfiguration('kubePacketPath')
      .get<string[]>('logs.include', DEFAULT_LOG_GLOBS)
      .filter((pattern) => typeof pattern === 'string' && pattern.trim());
    const [manifests = [], ...logLists] = await this.listFiles([
      { globs: [MANIFEST_GLOB], max: MAX_MANIFESTS },
      ...logGlobs.map((glob) => ({ globs: [glob], max: MAX_LOG_FILES })),
    ]);
    const listed = Date.now() - started;
    await Promise.all([this.scanManifestFiles(manifests, listed), this.scanLogFiles(logLists, listed)]);
  }

  /**
   * For each search, the workspace's files matching its globs: listed from the disk by the scan's
   * worker when every folder is on it (`file:`, see listFiles: as findFiles lists them, in a fixed
   * order), else with `vscode.workspace.findFiles`, one search at a time. Each search of findFiles
   * starts a ripgrep process from the extension host's thread (30-60 ms of it on a busy machine):
   * the scan's four, started at once, stalled it 105-138 ms while the first hover of a large capture
   * waited (host-stall bench), one after another 60-69 ms. A search that fails lists nothing (logged).
   */
  private async listFiles(searches: FileSearch[]): Promise<vscode.Uri[][]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const warn = (what: string, e: unknown) =>
      this.log.warn(`workspace model: could not list ${what}: ${e instanceof Error ? e.message : String(e)}`);
    if (folders.length > 0 && folders.every((folder) => folder.uri.scheme === 'file'))
      try {
        const lists = await this.large.listFiles(
          folders.map((folder) => ({
            path: folder.uri.fsPath,
            excludes: excludeRules(vscode.workspace.getConfiguration('files', folder.uri).get('exclude')),
            followSymlinks: vscode.workspace.getConfiguration('search', folder.uri).get('followSymlinks') !== false,
          })),
          searches,
        );
        return lists.map((paths) => paths.map((path) => vscode.Uri.file(path)));
      } catch (e) {
        warn("the workspace in the scan's worker", e);
      }
    // in the worker's order (folders in order, then by path): findFiles' order is the search's
    const placed = (uri: vscode.Uri) => ({
      uri,
      folder: vscode.workspace.getWorkspaceFolder(uri)?.index ?? folders.length,
      path: uri.path,
    });
    const lists: vscode.Uri[][] = [];
    for (const search of searches) {
      const glob = search.globs.length === 1 ? search.globs[0] : `{${search.globs.join(',')}}`;
      const found = await vscode.workspace.findFiles(glob, EXCLUDE, search.max).then(undefined, (e: unknown) => {
        warn(glob, e);
        return [];
      });
      lists.push(
        found
          .map(placed)
          .sort(
            (one, other) => one.folder - other.folder || (one.path < other.path ? -1 : one.path > other.path ? 1 : 0),
          )
          .map((file) => file.uri),
      );
    }
    return lists;
  }

  /**
   * A workspace file as the scan reads it, parsed in the scan's worker (YAML is the slowest reader, and
   * the scan reads up to 300 files at once): unchanged since the key `known`, over `maxBytes`, or its
   * facts. A `file:` is read from the disk by that worker (see readWorkspaceFile), other files through
   * VS Code's file system here.
   */
  private async scannedFile(
    uri: vscode.Uri,
    read: { as: 'manifest' | 'log'; known?: string; maxBytes: number },
  ): Promise<ScannedFile> {
    if (uri.scheme === 'file') return this.large.workspaceFile(uri, read);
    const stat = await vscode.workspace.fs.stat(uri);
    const key = fileKey(stat.mtime, stat.size);
    if (read.known === key) return { key, unchanged: true };
    if (stat.size > read.maxBytes) return { key, size: stat.size, tooLarge: true };
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    if (read.as === 'manifest') return { key, ...(await this.large.manifestFile(text, uri.toString())) };
    return { key, facts: (await this.large.logFile(text, uri.toString()))?.facts };
  }

  /**
   * Text files that may be captures, rule dumps or command output (globs in
   * `kubePacketPath.logs.include`; empty list = none): read without being opened, so a trace uses
   * the logs beside the manifests. Cached by mtime + size; too large or unrecognised files are
   * remembered with the reason.
   */
  private async scanLogFiles(lists: vscode.Uri[][], listedIn: number): Promise<void> {
    const listed = Date.now();
    const found = new Map<string, vscode.Uri>();
    for (const list of lists) for (const uri of list) if (found.size < MAX_LOG_FILES) found.set(uri.toString(), uri);
    for (const uri of [...this.logs.keys()]) if (!found.has(uri)) this.logs.delete(uri);
    // read a few at a time; what each found is kept in the order found (the model merges them so)
    const reads = await mapInOrder([...found], SCAN_AT_ONCE, async ([key, uri]): Promise<CachedLog | undefined> => {
      if (/\.(ya?ml|json)$/i.test(uri.path)) return undefined;
      try {
        // an open document is read from the editor (documentFacts), not from the disk, whatever its size
        // (a large open log is not "ignored"): what was read of it before it was opened is kept for after
        if (vscode.workspace.textDocuments.some((opened) => opened.uri.toString() === key)) return undefined;
        const read = await this.scannedFile(uri, {
          as: 'log',
          known: this.logs.get(key)?.key,
          maxBytes: MAX_LOG_BYTES,
        });
        if ('unchanged' in read) return undefined;
        if ('tooLarge' in read) {
          const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
          return {
            key: read.key,
            facts: [],
            ignored: `${mb(read.size)}, over the ${mb(MAX_LOG_BYTES)} read without opening (open it to use it)`,
          };
        }
        return read.facts
          ? { key: read.key, facts: read.facts }
          : { key: read.key, facts: [], ignored: 'not recognised as a capture, rule dump or command output' };
      } catch (e) {
        return { key: 'error', facts: [], ignored: e instanceof Error ? e.message : String(e) };
      }
    });
    // in the order listed (a fixed order, see listFiles), whatever was read before: the model merges them so
    refillInOrder(this.logs, [...found.keys()], reads);
    const { read, ignored } = this.logFiles();
    this.log.info(
      `workspace model: ${read.length} log file(s) read without opening (kubePacketPath.logs.include)${
        ignored.length
          ? `; ignored: ${ignored.map((ignoredLog) => `${relative(ignoredLog.uri)} (${ignoredLog.reason})`).join(', ')}`
          : ''
      } (listed in ${listedIn} ms, read in ${Date.now() - listed} ms)`,
    );
  }

  private async scanManifestFiles(uris: vscode.Uri[], listedIn: number): Promise<void> {
    const listed = Date.now();
    const seen = new Set(uris.map((found) => found.toString()));
    for (const uri of [...this.files.keys()]) if (!seen.has(uri)) this.files.delete(uri);
    const reads = await mapInOrder(uris, SCAN_AT_ONCE, async (uri): Promise<Cached | undefined> => {
      try {
        const read = await this.scannedFile(uri, {
          as: 'manifest',
          known: this.files.get(uri.toString())?.key,
          maxBytes: WORKSPACE_MANIFEST_LIMITS.maxBytes,
        });
        if ('unchanged' in read) return undefined;
        if ('tooLarge' in read) {
          this.log.info(`workspace model: ${uri.toString()} not read: ${read.size} bytes, over the limit`);
          return { key: read.key, facts: [] };
        }
        if (read.problem) this.log.info(`workspace model: ${uri.toString()} not read: ${read.problem}`);
        return { key: read.key, facts: read.facts ?? [] };
      } catch (e) {
        this.log.warn(
          `workspace model: could not read ${uri.toString()}: ${e instanceof Error ? e.message : String(e)}`,
        );
        return undefined;
      }
    });
    // kept in the order found, as when they were read one after another
    refillInOrder(
      this.files,
      uris.map((uri) => uri.toString()),
      reads,
    );
    this.model = undefined;
    this.generation++;
    this.log.info(
      `workspace model: ${[...this.files.values()].filter((cached) => cached.facts.length).length} manifest ` +
        `files in the workspace (listed in ${listedIn} ms, read in ${Date.now() - listed} ms)`,
    );
  }
}
