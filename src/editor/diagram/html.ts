import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';

/**
 * The diagram panel's HTML. No `vscode` import (the caller passes the webview's
 * cspSource and resource URIs as strings) so it is unit-tested in plain Node.
 *
 * CSP: scripts only with this page's nonce (the module entry; its chunks are
 * imported by it and inherit the nonce); styles from the extension plus
 * 'unsafe-inline' because Mermaid writes inline styles into its SVG, and a nonce in
 * style-src would make browsers ignore 'unsafe-inline'; images from the extension
 * or data: URIs; nothing else, in particular no network.
 */
export interface PanelHtmlInput {
  cspSource: string;
  /** dist/webview/main.js as a webview URI. */
  scriptUri: string;
  /** media/diagram.css as a webview URI. */
  styleUri: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

const attr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>${attr(l10n.t('Packet path'))}</title>
</head>
<body>
<div id="app" data-state="loading"><p class="cleared">${attr(l10n.t('Loading the diagram…'))}</p></div>
<script type="module" nonce="${nonce}" src="${attr(input.scriptUri)}"></script>
</body>
</html>
`;
}
