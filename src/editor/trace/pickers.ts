import * as vscode from 'vscode';
import { namespacedName, namespaceOf, type ClusterModel, type Pod } from '../../model';
import { targetItems } from './targets.pure';

/** QuickPicks for trace endpoints, filled from the workspace model. */

/** Asks for a pod (the client of a trace), grouped by namespace; predicted pods say so. */
export async function pickPod(pods: readonly Pod[], title: string): Promise<string | undefined> {
  if (pods.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No client pod is known: open or add a manifest or log that shows one.'),
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { value?: string };
  const items: Item[] = [];
  for (const namespace of [...new Set(pods.map((pod) => namespaceOf(pod)))]) {
    items.push({ label: namespace, kind: vscode.QuickPickItemKind.Separator });
    for (const pod of pods.filter((candidate) => namespaceOf(candidate) === namespace)) {
      const predicted = pod.predicted
        ? vscode.l10n.t('predicted from {0} {1}', pod.owner?.kind ?? '', pod.owner?.name ?? '')
        : '';
      items.push({
        label: pod.name,
        description: [pod.ip, predicted].filter(Boolean).join(' · '),
        value: namespacedName(pod),
      });
    }
  }
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: vscode.l10n.t('Pod the packet starts from'),
  });
  return picked?.value;
}

/** Asks for FROM or TO among pods, Services, DNS names and IPs; typing a value not listed is allowed. */
export async function pickTarget(
  model: ClusterModel,
  role: 'source' | 'destination',
  title: string,
): Promise<string | undefined> {
  const items = targetItems(model, role).map(({ label, description, value }) => ({ label, description, value }));
  const qp = vscode.window.createQuickPick<{ label: string; description?: string; value: string }>();
  qp.title = title;
  qp.placeholder =
    role === 'source'
      ? vscode.l10n.t('Pod or node the packet starts from')
      : vscode.l10n.t('Pod, Service, DNS name or IP (append :PORT if needed)');
  qp.items = items;
  qp.matchOnDescription = true;
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      done = true;
      const chosen = qp.selectedItems[0]?.value ?? qp.value.trim();
      qp.hide();
      resolve(chosen || undefined);
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) resolve(undefined);
    });
    qp.show();
  });
}
