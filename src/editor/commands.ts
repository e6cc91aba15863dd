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
    const match = /^(?<namespace>[^/]+)\/(?<service>[^:]+)(?::(?<port>.+))?$/.exec(svc);
    const parts = match?.groups as { namespace: string; service: string; port?: string } | undefined;
    if (!parts) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Expected namespace/service[:portName], got '{0}'", svc));
      return undefined;
    }
    const protocol = maybeProto && /^(tcp|udp|sctp)$/i.test(maybeProto) ? maybeProto.toUpperCase() : 'TCP';
    const endpoints = (maybeProto && protocol !== maybeProto.toUpperCase() ? [maybeProto, ...rest] : rest).filter(
      Boolean,
    );
    const spn = servicePortName(parts.namespace, parts.service, parts.port);
    const probs = endpointProbabilities(endpoints.length);
    const lines = [
      `${spn} (${protocol}) → ${serviceDnsName(parts.service, parts.namespace)}`,
      `  ${iptablesServiceChain('SVC', spn, protocol)}`,
      ...endpoints.map((endpoint, index) => {
        const colon = endpoint.lastIndexOf(':');
        const chain = iptablesEndpointChain(spn, protocol, endpoint.slice(0, colon), Number(endpoint.slice(colon + 1)));
        return `  → ${endpoint}  ${chain}${probs[index] ? `  probability ${probs[index]}` : ''}`;
      }),
    ];
    for (const line of lines) log.info(line);
    log.show(true);
    return lines;
  });
  return { ...providers, diagrams, clusterObjectText };
}
