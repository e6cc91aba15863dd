import * as vscode from 'vscode';
import { parseClusterUri } from '../../cluster/convert/evidence';
import type { Evidence, Fact } from '../../model';
import { factsOf } from '../workspace/modelParts.pure';
import { clusterEvidenceLine, factsYaml } from './objectLine.pure';
import { lastClusterRead } from './state';

/**
 * `cluster://<context>/<Kind>/<namespace>/<name>` evidence as a document: what the last cluster
 * read made of that object, as read-only YAML (a content provider's documents cannot be edited
 * or saved). Clicking such evidence in the diagram opens it at the line of the evidence's
 * excerpt when it has one (a Corefile line), else at the field that proves the hop
 * (objectLine.pure.ts), else at the object's name.
 */

const sameObject = (uri: string, otherUri: string) => {
  const object = parseClusterUri(uri);
  const other = parseClusterUri(otherUri);
  return !!object && !!other && JSON.stringify(object) === JSON.stringify(other);
};

/** The facts of the last read whose evidence is this object. */
function factsRead(uri: string): Fact[] {
  const read = lastClusterRead();
  if (!read) return [];
  return factsOf(read.model).filter((fact) =>
    fact.evidence.some((evidence) => evidence.source === 'cluster' && sameObject(evidence.uri, uri)),
  );
}

/** The YAML text of a cluster object as the model holds it, without the evidence bookkeeping. */
export function clusterObjectText(uri: string): string {
  const where = parseClusterUri(uri);
  const read = lastClusterRead();
  const head = where
    ? `# ${where.kind} ${where.namespace ? `${where.namespace}/` : ''}${where.name} from context '${where.context}'`
    : `# ${uri}`;
  const facts = factsRead(uri);
  if (!read || facts.length === 0)
    return `${head}\n# ${vscode.l10n.t('Not in the last cluster read: run "Refresh from Cluster".')}\n`;
  const when = vscode.l10n.t(
    'as Kube Packet Path read it at {0} (read-only; "Refresh from Cluster" reads it again)',
    read.at.toISOString(),
  );
  return `${head}\n# ${when}\n${factsYaml(facts)}`;
}

/** Opens `cluster://` evidence as its read-only YAML document, at the evidence's line. */
export async function openClusterEvidence(
  evidence: Evidence,
  column: vscode.ViewColumn,
): Promise<vscode.TextEditor | undefined> {
  const uri = vscode.Uri.parse(evidence.uri, true);
  let doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'yaml') doc = await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  const line = clusterEvidenceLine(doc.getText(), evidence);
  const range = doc.lineAt(line).range;
  const editor = await vscode.window.showTextDocument(doc, { selection: range, preview: true, viewColumn: column });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
