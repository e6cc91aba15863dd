import * as vscode from 'vscode';
import type { ClusterModel } from '../../model';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { buildLineIndex, type LineIndex } from './captureIndex.pure';
import { annotatePacket } from './packetAnnotation.pure';
import { annotateRuleLine } from './ruleAnnotation.pure';

/**
 * Hovers on capture and rule lines. The document is indexed once per version (line → rules;
 * line → packets by binary search on the capture tables) from the facts the workspace model
 * already parsed; a hover builds only the packets of its line and correlates only those sharing
 * the hovered packet's addresses (cached per conversation). Every sentence is added with
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
      const index = await this.indexOf(doc);
      if (!index) return undefined;
      const line = pos.line + 1;
      const model = this.cache.get(doc.uri.toString())!.model;
      const sentences: string[] = [];
      const packets = index.packets.get(line) ?? [];
      // A flattened capture holds many packets on one line: describe the one under the cursor.
      const packet =
        packets.length > 1
          ? (packets.find(
              (p) =>
                (p.evidence[0]?.column ?? 1) - 1 <= pos.character &&
                pos.character < (p.evidence[0]?.column ?? 1) - 1 + (p.evidence[0]?.excerpt?.length ?? 0),
            ) ?? packets[0])
          : packets[0];
      if (packet) sentences.push(...annotatePacket(model, index, packet));
      const text = doc.lineAt(pos.line).text;
      if (/KUBE-|DNAT|statistic|probability/.test(text))
        sentences.push(
          ...annotateRuleLine(
            model,
            index.allRules,
            text.length > 4000 ? text.slice(0, 4000) : text,
            index.rules.get(line) ?? [],
          ),
        );
      if (sentences.length === 0) return undefined;
      const md = new vscode.MarkdownString(undefined, false);
      md.isTrusted = false;
      md.supportHtml = false;
      md.appendMarkdown(`**${vscode.l10n.t('Kube Packet Path')}**\n\n`);
      for (const s of sentences) {
        md.appendMarkdown('- ');
        md.appendText(s);
        md.appendMarkdown('\n');
      }
      return new vscode.Hover(md, doc.lineAt(pos.line).range);
    } catch (e) {
      this.log.error(`hover: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return undefined;
    }
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
