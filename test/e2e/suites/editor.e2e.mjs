// The editor features as a user meets them in the workbench: the "Trace this Service" CodeLens
// on a sample manifest draws the diagram with the expected participants, and hovering a
// tcpdump line shows what the interface, direction and flags mean.
import assert from 'node:assert/strict';
import {
  goToPosition,
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
];
