import * as vscode from 'vscode';
import { registerDiagramCommands } from './diagram';
import { clusterObjectText } from './cluster/objectDocuments';
import { registerEditorFeatures, type EditorProviders } from './trace/registerEditorFeatures';
import {
  endpointProbabilities,
  iptablesEndpointChain,
  iptablesServiceChain,
  serviceDnsName,
  servicePortName,
} from '../model';

/** The providers and the diagram serializer, registered by the activation bundle. */
export interface EditorFeatures extends EditorProviders {
  diagrams: vscode.WebviewPanelSerializer;
  /** The YAML text of a `cluster://` object document. */
  clusterObjectText: (uri: string) => string;
}

/**
 * The entry of the features bundle (dist/features.js, loaded on first use by
 * src/editor/lazyFeatures.ts): every command except the cluster ones (registered at activation),
 * and the providers.
 */
export function registerCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): EditorFeatures {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const diagrams = registerDiagramCommands(context, log);
  const providers = registerEditorFeatures(context, log);

  register('kubePacketPath.showServiceNames', async (arg?: unknown) => {
    const input =
      typeof arg === 'string'
        ? arg
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('Kubernetes names of a Service port'),
            prompt: vscode.l10n.t('namespace/service[:portName] [PROTOCOL] [endpointIP:port ...]'),
            placeHolder: 'kube-system/kube-dns:dns UDP 10.244.0.105:53 10.244.0.107:53',
          });
    if (!input) return undefined;
    const [svc, maybeProto, ...rest] = input.trim().split(/\s+/);
    const m = /^([^/]+)\/([^:]+)(?::(.+))?$/.exec(svc);
    if (!m) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Expected namespace/service[:portName], got '{0}'", svc));
      return undefined;
    }
    const protocol = maybeProto && /^(tcp|udp|sctp)$/i.test(maybeProto) ? maybeProto.toUpperCase() : 'TCP';
    const endpoints = (maybeProto && protocol !== maybeProto.toUpperCase() ? [maybeProto, ...rest] : rest).filter(
      Boolean,
    );
    const spn = servicePortName(m[1], m[2], m[3]);
    const probs = endpointProbabilities(endpoints.length);
    const lines = [
      `${spn} (${protocol}) → ${serviceDnsName(m[2], m[1])}`,
      `  ${iptablesServiceChain('SVC', spn, protocol)}`,
      ...endpoints.map((ep, i) => {
        const [ip, port] = [ep.slice(0, ep.lastIndexOf(':')), Number(ep.slice(ep.lastIndexOf(':') + 1))];
        return `  → ${ep}  ${iptablesEndpointChain(spn, protocol, ip, port)}${probs[i] ? `  probability ${probs[i]}` : ''}`;
      }),
    ];
    for (const l of lines) log.info(l);
    log.show(true);
    return lines;
  });
  return { ...providers, diagrams, clusterObjectText };
}
