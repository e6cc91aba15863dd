import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../../src/editor/diagram/html';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

test('the CSP allows only nonce scripts, extension styles (+inline for Mermaid), extension images and fonts', () => {
  assert.equal(
    contentSecurityPolicy(CSP_SOURCE, 'abc'),
    `default-src 'none'; script-src 'nonce-abc'; style-src ${CSP_SOURCE} 'unsafe-inline'; img-src ${CSP_SOURCE} data:; font-src ${CSP_SOURCE}`,
  );
});

test('the page loads one module script carrying the nonce, and the stylesheet', () => {
  const html = panelHtml({
    cspSource: CSP_SOURCE,
    scriptUri: `${CSP_SOURCE}/ext/dist/webview/main.js`,
    styleUri: `${CSP_SOURCE}/ext/media/diagram.css`,
    nonce: 'n0nce',
  });
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-n0nce';/,
  );
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(scripts, [`<script type="module" nonce="n0nce" src="${CSP_SOURCE}/ext/dist/webview/main.js">`]);
  assert.match(
    html,
    /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/media\/diagram\.css">/,
  );
  assert.match(html, /<div id="app" data-state="loading">/);
  assert.doesNotMatch(html, /https?:\/\/(?!file\+\.vscode-resource)/, 'nothing remote');
});

test('nonces are fresh, long and attribute-safe', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9]{20,}$/);
});

test('URIs are attribute-escaped', () => {
  const html = panelHtml({ cspSource: 'x', scriptUri: 'a"><script>alert(1)</script>', styleUri: 's', nonce: 'n' });
  assert.equal(html.match(/<script/g)?.length, 1);
});
