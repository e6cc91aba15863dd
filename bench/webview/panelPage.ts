// The built diagram webview in headless Chromium, outside VS Code: a loopback HTTP
// server serves dist/ and media/ (module scripts cannot load from file://), the page
// is the panel's real HTML with its CSP, plus a stub `acquireVsCodeApi` that records
// what the webview posts. Theme variables and body attributes imitate VS Code's.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { panelHtml } from '../../src/editor/diagram/html';
import type { HostToWebview } from '../../src/protocol/messages';
import { THEMES, type ThemeName } from './vscodeTheme';

const ROOT = resolve('.');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html',
  '.map': 'application/json',
  '.txt': 'text/plain',
};
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface PanelHarness {
  page: Page;
  origin: string;
  /** Bytes of each /dist file the page fetched. */
  served: Map<string, number>;
  setTheme(theme: ThemeName): Promise<void>;
  post(message: HostToWebview): Promise<void>;
  posted(): Promise<Array<{ type: string; [k: string]: unknown }>>;
  close(): Promise<void>;
}

function stubScript(theme: ThemeName): string {
  const themeVars = THEMES[theme];
  return `
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => window.__state,
  setState: (s) => { window.__state = s; },
});
window.__applyTheme = (t) => {
  const html = document.documentElement;
  for (const [k, v] of Object.entries(t.vars)) html.style.setProperty(k, v);
  document.body.className = t.bodyClass;
  document.body.dataset.vscodeThemeKind = t.kind;
  document.body.dataset.vscodeThemeName = t.kind === 'vscode-dark' ? 'Dark Modern' : 'Light Modern';
};
document.addEventListener('DOMContentLoaded', () => window.__applyTheme(${JSON.stringify(themeVars)}));
`;
}

function pageHtml(origin: string, theme: ThemeName): string {
  const nonce = 'benchNonce0123456789';
  const html = panelHtml({
    cspSource: origin,
    scriptUri: `${origin}/dist/webview/main.js`,
    styleUri: `${origin}/media/diagram.css`,
    nonce,
  });
  // The stub runs first, under the same nonce, as VS Code's own preload does.
  return html.replace('<body>', `<body>\n<script nonce="${nonce}">${stubScript(theme)}</script>`);
}

export interface PanelOptions {
  theme?: ThemeName;
  viewport?: { width: number; height: number };
  /** Serve /dist/webview/ from this folder instead (e.g. a minified build). */
  webviewDir?: string;
}

export async function openPanel(options: PanelOptions = {}): Promise<PanelHarness> {
  const { theme = 'light', viewport = { width: 1400, height: 900 }, webviewDir } = options;
  const served = new Map<string, number>();
  let origin = '';
  let currentTheme = theme;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/panel.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml(origin, currentTheme));
      return;
    }
    const file =
      webviewDir && path.startsWith('/dist/webview/')
        ? normalize(join(webviewDir, path.slice('/dist/webview/'.length)))
        : normalize(join(ROOT, path));
    const allowed = [
      join(ROOT, 'dist') + '/',
      join(ROOT, 'media') + '/',
      ...(webviewDir ? [resolve(webviewDir) + '/'] : []),
    ].some((dir) => file.startsWith(dir));
    if (!allowed || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    served.set(path, body.length);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const userDataDir = mkdtempSync(join(tmpdir(), 'kpp-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.KPP_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${message.text()} ${message.location().url}`);
  });
  await page.goto(`${origin}/panel.html`);
  // In-page code is passed as strings (this file is type-checked without DOM types), and
  // evaluated, not polled with waitForFunction, whose string form the page's CSP blocks.
  const ready = await page.evaluate(
    `new Promise((ok) => { const end = Date.now() + 30000; const t = () => window.__posted.some((m) => m.type === 'ready') ? ok(true) : Date.now() > end ? ok(false) : setTimeout(t, 20); t(); })`,
  );
  if (!ready) {
    await context.close();
    server.close();
    throw new Error(`the webview never posted "ready" (is dist/webview built?): ${problems.join('; ')}`);
  }

  return {
    page,
    origin,
    served,
    async setTheme(name) {
      currentTheme = name;
      await page.evaluate(`window.__applyTheme(${JSON.stringify(THEMES[name])})`);
    },
    async post(message) {
      // Dispatched synchronously, as VS Code's host messages arrive as `message` events.
      await page.evaluate(`window.dispatchEvent(new MessageEvent('message', { data: ${JSON.stringify(message)} }))`);
    },
    posted: () => page.evaluate(`window.__posted`) as Promise<Array<{ type: string; [k: string]: unknown }>>,
    async close() {
      if (problems.length > 0) console.log(`page problems:\n  ${problems.join('\n  ')}`);
      await context.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
