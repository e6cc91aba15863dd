import * as vscode from 'vscode';
import type { ClusterModel } from '../../model';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { buildLineIndex, type LineIndex } from './captureIndex.pure';
import { HOVER_LINE_CHARS, hoverSentences, type HoverPlace } from './hoverSentences.pure';

/**
 * Hovers on capture and rule lines. The document is indexed once per version (line → rules;
 * line → packets by binary search on the capture tables) from the facts the workspace model
 * already parsed; a hover builds only the packets of its line and correlates only those sharing
 * the hovered packet's addresses (cached per conversation). A large log the parse worker holds is
 * indexed and answered there (WorkspaceModel.hoverInWorker). Every sentence is added with
 * `appendText`, so text from the log is escaped and the markdown is never trusted.
 */

interface CachedIndex {
  version: number;
  model: ClusterModel;
  index: LineIndex;
}

export class CaptureHoverProvider implements vscode.HoverProvider {
  private readonly cache = new Map<string, CachedIndex>();

  constructor(
    private readonly workspace: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Forget a closed document's index. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    try {
      const lineText = doc.lineAt(pos.line).text;
      const place = {
        line: pos.line + 1,
        character: pos.character,
        lineText: lineText.length > HOVER_LINE_CHARS ? lineText.slice(0, HOVER_LINE_CHARS) : lineText,
      };
      // a large log is held by the parse worker: its hovers are answered there, off this thread
      const sentences = this.workspace.isHeldByWorker(doc)
        ? await this.workspace.hoverInWorker(doc, place)
        : await this.sentencesHere(doc, place);
      if (!sentences || sentences.length === 0) return undefined;
      if (sentences.length === 0) return undefined;
      const md = new vscode.MarkdownString(undefined, false);
      md.isTrusted = false;
      md.supportHtml = false;
      md.appendMarkdown(`**${vscode.l10n.t('Kube Packet Path')}**\n\n`);
      for (const sentence of sentences) {
        md.appendMarkdown('- ');
        md.appendText(sentence);
        md.appendMarkdown('\n');
      }
      return new vscode.Hover(md, doc.lineAt(pos.line).range);
    } catch (e) {
      this.log.error(`hover: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return undefined;
    }
  }

  private async sentencesHere(doc: vscode.TextDocument, place: HoverPlace): Promise<string[] | undefined> {
    const index = await this.indexOf(doc);
    if (!index) return undefined;
    return hoverSentences(this.cache.get(doc.uri.toString())!.model, index, place);
  }

  private async indexOf(doc: vscode.TextDocument): Promise<LineIndex | undefined> {
    const key = doc.uri.toString();
    // Plain text that is not a log costs one sniff of its head; only logs wake the workspace model.
    const facts = this.workspace.documentFacts(doc);
    if (!facts || facts.length === 0) return undefined;
    const model = await this.workspace.getModel();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.model === model) return hit.index;
    const index = buildLineIndex(facts, key, model);
    this.cache.set(key, { version: doc.version, model, index });
    return index;
  }
}
