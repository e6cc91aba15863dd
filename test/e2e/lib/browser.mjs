// Debian's Chromium driven by playwright-core, and helpers to open the VS Code workbench
// served by code-server (lib/code-server.mjs) and act on it like a user.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.KPP_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set KPP_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * The workbench URL for a running code-server. `payload` entries are the workbench's
 * development options (extensionDevelopmentPath, extensionTestsPath...); paths are turned
 * into vscode-remote URIs on the page's own authority.
 */
export function workbenchUrl(server, { folder, payload = {} } = {}) {
  const u = new URL(server.url);
  if (folder) u.searchParams.set('folder', folder);
  const entries = Object.entries(payload).map(([k, v]) => [
    k,
    typeof v === 'string' && v.startsWith('/') ? `vscode-remote://${server.authority}${v}` : String(v),
  ]);
  if (entries.length) u.searchParams.set('payload', JSON.stringify(entries));
  return u.toString();
}

/**
 * Opens the workbench in a new page and waits for it to be ready. Returns the page; the
 * page's console lines are collected in `page.kppConsole`.
 */
export async function openWorkbench(browser, server, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.kppConsole = [];
  page.on('console', (m) => page.kppConsole.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => page.kppConsole.push(`[pageerror] ${e.message}`));
  if (opts.beforeLoad) await opts.beforeLoad(page);
  await page.goto(workbenchUrl(server, opts), { waitUntil: 'domcontentloaded', timeout: 60_000 });
  if (opts.waitForWorkbench !== false) {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  }
  return page;
}

/** Waits until the workbench has finished restoring (status bar present, explorer rendered). */
export async function waitForWorkbenchReady(page) {
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
}

/**
 * Runs a command through the Command Palette, by its title as shown there. The palette's
 * list is computed when it opens, and an extension's commands appear once the extension
 * host has registered the extension, so it reopens the palette until the command shows.
 */
export async function runCommand(page, title, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    // F1 pressed while a webview's iframe has the focus may not reach the workbench: give the
    // workbench the focus (a click on the status bar) and press it again.
    const shown = await input.waitFor({ state: 'visible', timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (!shown) {
      if (Date.now() > deadline)
        throw new Error(`the Command Palette did not open for "${title}" within ${timeoutMs} ms`);
      await page
        .locator('.monaco-workbench .part.statusbar')
        .click({ position: { x: 5, y: 5 } })
        .catch(() => {});
      continue;
    }
    try {
      // the palette can close again before it is typed in (a webview taking the focus back)
      await input.fill(`>${title}`, { timeout: 3_000 });
      await row.waitFor({ timeout: 3_000 });
      break;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(
          `command "${title}" not in the Command Palette after ${timeoutMs} ms (${e instanceof Error ? e.message.split('\n')[0] : e})`,
        );
    }
  }
  await input.press('Enter');
}

/** Answers the input box a command opened (matched by its title or prompt text). */
export async function answerInputBox(page, text, value) {
  const box = page.locator('.quick-input-widget', { hasText: text });
  await box.waitFor({ timeout: 10_000 });
  const input = box.locator('input.input');
  await input.fill(value);
  await input.press('Enter');
  await box.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The visible text of the Output panel for one channel (selects the channel if needed). */
export async function outputChannelText(page, channel, expected, { timeoutMs = 15_000 } = {}) {
  const view = page.locator('.part.panel .output-view, .part.panel .editor-instance .view-lines').first();
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await page
      .locator('.part.panel')
      .innerText()
      .catch(() => '');
    if (text.includes(channel) && (!expected || expected.test(text.replace(/\u00a0/g, ' '))))
      return text.replace(/\u00a0/g, ' ');
    await page.waitForTimeout(300);
  }
  void view;
  return text.replace(/\u00a0/g, ' ');
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab. */
export async function openFile(page, relativePath) {
  const name = relativePath.split('/').pop();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(relativePath);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ timeout: 15_000 });
  await page.locator('.editor-instance .view-lines .view-line').first().waitFor({ timeout: 15_000 });
}

/** The language mode shown in the status bar for the active editor (e.g. "tcpdump"). */
export async function statusBarLanguage(page) {
  const item = page.locator('#status\\.editor\\.mode');
  await item.waitFor({ timeout: 10_000 });
  return (await item.innerText()).trim();
}

/** The status bar's language mode once it is `wanted`, or the last one shown after 15 s. */
export async function statusBarLanguageBecomes(page, wanted) {
  const deadline = Date.now() + 15_000;
  let language = await statusBarLanguage(page);
  while (language !== wanted && Date.now() < deadline) {
    await page.waitForTimeout(250);
    language = await statusBarLanguage(page);
  }
  return language;
}

/** Moves the cursor of the active editor to line:column (1-based) with Go to Line/Column. */
export async function goToPosition(page, line, column) {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('Control+G');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * TextMate scopes of the token at line:column in the active editor, read from VS Code's own
 * "Developer: Inspect Editor Tokens and Scopes" widget (innermost scope first), with the
 * token's text.
 */
export async function scopesAt(page, line, column) {
  await goToPosition(page, line, column);
  const widget = page.locator('.token-inspect-widget');
  if (!(await widget.isVisible())) {
    await runCommand(page, 'Developer: Inspect Editor Tokens and Scopes');
    await widget.waitFor({ timeout: 10_000 });
  }
  // The widget recomputes asynchronously after the cursor moves: wait for this position.
  let last = '';
  for (let i = 0; i < 20; i++) {
    const info = await widget.evaluate((w) => {
      const token = w.querySelector('.tiw-token')?.firstChild?.textContent ?? '';
      const scopes = [...(w.querySelector('.tiw-metadata-scopes')?.childNodes ?? [])]
        .map((n) => n.textContent)
        .filter((t) => t && t.trim());
      return { token, scopes };
    });
    const key = `${line}:${column}:${info.token}:${info.scopes.join(',')}`;
    if (info.scopes.length && key === last) return info;
    last = key;
    await page.waitForTimeout(150);
  }
  throw new Error(`no token information at ${line}:${column}`);
}

/** The document inside a VS Code webview panel (two nested iframes). */
export const webviewFrame = (page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/**
 * A test entry `[title, fn]` that, on failure, saves a screenshot of the workbench to a temp
 * file and names it in the error. `prefix` names the suite in the file name.
 */
export const withScreenshot = (prefix) => (title, fn) => [
  title,
  async (ctx) => {
    try {
      await fn(ctx);
    } catch (e) {
      const path = join(tmpdir(), `${prefix}-${Date.now()}.png`);
      await ctx.page.screenshot({ path }).catch(() => {});
      e.message = `${e.message}\n(screenshot: ${path})`;
      throw e;
    }
  },
];
