import * as vscode from 'vscode';
import { packFacts } from '../../ingest/factTransfer';
import type { Fact } from '../../model';
import { traceAndShow } from '../trace/runTrace';
import { withinSizeLimit, withWorkerProgress } from '../worker/parseInWorker';
import { traceInWorker } from '../worker/traceInWorker';
import { factsOf } from '../workspace/modelFacts.pure';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { describeBlock, pasteSource, type BlockSummary, type FlowSuggestion } from './analysis.pure';

/**
 * "Paste to analyze": the selection, else the active untitled editor the user pasted into,
 * else the clipboard (put into one untitled editor so the evidence has a document to point at;
 * run again, the same editor is analyzed, never a copy), else an empty editor to paste into. The detected
 * blocks go to the log and a QuickPick that also offers the flows the paste makes traceable.
 * `kubePacketPath.trace.showFlow` does the same for a whole log document (editor title button).
 */

export interface PasteAnalysis {
  uri: string;
  blocks: BlockSummary[];
  flows: FlowSuggestion[];
}

/** Pasted text larger than this is not opened in an editor but kept in a file (see analyzeLarge). */
const LARGE_PASTE = 20_000_000;
/** Blocks listed in the log and the pick list. */
const MAX_LISTED = 500;

type Item = vscode.QuickPickItem & { flow?: FlowSuggestion; block?: BlockSummary };

export function registerPasteCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  workspace: WorkspaceModel,
): void {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  /**
   * Reads `text` in the worker thread (progress and Cancel in a notification) and reports what it
   * holds. `doc` is where the text is shown (none for a paste too large for an editor, kept in a
   * file instead). Undefined when the user declined the size limit or cancelled.
   */
  async function analyzeText(
    text: string,
    uri: string,
    show: { doc?: vscode.TextDocument; range?: vscode.Range; name: string; save?: string },
  ): Promise<PasteAnalysis | undefined> {
    if (!(await withinSizeLimit(text.length, show.name))) return undefined;
    const others = factsOf(await workspace.getModel()).filter(
      (fact: Fact) => !fact.evidence.some((evidence) => evidence.uri === uri),
    );
    const analyzed = await withWorkerProgress(
      context,
      vscode.l10n.t('Kube Packet Path: reading {0}', show.name),
      async (client, report) => {
        const answer = await client.request(
          {
            kind: 'analyze',
            uri,
            text,
            others: packFacts(others, { transfer: false }).packed,
            ...(show.save ? { saveTo: show.save } : {}),
          },
          { onProgress: report },
        );
        return answer.kind === 'analyzed' ? answer.value : undefined;
      },
    );
    if (!analyzed) return undefined;
    const { range } = show;
    const blocks = analyzed.blocks.filter(
      (block) => !(range && block.format === 'unknown' && block.endLine <= range.start.line),
    );
    const flows = analyzed.flows;
    log.info(
      `paste: ${show.name}: ${blocks.length} block(s), ${analyzed.facts} facts, ${flows.length} traceable ` +
        `flow(s) (${analyzed.lines} lines read in ${analyzed.parseMs} ms in the worker)`,
    );
    // a long session can hold tens of thousands of blocks: the log and the list show the first ones
    for (const block of blocks.slice(0, MAX_LISTED)) log.info(`  ${describeBlock(block)}`);
    if (blocks.length > MAX_LISTED) log.info(`  … and ${blocks.length - MAX_LISTED} more block(s)`);
    for (const flow of flows) log.info(`  flow ${flow.from} → ${flow.to} (${flow.why})`);
    const unparsed = blocks.reduce((count, block) => count + block.unparsed, 0);
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Detected {0} block(s) ({1}), {2} unparsed line(s), {3} traceable flow(s).',
        blocks.length,
        [...new Set(blocks.map((block) => block.format))].join(', ') || '—',
        unparsed,
        flows.length,
      ),
    );
    const items: Item[] = [
      { label: vscode.l10n.t('Flows to trace'), kind: vscode.QuickPickItemKind.Separator },
      ...flows.map((flow) => ({
        label: `$(debug-start) ${flow.from} → ${flow.to}`,
        description: flow.why,
        flow: flow,
      })),
      { label: vscode.l10n.t('Detected blocks'), kind: vscode.QuickPickItemKind.Separator },
      ...blocks.slice(0, MAX_LISTED).map((block) => ({
        label: `${block.format}`,
        description: describeBlock(block).slice(block.format.length + 2),
        block: block,
      })),
    ];
    // Not awaited: the command returns what it found; the pick traces a flow or reveals a block.
    void vscode.window
      .showQuickPick(items, {
        title: vscode.l10n.t('Kube Packet Path: what the paste holds'),
        matchOnDescription: true,
      })
      .then(async (picked) => {
        if (picked?.flow)
          await traceAndShow(
            context,
            log,
            (onPayload) =>
              traceInWorker(context, {
                facts: others,
                paste: uri,
                from: picked.flow!.from,
                to: picked.flow!.to,
                onPayload,
              }),
            picked.flow.from,
            picked.flow.to,
          );
        else if (picked?.block) {
          const editor = show.doc
            ? await vscode.window.showTextDocument(show.doc)
            : await vscode.window.showTextDocument(vscode.Uri.parse(uri));
          const blockRange = new vscode.Range(picked.block.startLine - 1, 0, picked.block.endLine - 1, 0);
          editor.selection = new vscode.Selection(blockRange.start, blockRange.end);
          editor.revealRange(blockRange);
        }
      });
    return { uri, blocks, flows };
  }

  async function analyze(doc: vscode.TextDocument, range?: vscode.Range): Promise<PasteAnalysis | undefined> {
    // Leading newlines keep the selection's line numbers equal to the document's.
    const text = range ? '\n'.repeat(range.start.line) + doc.getText(range) : doc.getText();
    return analyzeText(text, doc.uri.toString(), { doc, range, name: vscode.workspace.asRelativePath(doc.uri) });
  }

  /**
   * A paste too large for an editor (VS Code does not hand documents over 50 MB to extensions):
   * the worker keeps it in a file in the extension's storage, which the evidence points at.
   */
  async function analyzeLarge(text: string): Promise<PasteAnalysis | undefined> {
    const folder = vscode.Uri.joinPath(context.globalStorageUri, 'pastes');
    await vscode.workspace.fs.createDirectory(folder);
    const file = vscode.Uri.joinPath(folder, `paste-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`);
    return analyzeText(text, file.toString(), { name: vscode.l10n.t('the pasted text'), save: file.fsPath });
  }

  register('kubePacketPath.paste.analyze', async (arg?: unknown): Promise<PasteAnalysis | undefined> => {
    try {
      const given =
        arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string'
          ? (arg as { text: string }).text
          : undefined;
      const editor = vscode.window.activeTextEditor;
      const asPaste = (doc: vscode.TextDocument) => ({
        uri: doc.uri.toString(),
        untitled: doc.isUntitled,
        text: doc.getText(),
      });
      const source = await pasteSource({
        given,
        selection: !!editor && !editor.selection.isEmpty,
        active: editor ? asPaste(editor.document) : undefined,
        untitled: vscode.workspace.textDocuments.filter((doc) => doc.isUntitled).map(asPaste),
        clipboard: () => vscode.env.clipboard.readText(),
      });
      switch (source.kind) {
        case 'selection':
          return await analyze(editor!.document, editor!.selection);
        case 'document': {
          const doc = vscode.workspace.textDocuments.find((open) => open.uri.toString() === source.uri);
          if (!doc) return undefined;
          await vscode.window.showTextDocument(doc);
          return await analyze(doc);
        }
        case 'new': {
          if (source.text.length > LARGE_PASTE) return await analyzeLarge(source.text);
          const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: source.text });
          await vscode.window.showTextDocument(doc);
          return await analyze(doc);
        }
        case 'empty': {
          const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
          await vscode.window.showTextDocument(doc);
          void vscode.window.showInformationMessage(
            vscode.l10n.t(
              'Paste a terminal session (tcpdump, iptables, dig, kubectl …) here and run "Analyze Pasted Output" again.',
            ),
          );
          return undefined;
        }
      }
    } catch (e) {
      log.error(`paste: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Could not analyze the pasted text: {0}', e instanceof Error ? e.message : String(e)),
      );
      return undefined;
    }
  });

  register('kubePacketPath.trace.showFlow', async (arg?: unknown): Promise<PasteAnalysis | undefined> => {
    const doc =
      arg instanceof vscode.Uri
        ? await vscode.workspace.openTextDocument(arg)
        : vscode.window.activeTextEditor?.document;
    if (!doc) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a capture, rule dump or terminal log first.'));
      return undefined;
    }
    return analyze(doc);
  });
}
