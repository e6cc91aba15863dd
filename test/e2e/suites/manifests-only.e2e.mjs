// A lab folder that holds only manifests (issue 16, item 2): no pod object, no log, so no
// client pod is known. The lenses must not end in "No client pod is known": Trace this Service
// and Trace headless flow offer the pods the workloads predict, grouped by namespace, and a
// per-pod DNS name picked from "Show per-pod DNS names" is traced to. Also: with no kubeconfig the
// status bar says so and its tooltip says where none was found (item 5).
// Its own code-server on a folder of its own (the shared workspace has the samples' real pods).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  goToPosition,
  launchChromium,
  openFile,
  openWorkbench,
  waitForWorkbenchReady,
  webviewFrame as webview,
} from '../lib/browser.mjs';
import { startCodeServer } from '../lib/code-server.mjs';
import { ROOT } from '../lib/workspace.mjs';

export const name = 'manifests only';
export const kind = 'standalone';

const st = {};

/** On failure: a screenshot of the workbench, named in the error. */
const shot = (title, fn) => [
  title,
  async (ctx) => {
    try {
      await fn(ctx);
    } catch (e) {
      const path = join(tmpdir(), `kpp-manifests-only-e2e-${Date.now()}.png`);
      await st.page?.screenshot({ path }).catch(() => {});
      e.message = `${e.message}\n(screenshot: ${path})`;
      throw e;
    }
  },
];

/** Clicks the CodeLens with this title in the active editor, scrolled to `line` (1-based) first. */
async function clickLens(page, title, line = 1) {
  await goToPosition(page, line, 1);
  const lens = page.locator('.codelens-decoration a:visible', { hasText: title }).first();
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();
}

/** The client pick the trace commands open: its rows as [separators, pods]. */
async function clientPick(page, serviceName) {
  const widget = page.locator('.quick-input-widget', { hasText: `Trace to ${serviceName} from which pod?` });
  await widget.waitFor({ timeout: 30_000 });
  await widget.locator('.monaco-list-row').first().waitFor({ timeout: 10_000 });
  const separators = (await widget.locator('.quick-input-list-separator').allInnerTexts()).map((t) => t.trim());
  const rows = (await widget.locator('.monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
  return { widget, separators, rows };
}

async function closeAllEditors(page) {
  await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>View: Close All Editor Groups');
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: 'View: Close All Editor Groups' })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 });
}

/** Waits for the diagram webview to draw and returns its title. */
async function drawnTitle(page, re) {
  const view = webview(page);
  await view.locator('#title', { hasText: re }).waitFor({ timeout: 90_000 });
  await view.locator('#app[data-state="rendered"]').waitFor({ timeout: 60_000 });
  return view.locator('#title').innerText();
}

export const tests = [
  [
    'setup: a folder with only the shop manifests and the A.3 StatefulSet, opened in code-server',
    async () => {
      st.folder = mkdtempSync(join(tmpdir(), 'kpp-manifests-only-'));
      copyFileSync(join(ROOT, 'test/fixtures/editor/shop-manifests-only.yaml'), join(st.folder, 'shop.yaml'));
      mkdirSync(join(st.folder, 'headless'));
      copyFileSync(
        join(ROOT, 'samples/manifests/a3-headless-statefulset/statefulset.yaml'),
        join(st.folder, 'headless', 'statefulset.yaml'),
      );
      st.browser = await launchChromium();
      // HOME without ~/.kube/config and no KUBECONFIG: the status bar must say so.
      st.home = mkdtempSync(join(tmpdir(), 'kpp-home-'));
      st.server = await startCodeServer({ folder: st.folder, env: { HOME: st.home, KUBECONFIG: '' } });
      st.page = await openWorkbench(st.browser, st.server, {
        folder: st.folder,
        payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
      });
      await waitForWorkbenchReady(st.page);
    },
  ],
  shot(
    'Trace this Service with no client known: the pick offers the predicted pods by namespace; the pick is traced',
    async () => {
      const { page } = st;
      await openFile(page, 'shop.yaml');
      const text = readFileSync(join(st.folder, 'shop.yaml'), 'utf8').split('\n');
      await clickLens(page, 'Trace this Service', text.indexOf('kind: Service') + 1);
      const { widget, separators, rows } = await clientPick(page, 'cart');
      assert.ok(separators.includes('shop'), `namespace separators: ${separators.join(', ')}`);
      const web = rows.filter((r) => /^web-/.test(r));
      assert.equal(web.length, 2, `web's two replicas in: ${rows.join(', ')}`);
      assert.ok(!rows.some((r) => /^cart-/.test(r)), 'the Service’s own pods are not offered as its client');
      const description = await widget.locator('.monaco-list-row', { hasText: web[0] }).first().innerText();
      assert.match(description, /predicted from Deployment web/);
      await widget.locator('.monaco-list-row', { hasText: web[0] }).first().click();
      const title = await drawnTitle(page, /→/);
      assert.match(title, new RegExp(`^${web[0]} → Service cart`));
      assert.equal(
        await page.locator('.notifications-toasts', { hasText: 'No client pod is known' }).count(),
        0,
        'no dead end',
      );
    },
  ),
  shot('Trace headless flow on the StatefulSet with no client known: a pick, then the headless trace', async () => {
    const { page } = st;
    await closeAllEditors(page);
    await openFile(page, 'headless/statefulset.yaml');
    await clickLens(page, 'Trace headless flow');
    const { widget, rows } = await clientPick(page, 'a-app');
    assert.ok(!rows.some((r) => /^a-app-\d/.test(r)), `the StatefulSet's own pods are not clients: ${rows}`);
    const web = rows.find((r) => /^web-/.test(r));
    assert.ok(web, `a web pod is offered: ${rows.join(', ')}`);
    await widget.locator('.monaco-list-row', { hasText: web }).first().click();
    assert.match(await drawnTitle(page, /→/), new RegExp(`^${web} → Service a-app`));
  }),
  shot('a per-pod DNS name picked from "Show per-pod DNS names" is traced to', async () => {
    const { page } = st;
    await closeAllEditors(page);
    await openFile(page, 'headless/statefulset.yaml');
    await clickLens(page, 'Show per-pod DNS names');
    const names = page.locator('.quick-input-widget', { hasText: 'Per-pod DNS names of a-app' });
    await names.waitFor({ timeout: 30_000 });
    const rows = (await names.locator('.monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(
      rows.filter((r) => r.endsWith('.svc.cluster.local')),
      [0, 1, 2].map((i) => `a-app-${i}.a-app.default.svc.cluster.local`),
    );
    await names.locator('.monaco-list-row', { hasText: 'a-app-1.a-app' }).first().click();
    // No client is known: the pick comes next, then the trace to the name picked.
    const { widget, rows: clients } = await clientPick(page, 'a-app');
    const web = clients.find((r) => /^web-/.test(r));
    await widget.locator('.monaco-list-row', { hasText: web }).first().click();
    const title = await drawnTitle(page, /a-app-1/);
    // The name resolves to the pod it names: the trace ends at that pod, its DNS step asks for the name.
    assert.equal(title, `${web} → a-app-1`);
    const steps = await webview(page).locator('#side').innerText();
    assert.match(steps, /a-app-1\.a-app\.default\.svc\.cluster\.local/);
  }),
  shot('without a kubeconfig the status bar says "no kubeconfig" and its tooltip says none was found', async () => {
    const { page } = st;
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'no kubeconfig' }).first();
    await item.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.part.statusbar .statusbar-item', { hasText: 'current context' }).count(), 0);
    await item.hover();
    const tooltip = page.locator('.monaco-hover, .workbench-hover', { hasText: /kubeconfig/i }).first();
    await tooltip.waitFor({ timeout: 10_000 });
    const text = (await tooltip.innerText()).replace(/\u00a0/g, ' ');
    assert.match(
      text,
      /No kubeconfig found at \S*kpp-home-\S*\/\.kube\/config: set kubePacketPath\.kubeconfig or KUBECONFIG/,
    );
    assert.doesNotMatch(text, /Using /, 'no kubeconfig is said to be in use');
  }),
  shot(
    'the Kube Packet Path view lists the predicted pods; in an empty folder its welcome offers the ways to start',
    async () => {
      const { page } = st;
      // The status bar tooltip of the test before is still up: move away from it.
      await page.mouse.move(700, 400);
      await page.keyboard.press('Escape');
      await page
        .locator('.context-view .monaco-hover')
        .waitFor({ state: 'detached', timeout: 10_000 })
        .catch(() => {});
      const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Kube Packet Path$/i }) });
      const header = pane.locator('.pane-header').first();
      await header.waitFor({ timeout: 20_000 });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      // Room for its rows: fold the folder tree above it (a list draws only the rows in view).
      const folders = page.locator('.pane', { has: page.locator('.explorer-folders-view') }).locator('.pane-header');
      if ((await folders.getAttribute('aria-expanded')) === 'true') await folders.click();
      await pane.locator('.monaco-list-row', { hasText: /^Pods in shop/ }).waitFor({ timeout: 30_000 });
      const web = pane.locator('.monaco-list-row', { hasText: /^web-/ }).first();
      assert.match(await web.innerText(), /predicted from Deployment web/);
      // An empty folder, in a second window of the same code-server.
      st.empty = mkdtempSync(join(tmpdir(), 'kpp-empty-'));
      const second = await openWorkbench(st.browser, st.server, {
        folder: st.empty,
        payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
      });
      try {
        const emptyPane = second.locator('.pane', {
          has: second.locator('.pane-header', { hasText: /^Kube Packet Path$/i }),
        });
        const emptyHeader = emptyPane.locator('.pane-header').first();
        await emptyHeader.waitFor({ timeout: 60_000 });
        if ((await emptyHeader.getAttribute('aria-expanded')) !== 'true') await emptyHeader.click();
        const welcome = emptyPane.locator('.welcome-view-content');
        await welcome.waitFor({ timeout: 30_000 });
        assert.match(await welcome.innerText(), /No Service or pod is known yet/);
        const buttons = (await welcome.locator('.monaco-button').allInnerTexts()).map((t) => t.trim());
        assert.deepEqual(buttons, ['Trace a Packet…', 'Analyze Pasted Output', 'Refresh from Cluster']);
        await second.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
          origin: st.server.url.slice(0, -1),
        });
        await second.evaluate(() => navigator.clipboard.writeText(''));
        await welcome.locator('.monaco-button', { hasText: 'Analyze Pasted Output' }).click();
        // Nothing on the clipboard: an editor to paste into, and what to do next.
        await second.locator('.tabs-container .tab.active[aria-label*="Untitled"]').waitFor({ timeout: 15_000 });
        await second
          .locator('.notifications-toasts', { hasText: 'Paste a terminal session' })
          .waitFor({ timeout: 15_000 });
      } finally {
        await second
          .context()
          .close()
          .catch(() => {});
      }
    },
  ),
  [
    'cleanup: code-server, browser, folders',
    async () => {
      await st.page
        ?.context()
        .close()
        .catch(() => {});
      await st.server?.stop();
      await st.browser?.close().catch(() => {});
      for (const dir of [st.folder, st.home, st.empty]) if (dir) rmSync(dir, { recursive: true, force: true });
    },
  ],
];
