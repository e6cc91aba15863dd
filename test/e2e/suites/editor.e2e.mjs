// The editor features as a user meets them in the workbench: the "Trace this Service" CodeLens
// on a sample manifest draws the diagram with the expected participants, and hovering a
// tcpdump line shows what the interface, direction and flags mean.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/workspace.mjs';
import {
  goToPosition,
  statusBarLanguage,
  statusBarLanguageBecomes,
  openFile,
  runCommand,
  waitForWorkbenchReady,
  webviewFrame as webview,
  withScreenshot,
} from '../lib/browser.mjs';

export const name = 'editor features';
export const kind = 'ui';

/** Runs a test; on failure saves a screenshot of the workbench and names it in the error. */
const shot = withScreenshot('kpp-editor-e2e');

/** The Kube Packet Path view's pane, opened (its header expanded). */
async function openModelView(page) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Kube Packet Path$/i }) });
  const header = pane.locator('.pane-header').first();
  await header.waitFor({ timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return { pane, header };
}

/** The extension's log channel as written to its log files. */
function channelLog(server) {
  return server
    .logs()
    .filter((log) => log.path.endsWith('Kube Packet Path.log'))
    .map((log) => log.text)
    .join('\n');
}

/**
 * Clicks an inline action of a view row (shown while the row is hovered; a refresh of the view
 * redraws the row, so hover again then) and waits for what it shows: the diagram tab whose title
 * matches `shows` (a RegExp), or the element `shows` (a locator: a QuickPick). A click that lands
 * while the view redraws the row (the workspace's first read finishing in the worker, the rows of
 * the last trace's connections added) runs nothing: when nothing shows after 30 s the action is
 * clicked again, at most four times.
 */
async function runRowAction(page, row, action, shows) {
  const opened = shows instanceof RegExp ? page.locator('.tabs-container .tab', { hasText: shows }).first() : shows;
  for (let attempt = 1; ; attempt++) {
    await row.hover();
    const clicked = await row
      .locator(`.action-label[aria-label="${action}"]`)
      .click({ timeout: 5_000 })
      .then(() => true)
      .catch((e) => {
        if (attempt === 4) throw e;
        return false;
      });
    if (!clicked) continue;
    if (!opened) return;
    const shown = await opened
      .waitFor({ timeout: attempt === 4 ? 90_000 : 30_000 })
      .then(() => true)
      .catch((e) => {
        if (attempt === 4) throw e;
        return false;
      });
    if (shown) return;
    console.log(`    ${action}: nothing shown 30 s after click ${attempt}; clicking again`);
  }
}

export const tests = [
  shot(
    'clicking "Trace this Service" on the A.2 manifest draws b-app → a-app in the diagram webview',
    async ({ page }) => {
      await waitForWorkbenchReady(page);
      await openFile(page, 'manifests/a2-clusterip-deployment/a-app.yaml');
      const lens = page.locator('.codelens-decoration a', { hasText: 'Trace this Service' }).first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      const view = webview(page);
      await view
        .locator('#app[data-state="rendered"], #app[data-state="error"], #app[data-state="problem"]')
        .waitFor({ timeout: 90_000 });
      assert.equal(
        await view.locator('#app').getAttribute('data-state'),
        'rendered',
        await view.locator('#app').innerText(),
      );
      assert.ok(await view.locator('#diagram svg').count(), 'an SVG is drawn');
      const names = (await view.locator('#diagram svg text.actor').allTextContents()).join(' | ');
      for (const n of ['b-app', 'cni0', 'a-app']) assert.ok(names.includes(n), `participant ${n} in: ${names}`);
      // README's first step: the sample captures beside the manifest count without being opened.
      const observed = await view.locator('#side li.step.kpp-observed').count();
      const steps = await view.locator('#side li.step').count();
      assert.ok(observed >= 15, `${observed} observed of ${steps} steps`);
      const proofs = await view.locator('#side li.step.kpp-observed .ev-link').allInnerTexts();
      assert.ok(
        proofs.some((p) => p.includes('capture-service.txt')),
        `observed through the sample capture: ${proofs.join(', ')}`,
      );
      assert.equal(await page.locator('.tabs-container .tab[aria-label*="capture-service.txt"]').count(), 0);
    },
  ),
  shot(
    'Trace this Service on kube-dns: the unopened sample logs show b-app asking it, so b-app is the client',
    async ({ page }) => {
      await waitForWorkbenchReady(page);
      // Only kube-dns.yaml on screen: the A.2 manifest's lens must not be the one clicked.
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
      await runCommand(page, 'View: Close All Editor Groups');
      await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 });
      await openFile(page, 'manifests/kube-system/kube-dns.yaml');
      const lens = page.locator('.codelens-decoration a', { hasText: 'Trace this Service' }).first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      // The a2 sample's captures and resolv.conf (read without being opened) make b-app stand out:
      // no pick is needed. (The client pick's candidates are unit-tested in noDeadEnd.test.ts; the
      // QuickPick itself is no longer clicked through in a UI test.)
      const view = webview(page);
      await view.locator('#title', { hasText: 'b-app' }).waitFor({ timeout: 90_000 });
      assert.match(await view.locator('#title').innerText(), /^b-app → Service kube-dns/);
    },
  ),
  shot('hovering a tcpdump line shows the veth, the P direction and the TCP flags in words', async ({ page }) => {
    await waitForWorkbenchReady(page);
    await openFile(page, 'e2e/pod-to-service.tcpdump');
    await goToPosition(page, 5, 20);
    // Show or Focus Hover (Ctrl+K Ctrl+I) at the cursor.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover', { hasText: 'Kube Packet Path' }).first();
    await hover.waitFor({ timeout: 20_000 });
    const text = (await hover.innerText()).replace(/\u00a0/g, ' ');
    // The pod's name comes from the a2 sample's kubectl output, read without being opened.
    assert.match(text, /vethedfea565: host side of the veth pair of pod default\/a-app-57974fdb4-mv7qn/);
    assert.match(text, /P \(PACKET_OTHERHOST\)/);
    assert.match(text, /SYN \+ ACK/);
  }),
  shot(
    'Analyze Pasted Output on the clipboard, run three times: one untitled document, the flows offered and traced',
    async ({ page, server }) => {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.slice(0, -1) });
      const text = readFileSync(join(ROOT, 'test/fixtures/lab/a2-pod-to-service.txt'), 'utf8');
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
      await runCommand(page, 'View: Close All Editor Groups');
      const untitled = page.locator('.tabs-container .tab[aria-label*="Untitled"]');
      const pick = page.locator('.quick-input-widget', { hasText: 'what the paste holds' });
      const flow = pick.locator('.monaco-list-row', { hasText: /b-app.* → .*a-app/ }).first();
      // 1. from nowhere in particular: the clipboard goes into one untitled document;
      // 2. again, in that document; 3. again from another file: the same document, not a copy.
      for (const before of [undefined, undefined, 'a-app.yaml']) {
        if (before) {
          await page.keyboard.press('Escape'); // Ctrl+P in an open pick would move in it, not open Quick Open
          await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
          // From the explorer (e2e/ is listed before manifests/): a file that is not the paste.
          await page.locator('.explorer-folders-view .monaco-list-row', { hasText: before }).first().click();
          await page.locator(`.tabs-container .tab.active[aria-label*="${before}"]`).waitFor({ timeout: 10_000 });
        }
        await runCommand(page, 'Kube Packet Path: Analyze Pasted Output');
        await flow.waitFor({ timeout: 30_000 });
        assert.equal(await untitled.count(), 1, 'one untitled document holds the paste');
        await page.locator('.tabs-container .tab.active[aria-label*="Untitled"]').waitFor({ timeout: 10_000 });
      }
      await flow.click();
      // The diagram's tab names the flow picked (an earlier test's diagram may still be open).
      await page
        .locator('.tabs-container .tab', { hasText: /Packet path: b-app.* → .*a-app/ })
        .waitFor({ timeout: 90_000 });
      assert.equal(await untitled.count(), 1);
      // Leave no dirty editor behind for the next suite.
      await page.locator(`.tabs-container .tab[aria-label*="Untitled"]`).first().click();
      await runCommand(page, 'View: Revert and Close Editor');
      await untitled.first().waitFor({ state: 'detached', timeout: 10_000 });
    },
  ),
  shot(
    'hovering a ClusterIP no Service object names: the pasted kube-proxy rule names shop/cart:http',
    async ({ page, workspace }) => {
      // A real session on a network-namespace "node" (test/fixtures/editor/README.md): rules, then a capture.
      copyFileSync(
        join(ROOT, 'test/fixtures/editor/shop-cart-session.txt'),
        join(workspace, 'e2e', 'shop-cart-session.txt'),
      );
      await openFile(page, 'e2e/shop-cart-session.txt');
      const lines = readFileSync(join(workspace, 'e2e', 'shop-cart-session.txt'), 'utf8').split('\n');
      const line = lines.findIndex((l) => l.includes('veth-cli In  IP 10.244.1.10.42772 > 10.96.45.7.8080')) + 1;
      await goToPosition(page, line, lines[line - 1].indexOf('10.96.45.7') + 3);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover = page.locator('.monaco-hover', { hasText: 'Kube Packet Path' }).first();
      await hover.waitFor({ timeout: 20_000 });
      const said = (await hover.innerText()).replace(/\u00a0/g, ' ');
      assert.match(said, /To 10\.96\.45\.7:8080: Service shop\/cart \(ClusterIP, named by kube-proxy's rule/);
      assert.match(said, /port 8080\/TCP of Service shop\/cart \(http\)/);
      await page.keyboard.press('Escape');
    },
  ),
  shot('a sample capture saved as .txt opens as tcpdump, not Plain Text', async ({ page }) => {
    await openFile(page, 'a2-pod-to-service/capture-service.txt');
    assert.equal(await statusBarLanguageBecomes(page, 'tcpdump'), 'tcpdump');
  }),
  shot(
    'the Kube Packet Path view lists the Services and pods known; its Trace actions trace them',
    async ({ page }) => {
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
      await runCommand(page, 'View: Close All Editor Groups');
      const { pane } = await openModelView(page);
      // Room for its rows: fold the folder tree above it (a list draws only the rows in view).
      const folders = page.locator('.sidebar .pane-header[aria-expanded="true"]', { hasText: /kpp-ws-/i }).first();
      if (await folders.count()) await folders.click();
      const row = (text) => pane.locator('.monaco-list-row', { hasText: text }).first();
      await row(/^Services in default/).waitFor({ timeout: 30_000 });
      // From the sample manifests and kubectl outputs, read without being opened.
      for (const name of [/^a-app/, /^Pods in default/, /^b-app/]) await row(name).waitFor({ timeout: 10_000 });
      const service = pane.locator('.monaco-list-row', { hasText: /^a-app(?!-)/ }).first();
      await runRowAction(page, service, 'Trace this Service', /Packet path: b-app → Service a-app/);
      // The view then lists that trace's connections (after its rows: they do not move).
      await row(/^Connections of the last trace, \S*b-app → /).waitFor({ timeout: 20_000 });
      // A pod: its trace asks where to.
      const pod = pane.locator('.monaco-list-row', { hasText: /^b-app(?!-)/ }).first();
      await runRowAction(
        page,
        pod,
        'Trace from this Pod',
        page.locator('.quick-input-widget', { hasText: 'Trace from b-app to' }),
      );
      const input = page.locator('.quick-input-widget input');
      await input.fill('a-app-57974fdb4-mv7qn');
      await page
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'a-app-57974fdb4-mv7qn' })
        .first()
        .waitFor({ timeout: 10_000 });
      await input.press('Enter');
      await page
        .locator('.tabs-container .tab', { hasText: /Packet path: b-app → a-app-57974fdb4-mv7qn/ })
        .first()
        .waitFor({ timeout: 90_000 });
    },
  ),
  shot(
    'the Kube Packet Path view lists the connections of the last trace; Trace this Connection opens that flow only',
    async ({ page, server }) => {
      await runCommand(page, 'View: Close All Editor Groups');
      const { pane, header } = await openModelView(page);
      // Trace b-app → Service a-app again: the sample captures hold its connections.
      const service = pane.locator('.monaco-list-row', { hasText: /^a-app(?!-)/ }).first();
      await service.waitFor({ timeout: 30_000 });
      await runRowAction(page, service, 'Trace this Service', /Packet path: b-app → Service a-app/);
      // Listed after the Services and pods: fold those (the view's Collapse All), then open the connections.
      await header.hover();
      await header.locator('.action-label[aria-label="Collapse All"]').click();
      const group = pane.locator('.monaco-list-row', { hasText: /^Connections of the last trace, \S*b-app → / });
      await group.first().waitFor({ timeout: 20_000 });
      if ((await group.first().getAttribute('aria-expanded')) !== 'true') await group.first().click();
      const count = Number((await group.first().locator('.label-description').innerText()).trim());
      assert.ok(count >= 1, `connections listed: ${count}`);
      // Each row: client → where it was sent, and how it ended.
      const connection = pane
        .locator('.monaco-list-row', { hasText: /^\d+\.\d+\.\d+\.\d+:\d+ → \d+\.\d+\.\d+\.\d+:\d+/ })
        .first();
      await connection.waitFor({ timeout: 10_000 });
      const rowText = (await connection.innerText()).replace(/\s+/g, ' ');
      assert.match(rowText, /(established|closed|reset|refused|no-reply|unreachable|answered|unknown)/);
      const [client] = rowText.split(' → ');
      // The trace of every connection offers one flow per traced connection.
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await view.locator('#diagram svg text.actor').first().waitFor({ timeout: 60_000 });
      const flowsBefore = await view.locator('#flow-picker vscode-option').count();
      assert.ok(count === 1 || flowsBefore > 1, `${count} connections, ${flowsBefore} flows in the picker`);
      await runCommand(page, 'View: Close All Editor Groups');
      // That connection's flow alone: the panel's flow picker holds one flow, from that client.
      await runRowAction(page, connection, 'Trace this Connection', /Packet path: b-app → Service a-app/);
      await view.locator('#diagram svg text.actor').first().waitFor({ timeout: 60_000 });
      const title = await view.locator('#title').innerText();
      console.log(`    ${count} connections listed, ${flowsBefore} flows before; connection of ${client}: "${title}"`);
      assert.doesNotMatch(title, /^\d+ flows$/, 'one flow, not one per connection');
      assert.equal(await view.locator('#flow-picker').count(), 0, 'no flow picker for a single flow');
      assert.match(title, /connection \d+ of \d+/);
      // The command traced that connection by its number (the extension's log says so).
      assert.match(channelLog(server), /trace connection \d+ of \S*b-app → \S*a-app/);
    },
  ),
  shot(
    'a capture in a .txt file outside kubePacketPath.logs.include is offered "Show as tcpdump", and the offer switches it',
    async ({ page, server, workspace }) => {
      // Narrow the log globs in the workspace settings (restored below), then open a real capture
      // (a copy of the sample's) that lies outside them: Plain Text, with the offer.
      const settingsDir = join(workspace, '.vscode');
      const settingsFile = join(settingsDir, 'settings.json');
      const before = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : undefined;
      const copy = join(workspace, 'outside-globs', 'capture-copy.txt');
      mkdirSync(join(workspace, 'outside-globs'), { recursive: true });
      copyFileSync(join(workspace, 'a2-pod-to-service', 'capture-service.txt'), copy);
      mkdirSync(settingsDir, { recursive: true });
      writeFileSync(
        settingsFile,
        JSON.stringify({ ...JSON.parse(before ?? '{}'), 'kubePacketPath.logs.include': ['e2e/**/*.tcpdump'] }),
      );
      try {
        await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
        await runCommand(page, 'Notifications: Clear All Notifications');
        // VS Code applies a changed settings file a moment later: a copy opened before that is still
        // under the old globs (switched at once, rightly). Fresh copies until one meets the new ones.
        let offer;
        const applyBy = Date.now() + 30_000;
        for (let attempt = 1; !offer; attempt++) {
          assert.ok(Date.now() < applyBy, `the narrowed globs never applied (${attempt - 1} copies switched)`);
          if (attempt > 1) await page.waitForTimeout(1_000); // the settings file is read again meanwhile
          const name = `capture-copy-${attempt}.txt`;
          copyFileSync(copy, join(workspace, 'outside-globs', name));
          await openFile(page, `outside-globs/${name}`);
          const toast = page.locator('.notifications-toasts .notification-toast', {
            hasText: new RegExp(`${name.replace(/[.]/g, '\\.')} looks like tcpdump output`),
          });
          for (let waited = 0; waited < 20 && !offer; waited++) {
            if (await toast.isVisible()) offer = toast;
            else if (channelLog(server).includes(`${name}: tcpdump output, shown as tcpdump`))
              break; // old globs
            else await page.waitForTimeout(250);
          }
        }
        assert.equal(await statusBarLanguage(page), 'Plain Text', 'outside the globs nothing is switched unasked');
        await offer.locator('.monaco-button', { hasText: 'Show as tcpdump' }).click();
        assert.equal(await statusBarLanguageBecomes(page, 'tcpdump'), 'tcpdump');
      } finally {
        if (before === undefined) rmSync(settingsFile, { force: true });
        else writeFileSync(settingsFile, before);
        rmSync(join(workspace, 'outside-globs'), { recursive: true, force: true });
      }
    },
  ),
];
