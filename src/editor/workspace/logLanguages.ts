import * as vscode from 'vscode';
import { PLAIN_LANGUAGES } from '../logLanguageIds.pure';
import { detectedLanguage } from './modelFacts.pure';

/**
 * Captures and rule dumps saved as `.txt`/`.log` open as Plain Text. A plain-text file whose
 * content is tcpdump or iptables-save output is switched to that language when it lies under the
 * log globs (`kubePacketPath.logs.include`); elsewhere the switch is offered once.
 */
const HEAD_LINES = 60;

export class LogLanguages implements vscode.Disposable {
  private readonly offered = new Set<string>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscription = vscode.workspace.onDidOpenTextDocument((doc) => void this.check(doc));
    for (const doc of vscode.workspace.textDocuments) void this.check(doc);
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /** Applies (or offers) the detected language; returns the language the document ends in. */
  async check(doc: vscode.TextDocument): Promise<string> {
    if (doc.uri.scheme !== 'file' || !PLAIN_LANGUAGES.has(doc.languageId)) return doc.languageId;
    const language = detectedLanguage(doc.getText(new vscode.Range(0, 0, HEAD_LINES, 0)), doc.uri.toString());
    if (!language) return doc.languageId;
    const globs = vscode.workspace.getConfiguration('kubePacketPath', doc.uri).get<string[]>('logs.include', []);
    const underGlobs = globs.some((pattern) => vscode.languages.match({ pattern, scheme: 'file' }, doc) > 0);
    const name = vscode.workspace.asRelativePath(doc.uri);
    if (underGlobs) {
      this.log.info(`${name}: ${language} output, shown as ${language} (kubePacketPath.logs.include)`);
      return (await vscode.languages.setTextDocumentLanguage(doc, language)).languageId;
    }
    if (this.offered.has(doc.uri.toString())) return doc.languageId;
    this.offered.add(doc.uri.toString());
    const use = vscode.l10n.t('Show as {0}', language);
    void vscode.window
      .showInformationMessage(vscode.l10n.t('{0} looks like {1} output.', name, language), use)
      .then((pick) => {
        if (pick === use) void vscode.languages.setTextDocumentLanguage(doc, language);
      });
    return doc.languageId;
  }
}
