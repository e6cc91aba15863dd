import * as vscode from 'vscode';
import type { DocumentResult } from '../../ingest/document';
import { editedLines, reparseEditedInTurns, type EditedLines } from '../../ingest/documentEdit';
import { unpackDocument, unpackFacts, type PackedDocument } from '../../ingest/factTransfer';
import type { Fact } from '../../model';
import { parseWorker, sizeLimit } from '../worker/parseInWorker';

/**
 * Open logs too large to parse on the extension host's thread: the first parse runs in the parse
 * worker (the facts come back as transferred columns), and an edit re-reads only the blocks it
 * touched (ingest/documentEdit.ts), on the host, from the last parse and the lines edited since.
 * Until the worker answers, the document's previous facts (or none) stand; `onParsed` fires then.
 */

/** Logs at least this large (characters) are parsed in the worker. */
export const WORKER_PARSE_MIN = 1_000_000;

interface Parsed {
  version: number;
  doc: DocumentResult;
  /** Lines edited since `version`. */
  edited?: EditedLines;
}

export class LargeDocuments implements vscode.Disposable {
  private readonly parsed = new Map<string, Parsed>();
  private readonly parsing = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly onParsed: () => void,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.parsed.delete(d.uri.toString())),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /**
   * The facts of a large open log now: parsed, re-read where edited (`current`), or while the
   * worker reads it, those of an earlier version (or none).
   */
  facts(doc: vscode.TextDocument, text: string): { facts: readonly Fact[]; current: boolean } {
    const uri = doc.uri.toString();
    const last = this.parsed.get(uri);
    if (last?.version === doc.version) return { facts: last.doc.facts, current: true };
    // one read at a time per document; the next starts when this one is done (onParsed)
    if (this.parsing.has(uri)) return { facts: last?.doc.facts ?? [], current: false };
    if (last?.edited) {
      void this.reparse(uri, doc.version, text, last);
      return { facts: last.doc.facts, current: false };
    }
    if (text.length > sizeLimit()) {
      this.log.warn(
        `workspace model: ${uri} not read: ${(text.length / 1e6).toFixed(0)} MB, over kubePacketPath.analysis.maxSizeMB (run Analyze Pasted Output on it to read it anyway)`,
      );
      return { facts: [], current: true };
    }
    void this.parseInWorker(uri, doc.version, text);
    return { facts: last?.doc.facts ?? [], current: false };
  }

  /** A workspace file that may be a log, read in the worker (see logFileFacts); undefined: not recognised. */
  async logFile(text: string, uri: string): Promise<{ facts: Fact[] } | undefined> {
    const answer = await parseWorker(this.context).request({ kind: 'log', uri, text });
    if (answer.kind !== 'log' || !answer.value.facts) return undefined;
    return { facts: unpackFacts(answer.value.facts, text) };
  }

  /** Re-reads the blocks edited since `last` (on this thread, in turns), then `onParsed`. */
  private async reparse(uri: string, version: number, text: string, last: Parsed): Promise<void> {
    this.parsing.set(uri, version);
    const started = Date.now();
    const edited = last.edited!;
    last.edited = undefined;
    try {
      const result = await reparseEditedInTurns(last.doc, text, edited, {
        slice: 500,
        pause: () => new Promise((resolve) => setImmediate(resolve)),
      });
      // edits made meanwhile were recorded on `last`: they apply to the result next time
      this.parsed.set(uri, { version, doc: result, edited: last.edited });
      this.log.info(
        `workspace model: ${uri}: re-read ${result.readBlocks} block(s), ${result.readLines} lines after an edit in ${Date.now() - started} ms`,
      );
      this.onParsed();
    } catch (e) {
      this.parsed.delete(uri);
      this.log.warn(`workspace model: could not re-read ${uri}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (this.parsing.get(uri) === version) this.parsing.delete(uri);
    }
  }

  private async parseInWorker(uri: string, version: number, text: string): Promise<void> {
    this.parsing.set(uri, version);
    const started = Date.now();
    try {
      // the facts come in parts, each read in its own turn of the event loop
      const blocks: DocumentResult['blocks'] = [];
      const read = (packed: PackedDocument['blocks']) => {
        for (const block of unpackDocument({ uri, blocks: packed }, text).blocks) blocks.push(block);
      };
      const answer = await parseWorker(this.context).request(
        { kind: 'parse', uri, text },
        { onPart: (part) => read(part.blocks) },
      );
      if (answer.kind !== 'parsed') return;
      read(answer.value.document.blocks);
      const facts: Fact[] = [];
      for (const block of blocks) for (const fact of block.result.facts) facts.push(fact);
      const doc: DocumentResult = { uri, blocks, facts };
      const now = this.parsed.get(uri);
      // an edit made while the worker read applies on top (its lines were recorded since `version`)
      if (!now || now.version < version) this.parsed.set(uri, { version, doc, edited: this.pending.get(uri) });
      this.pending.delete(uri);
      this.log.info(
        `workspace model: ${uri}: ${answer.value.lines} lines read in the worker in ${answer.value.parseMs} ms (${Date.now() - started} ms in all), ${doc.facts.length} facts`,
      );
      this.onParsed();
    } catch (e) {
      this.log.warn(`workspace model: could not read ${uri}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (this.parsing.get(uri) === version) this.parsing.delete(uri);
    }
  }

  /** Lines edited in documents being read by the worker, since the version it reads. */
  private readonly pending = new Map<string, EditedLines>();

  private edited(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const uri = e.document.uri.toString();
    // the changes of one event all refer to the document before it: one span covers them
    let startLine = Infinity;
    let endLine = -1;
    let delta = 0;
    for (const change of e.contentChanges) {
      startLine = Math.min(startLine, change.range.start.line);
      endLine = Math.max(endLine, change.range.end.line);
      let added = 0;
      for (let at = change.text.indexOf('\n'); at >= 0; at = change.text.indexOf('\n', at + 1)) added++;
      delta += added - (change.range.end.line - change.range.start.line);
    }
    const change = { startLine, endLine, text: '\n'.repeat(Math.max(0, endLine - startLine + delta)) };
    const last = this.parsed.get(uri);
    if (last) last.edited = editedLines([change], last.edited);
    if (this.parsing.has(uri)) this.pending.set(uri, editedLines([change], this.pending.get(uri))!);
  }
}
