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
    'when no client stands out (kube-dns), a QuickPick lists the pods and the chosen one is traced',
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
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'b-pod' }).first();
      await row.waitFor({ timeout: 20_000 });
      const listed = (await page.locator('.quick-input-widget .monaco-list-row .label-name').allTextContents()).join(
        ' | ',
      );
      assert.ok(!/coredns/.test(listed), `kube-system pods are not offered as clients: ${listed}`);
      await row.click();
      const view = webview(page);
      await view.locator('#title', { hasText: 'b-pod' }).waitFor({ timeout: 90_000 });
      assert.match(await view.locator('#title').innerText(), /^b-pod → Service kube-dns/);
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
    assert.match(text, /vethedfea565: host side of the veth pair of the pod with IP 10\.244\.0\.144/);
    assert.match(text, /P \(PACKET_OTHERHOST\)/);
    assert.match(text, /SYN \+ ACK/);
  }),
];
