// *Kube Packet Path: Diagnose* in the real workbench, on failures reproduced in the broken lab
// (test/fixtures/broken/): the palette runs it, the QuickPick ranks the cause first with the hop
// where the request stops, and picking it opens the line that proves it.
// 1. kube-proxy wrote no rules (9-kube-proxy-no-rules): the SYN to the ClusterIP is answered ICMP
//    net unreachable; the session is a small file of the workspace.
// 2. Nothing listens on the Service's targetPort (1-no-listener): the session's capture repeated
//    to 1.1 MB (as bench/large-capture.mjs repeats one, generated here) and opened, so the parse
//    worker holds its packets and the extension host has none of them (issue 19): Diagnose runs
//    in the worker and still finds the refused request and why.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, runCommand } from '../lib/browser.mjs';
import { largeSession } from '../lib/largeSession.mjs';

export const name = 'diagnose';
export const kind = 'ui';

/**
 * Runs Diagnose until the first row of its QuickPick matches `cause` (the workspace model picks new
 * files up from its watcher) and returns that row's text; fails after 60 s naming what was shown.
 */
async function firstProblem(page, cause) {
  const pick = page.locator('.quick-input-widget', { hasText: 'Problems, most important first' });
  const first = pick.locator('.monaco-list-row').first();
  const deadline = Date.now() + 60_000;
  for (;;) {
    await runCommand(page, 'Kube Packet Path: Diagnose');
    const shown = await first.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (shown && cause.test(await first.innerText())) return (await first.innerText()).replace(/\u00a0/g, ' ');
    if (Date.now() > deadline) {
      const toasts = await page
        .locator('.notifications-toasts')
        .innerText()
        .catch(() => '');
      const rows = await pick
        .locator('.monaco-list-row')
        .allInnerTexts()
        .catch(() => []);
      throw new Error(`Diagnose did not show ${cause}; rows: ${rows.join(' | ')}; notifications: ${toasts}`);
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1_000);
  }
}

/** The extension's log channel as written to its log files. */
const channelLog = (server) =>
  server
    .logs()
    .filter((log) => log.path.endsWith('Kube Packet Path.log'))
    .map((log) => log.text)
    .join('\n');

export const tests = [
  [
    '"Kube Packet Path: Diagnose" ranks kube-proxy writing no rules first and opens its proof',
    async ({ page, workspace }) => {
      const scenario = 'test/fixtures/broken/9-kube-proxy-no-rules';
      const dir = join(workspace, 'diagnose-kube-proxy-no-rules');
      mkdirSync(dir, { recursive: true });
      try {
        for (const file of ['broken.txt', 'manifests.yaml']) cpSync(join(scenario, file), join(dir, file));
        const text = await firstProblem(page, /no kube-proxy rules/);
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
  [
    'Diagnose on a 1.1 MB open capture (its packets held by the parse worker) finds the refused request',
    async ({ page, server, workspace }) => {
      const scenario = 'test/fixtures/broken/1-no-listener';
      const dir = join(workspace, 'diagnose-large');
      mkdirSync(dir, { recursive: true });
      try {
        const session = largeSession(readFileSync(join(scenario, 'broken.txt'), 'utf8'), 1_100_000);
        assert.ok(session.length >= 1_000_000, `${session.length} characters: held by the worker`);
        writeFileSync(join(dir, 'large-no-listener.txt'), session);
        cpSync(join(scenario, 'manifests.yaml'), join(dir, 'manifests.yaml'));
        await openFile(page, 'diagnose-large/large-no-listener.txt');
        const text = await firstProblem(page, /Nothing listens/);
        assert.match(text, /^1\. .*Nothing listens on 10\.244\.0\.20:8080/m);
        assert.match(text, /broken at vetha2e3a94e → web-1/);
        // the failing request the packets show, as the command logs it
        const deadline = Date.now() + 10_000;
        while (
          !/failing: default\/client → 10\.96\.0\.20:80 \(refused(, \d+ connections)?\)/.test(channelLog(server))
        ) {
          if (Date.now() > deadline) assert.fail(`no failing request logged:\n${channelLog(server).slice(-2_000)}`);
          await page.waitForTimeout(300);
        }
        assert.match(channelLog(server), /diagnose: .*in the parse worker/);
        // its first proof: the client's SYN to the ClusterIP, line 15 of the large capture
        await page.keyboard.press('Enter');
        const cursor = page.locator('.statusbar-item[id="status.editor.selection"]');
        await page.waitForFunction(
          () => /Ln 15,/.test(document.querySelector('[id="status.editor.selection"]')?.textContent ?? ''),
          undefined,
          { timeout: 15_000 },
        );
        assert.match(await cursor.innerText(), /Ln 15,/);
        const active = page.locator('.tabs-container .tab.active');
        assert.match((await active.getAttribute('aria-label')) ?? '', /large-no-listener\.txt/);
      } finally {
        await runCommand(page, 'View: Close All Editors').catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  ],
];
