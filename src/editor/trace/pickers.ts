import * as vscode from 'vscode';
import { namespacedName, namespaceOf, type ClusterModel, type Pod } from '../../model';
import { targetItems } from './targets.pure';

/** QuickPicks for trace endpoints, filled from the workspace model. */

/** Asks for a pod (the client of a trace). */
export async function pickPod(pods: readonly Pod[], title: string): Promise<string | undefined> {
  if (pods.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No client pod is known: open or add a manifest or log that shows one.'),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    pods.map((p) => ({
      label: p.name,
      description: `${namespaceOf(p)}${p.ip ? ` · ${p.ip}` : ''}${p.predicted ? ` · ${vscode.l10n.t('predicted')}` : ''}`,
      value: namespacedName(p),
    })),
    { title, placeHolder: vscode.l10n.t('Pod the packet starts from') },
  );
  return picked?.value;
}

/** Asks for FROM or TO among pods, Services, DNS names and IPs; typing a value not listed is allowed. */
export async function pickTarget(
  model: ClusterModel,
  role: 'source' | 'destination',
  title: string,
): Promise<string | undefined> {
  const items = targetItems(model, role).map((t) => ({ label: t.label, description: t.description, value: t.value }));
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
