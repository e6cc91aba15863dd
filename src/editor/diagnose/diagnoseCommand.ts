import * as vscode from 'vscode';
import { diagnose, type Diagnosis } from '../../flow';
import { openEvidence } from '../diagram/openEvidence';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { WorkerCancelled } from '../worker/workerClient.pure';

/**
 * *Kube Packet Path: Diagnose*: every problem the workspace's outputs and manifests show
 * (`diagnose` in src/flow), ranked, in a QuickPick; picking one opens its first proof. Returns the
 * diagnosis so tests can check what the user got (undefined when the user cancelled it). With a large
 * log open (see tracesInWorker) it runs in the parse worker, which holds that log's packets.
 */
export function registerDiagnoseCommand(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  workspace: WorkspaceModel,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('kubePacketPath.diagnose', async (): Promise<Diagnosis | undefined> => {
      const model = await workspace.getModel();
      // a large open log's packets are in the parse worker only: it diagnoses with them there
      const inWorker = workspace.tracesInWorker(model);
      let result: Diagnosis;
      try {
        result = inWorker ? await workspace.diagnoseInWorker() : diagnose(model);
      } catch (e) {
        if (e instanceof WorkerCancelled) return undefined;
        throw e;
      }
      log.info(
        `diagnose: ${result.problems.length} problem(s) from ${result.requests.length} failing request(s)` +
          (inWorker ? ' (in the parse worker)' : ''),
      );
      for (const request of result.requests) log.info(`  failing: ${request}`);
      for (const [index, { finding }] of result.problems.entries())
        log.info(
          `${index + 1}. ${finding.severity} ${finding.id}${finding.hop ? ` at ${finding.hop}` : ''}: ${finding.title}`,
        );
      if (!result.problems.length) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('No problem found ({0} failing request(s) examined).', result.requests.length),
        );
        return result;
      }
      // Not awaited: the command returns the diagnosis at once; picking a problem opens its proof.
      void vscode.window
        .showQuickPick(
          result.problems.map(({ finding, flow }, index) => ({
            label: `${index + 1}. ${finding.severity === 'error' ? '$(error)' : '$(warning)'} ${finding.title}`,
            description: finding.hop ? vscode.l10n.t('broken at {0}', finding.hop) : flow,
            detail: finding.fix ? `${finding.message} ${vscode.l10n.t('Fix:')} ${finding.fix}` : finding.message,
            finding,
          })),
          { title: vscode.l10n.t('Why does it not work? Problems, most important first'), matchOnDetail: true },
        )
        .then(async (picked) => {
          const proof = picked?.finding.evidence.find((evidence) => evidence.source !== 'derived');
          if (proof) await openEvidence(proof, context.extensionUri, vscode.ViewColumn.Active);
        });
      return result;
    }),
  );
}
