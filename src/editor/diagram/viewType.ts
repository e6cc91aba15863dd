/** The diagram panel's webview type (also in package.json's `onWebviewPanel:` activation event). */
export const DIAGRAM_VIEW_TYPE = 'kubePacketPath.diagram';
