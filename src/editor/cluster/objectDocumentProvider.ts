import * as vscode from 'vscode';
import { onDidReadCluster } from './state';

/** The scheme of cluster objects as documents (`cluster://<context>/<Kind>/<namespace>/<name>`). */
export const CLUSTER_SCHEME = 'cluster';

/**
 * The read-only documents of cluster objects. Registered at activation (a reload restores open
 * ones); `objectText` (clusterObjectText in objectDocuments.ts, which needs the YAML library) is
 * reached through the features bundle.
 */
export function registerClusterObjectDocuments(objectText: (uri: string) => string): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => objectText(uri.toString(true)),
  };
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(CLUSTER_SCHEME, provider),
    // A new read (or a watch event) changes what the open objects show.
    onDidReadCluster(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === CLUSTER_SCHEME) changed.fire(doc.uri);
    }),
  );
}
