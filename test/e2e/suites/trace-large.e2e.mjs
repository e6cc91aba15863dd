// *Trace this Service* in the real workbench with a large log open (issue 19): the broken lab's
// 1-no-listener session (test/fixtures/broken/), its capture repeated to 1.1 MB at test time, so
// the parse worker holds its packets and the extension host has none of them. The capture shows
// default/client sending to the Service `web`: the command asks the worker who sends to it and
// traces from client without asking the user (before, the host's model alone offered a QuickPick
// of every pod beside the manifest).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, runCommand, waitForWorkbenchReady, withScreenshot } from '../lib/browser.mjs';
import { largeSession } from '../lib/largeSession.mjs';

export const name = 'trace a large log';
export const kind = 'ui';

const shot = withScreenshot('kpp-trace-large-e2e');

/**
 * The scenario's manifests with `web` as their only Service (its EndpointSlices, pods and nodes
 * kept): one *Trace this Service* lens in the file, the one clicked.
 */
function webOnly(manifests) {
  return manifests
    .split(/^---\n/m)
    .filter((document) => !/^kind: Service$/m.test(document) || /^metadata: \{ name: web, /m.test(document))
    .join('---\n');
}

export const tests = [
  shot(
    'Trace this Service with a 1.1 MB capture open: the worker says default/client sends to web, no QuickPick',
    async ({ page, workspace }) => {
      const scenario = 'test/fixtures/broken/1-no-listener';
      const dir = join(workspace, 'trace-large');
      mkdirSync(dir, { recursive: true });
      try {
        await waitForWorkbenchReady(page);
        const session = largeSession(readFileSync(join(scenario, 'broken.txt'), 'utf8'), 1_100_000);
        assert.ok(session.length >= 1_000_000, `${session.length} characters: held by the worker`);
        writeFileSync(join(dir, 'large-no-listener.txt'), session);
        const manifests = webOnly(readFileSync(join(scenario, 'manifests.yaml'), 'utf8'));
        assert.equal(manifests.match(/^kind: Service$/gm)?.length, 1, 'one Service: web');
        writeFileSync(join(dir, 'manifests.yaml'), manifests);
        await openFile(page, 'trace-large/large-no-listener.txt');
        await openFile(page, 'trace-large/manifests.yaml');
        const lens = page.locator('.codelens-decoration a', { hasText: 'Trace this Service' }).first();
        await lens.waitFor({ timeout: 30_000 });
        await lens.click();
        // the diagram panel's tab: "Packet path: client → Service web:80 · connection 1 of …"
        const panel = page.locator('.tabs-container .tab', { hasText: /Packet path: .+ → Service web/ });
        const asked = page.locator('.quick-input-widget', { hasText: 'from which pod' });
        // whichever comes first: the diagram of a trace from the client, or the user asked for one
        const seen = (locator, what) =>
          locator.waitFor({ timeout: 90_000 }).then(
            () => what,
            () => 'nothing within 90 s',
          );
        const first = await Promise.race([seen(panel, 'diagram'), seen(asked, 'QuickPick')]);
        const rows = first === 'QuickPick' ? await asked.locator('.monaco-list-row').allInnerTexts() : [];
        assert.equal(first, 'diagram', `the user was asked: ${rows.join(' | ')}`);
        assert.match(await panel.innerText(), /Packet path: client → Service web:80/);
        // the worker's diagram reached the webview as bytes (showEncoded) and was drawn from them
        const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
        await webview.locator('#diagram svg text.actor').first().waitFor({ timeout: 60_000 });
        assert.match(await webview.locator('#diagram svg').first().innerHTML(), /client/);
      } finally {
        await page.keyboard.press('Escape').catch(() => undefined);
        await runCommand(page, 'View: Close All Editors').catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  ),
];
