import * as vscode from 'vscode';
import { trace } from '../../flow';
import { withPredictedPods } from '../../flow/predictPods';
import type { TraceResult } from '../../flow/types';
import { namespacedName, namespaceOf, serviceDnsName, type ClusterModel } from '../../model';
import { manifestLenses, type ObjectRef } from '../codelens/manifestLenses.pure';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import type { EarlyPayload } from '../worker/traceInWorker';
import { pickPod, pickTarget } from './pickers';
import { traceAndShow } from './runTrace';
import { chooseClient, podDnsNames, serviceAddresses, type PodDnsName } from './targets.pure';

/**
 * The `kubePacketPath.trace.*` commands: from a CodeLens (object reference + file), from a
 * menu on a YAML file (a Uri), or from the palette (QuickPicks). Each returns the TraceResult
 * it showed (or the data it listed), so tests can check what the user got.
 */

/** What a CodeLens passes: the object and the file it is declared in. */
export interface ObjectArgs extends ObjectRef {
  uri?: string;
  /** Client to trace from (skips the choice). */
  from?: string;
  /** Destination (for "Trace from this pod"; skips the picker). */
  to?: string;
}

function isObjectArgs(arg: unknown): arg is ObjectArgs {
  return (
    !!arg &&
    typeof arg === 'object' &&
    typeof (arg as ObjectArgs).name === 'string' &&
    typeof (arg as ObjectArgs).kind === 'string'
  );
}

/** The Service named in a YAML file (a menu on the file): the only one, or the user's choice. */
async function serviceInFile(uri: vscode.Uri): Promise<ObjectArgs | undefined> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const services = manifestLenses(doc.getText())
    .filter((lens) => lens.action === 'traceService')
    .map((lens) => lens.target);
  if (services.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('{0} declares no Service.', vscode.workspace.asRelativePath(uri)),
    );
    return undefined;
  }
  if (services.length === 1) return { ...services[0], uri: uri.toString() };
  const picked = await vscode.window.showQuickPick(
    services.map((service) => ({ label: service.name, description: namespaceOf(service), service })),
    { title: vscode.l10n.t('Trace which Service?') },
  );
  return picked ? { ...picked.service, uri: uri.toString() } : undefined;
}

function destinationOf(model: ClusterModel, name: string, namespace: string): string {
  const port = model.findService(name, namespace)?.ports[0];
  const protocol = port && port.protocol !== 'TCP' ? `/${port.protocol.toLowerCase()}` : '';
  return `${serviceDnsName(name, namespace, model.clusterDomain)}${port ? `:${port.port}${protocol}` : ''}`;
}

export function registerTraceCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  workspace: WorkspaceModel,
): void {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  /** Traces and shows; in the parse worker when the workspace holds a large log (or many packets). */
  const show = (model: ClusterModel, from: string, to: string, prefer?: string) =>
    traceAndShow(
      context,
      log,
      workspace.tracesInWorker(model)
        ? (onPayload: (early: EarlyPayload) => void) => workspace.traceInWorker(from, to, { prefer, onPayload })
        : model,
      from,
      to,
    );

  /** Tracing TO a Service needs a client: the one that stands out, else the user's pick. */
  async function clientFor(
    model: ClusterModel,
    serviceName: string,
    namespace: string,
    nearUri?: string,
  ): Promise<string | undefined> {
    const svc = model.findService(serviceName, namespace);
    // Real pods first; with only manifests, the pods their workloads predict (never a dead end).
    const known = withPredictedPods(model).pods.filter((pod) => namespaceOf(pod) !== 'kube-system');
    // a large open log's packets are in the parse worker: it says who sent to the Service there
    const heldSenders = svc ? await workspace.sendersInWorker(serviceAddresses(model, svc)) : undefined;
    const choice = svc ? chooseClient(model, svc, nearUri, heldSenders) : { candidates: known };
    if (choice.pick) return namespacedName(choice.pick);
    return pickPod(
      choice.candidates.length ? choice.candidates : known,
      vscode.l10n.t('Trace to {0} from which pod?', serviceName),
    );
  }

  async function traceService(arg?: unknown): Promise<TraceResult | undefined> {
    const target =
      arg instanceof vscode.Uri
        ? await serviceInFile(arg)
        : isObjectArgs(arg)
          ? arg
          : vscode.window.activeTextEditor?.document.languageId === 'yaml'
            ? await serviceInFile(vscode.window.activeTextEditor.document.uri)
            : undefined;
    if (!target) return undefined;
    const model = await workspace.getModel({ prefer: target.uri });
    const namespace = namespaceOf(target);
    const from = target.from ?? (await clientFor(model, target.name, namespace, target.uri));
    if (!from) return undefined;
    return show(model, from, destinationOf(model, target.name, namespace), target.uri);
  }

  register('kubePacketPath.trace.service', traceService);

  register('kubePacketPath.trace.statefulSet', async (arg?: unknown) => {
    if (!isObjectArgs(arg)) return undefined;
    const model = await workspace.getModel({ prefer: arg.uri });
    const sts = model
      .all('StatefulSet')
      .find((statefulSet) => statefulSet.name === arg.name && namespaceOf(statefulSet) === namespaceOf(arg));
    if (!sts?.serviceName) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('StatefulSet {0} has no serviceName: there is no headless Service to trace through.', arg.name),
      );
      return undefined;
    }
    return traceService({
      kind: 'Service',
      name: sts.serviceName,
      namespace: namespaceOf(sts),
      uri: arg.uri,
      from: arg.from,
    });
  });

  register('kubePacketPath.trace.fromPod', async (arg?: unknown) => {
    if (!isObjectArgs(arg)) return undefined;
    const model = await workspace.getModel({ prefer: arg.uri });
    const pod =
      arg.kind === 'Pod'
        ? model.findPod(arg.name, namespaceOf(arg))
        : withPredictedPods(model).pods.find(
            (candidate) =>
              candidate.owner?.kind === arg.kind &&
              candidate.owner.name === arg.name &&
              namespaceOf(candidate) === namespaceOf(arg),
          );
    if (!pod) {
      void vscode.window.showWarningMessage(vscode.l10n.t('No pod of {0} {1} is known.', arg.kind, arg.name));
      return undefined;
    }
    const to = arg.to ?? (await pickTarget(model, 'destination', vscode.l10n.t('Trace from {0} to…', pod.name)));
    return to ? show(model, namespacedName(pod), to, arg.uri) : undefined;
  });

  register('kubePacketPath.trace.podDnsNames', async (arg?: unknown): Promise<PodDnsName[] | undefined> => {
    if (!isObjectArgs(arg)) return undefined;
    const model = await workspace.getModel({ prefer: arg.uri });
    const svc = model.findService(arg.name, namespaceOf(arg));
    const names = svc ? podDnsNames(model, svc) : [];
    if (names.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'No per-pod DNS names are known for {0}: they come from a StatefulSet whose serviceName is this headless Service.',
          arg.name,
        ),
      );
      return names;
    }
    for (const dnsName of names) {
      const address = dnsName.ip ?? (dnsName.predicted ? 'IP unknown (predicted pod)' : 'IP unknown');
      log.info(`per-pod DNS name ${dnsName.name} → ${address}`);
    }
    // Not awaited: the command returns the names at once; picking one traces to it.
    void vscode.window
      .showQuickPick(
        names.map((dnsName) => ({
          label: dnsName.name,
          description: dnsName.ip ?? vscode.l10n.t('IP unknown'),
          detail: vscode.l10n.t('pod {0}{1}', dnsName.pod, dnsName.predicted ? ` (${vscode.l10n.t('predicted')})` : ''),
          dnsName,
        })),
        { title: vscode.l10n.t('Per-pod DNS names of {0} — pick one to trace to it', arg.name) },
      )
      .then(async (picked) => {
        if (!picked) return;
        const from = arg.from ?? (await clientFor(model, arg.name, namespaceOf(arg), arg.uri));
        if (from) await show(model, from, picked.dnsName.name, arg.uri);
      });
    return names;
  });

  register('kubePacketPath.trace.flow', async (fromArg?: unknown, toArg?: unknown) => {
    const model = await workspace.getModel();
    const from =
      typeof fromArg === 'string' ? fromArg : await pickTarget(model, 'source', vscode.l10n.t('Trace a packet: FROM'));
    if (!from) return undefined;
    const to =
      typeof toArg === 'string'
        ? toArg
        : await pickTarget(model, 'destination', vscode.l10n.t('Trace a packet from {0}: TO', from));
    return to ? show(model, from, to) : undefined;
  });

  // A connection of the last trace (the side view's Connections): that connection's flow only.
  register('kubePacketPath.trace.connection', async (arg?: unknown) => {
    if (!isConnectionArgs(arg)) return undefined;
    log.info(`trace connection ${arg.number} of ${arg.from} → ${arg.to}`);
    const model = await workspace.getModel();
    // Large logs live in the worker (the host model lacks their packets): trace there as `show` does.
    const traceOne = workspace.tracesInWorker(model)
      ? (onPayload: (early: EarlyPayload) => void) =>
          workspace.traceInWorker(arg.from, arg.to, { connection: arg.number, onPayload })
      : async () => trace(model, arg.from, arg.to, { connection: arg.number });
    return traceAndShow(context, log, traceOne, arg.from, arg.to);
  });
}

/** What the side view's connection rows pass: the trace they came from and the connection's number. */
interface ConnectionArgs {
  from: string;
  to: string;
  /** 1-based, as the trace numbers its connections. */
  number: number;
}

function isConnectionArgs(arg: unknown): arg is ConnectionArgs {
  if (!arg || typeof arg !== 'object') return false;
  const { from, to, number } = arg as Partial<ConnectionArgs>;
  return typeof from === 'string' && typeof to === 'string' && Number.isInteger(number);
}
