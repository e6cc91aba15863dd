// *Kube Packet Path: Diagnose* in the real workbench, on a failure reproduced in the broken lab
// (test/fixtures/broken/9-kube-proxy-no-rules: kube-proxy wrote no rules, the SYN to the ClusterIP
// is answered ICMP net unreachable): the palette runs it, the QuickPick ranks the cause first with
// the hop where the request stops, and picking it opens the pasted line that proves it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/browser.mjs';

export const name = 'diagnose';
export const kind = 'ui';

const SCENARIO = 'test/fixtures/broken/9-kube-proxy-no-rules';
const FOLDER = 'diagnose-kube-proxy-no-rules';

export const tests = [
  [
    '"Kube Packet Path: Diagnose" ranks kube-proxy writing no rules first and opens its proof',
    async ({ page, workspace }) => {
      const dir = join(workspace, FOLDER);
      mkdirSync(dir, { recursive: true });
      try {
        for (const file of ['broken.txt', 'manifests.yaml']) cpSync(join(SCENARIO, file), join(dir, file));
        const pick = page.locator('.quick-input-widget', { hasText: 'Problems, most important first' });
        const first = pick.locator('.monaco-list-row').first();
        // The workspace model picks the new files up from its watcher: run again until it has.
        const deadline = Date.now() + 30_000;
        for (;;) {
          await runCommand(page, 'Kube Packet Path: Diagnose');
          const shown = await first.waitFor({ timeout: 5_000 }).then(
            () => true,
            () => false,
          );
          if (shown && /no kube-proxy rules/.test(await first.innerText())) break;
          if (Date.now() > deadline) {
            const toasts = await page
              .locator('.notifications-toasts')
              .innerText()
              .catch(() => '');
            const rows = await pick
              .locator('.monaco-list-row')
              .allInnerTexts()
              .catch(() => []);
            throw new Error(`Diagnose did not show the cause; rows: ${rows.join(' | ')}; notifications: ${toasts}`);
          }
          await page.keyboard.press('Escape');
          await page.waitForTimeout(1_000);
        }
        const text = (await first.innerText()).replace(/\u00a0/g, ' ');
        assert.match(text, /^1\. .*node1 has no kube-proxy rules: kube-proxy is not writing them/m);
        assert.match(text, /broken at cni0 → KUBE-SERVICES/);
        await page.keyboard.press('Enter');
        const tab = page.locator('.tabs-container .tab[aria-label*="broken.txt"]').first();
        await tab.waitFor({ timeout: 15_000 });
        // The proof: node1's nat table as iptables-save listed it (no KUBE-SERVICES in it).
        const selected = page.locator('.editor-instance .view-line', { hasText: ':PREROUTING ACCEPT' });
        await selected.first().waitFor({ timeout: 10_000 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  ],
];
