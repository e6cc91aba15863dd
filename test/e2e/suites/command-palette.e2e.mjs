// A user's path through the real workbench: the Command Palette lists the extension's
// command under its category, the command asks for a Service port in an input box, and
// the answer appears in the "Kube Packet Path" Output channel.
import assert from 'node:assert/strict';
import { answerInputBox, outputChannelText, runCommand } from '../lib/browser.mjs';

export const name = 'command palette';
export const kind = 'ui';

export const tests = [
  [
    '"Kube Packet Path: Show Kubernetes Names of a Service Port" prints the seed\'s kube-proxy chains',
    async ({ page }) => {
      await runCommand(page, 'Kube Packet Path: Show Kubernetes Names of a Service Port');
      await answerInputBox(
        page,
        'Kubernetes names of a Service port',
        'kube-system/kube-dns:dns UDP 10.244.0.105:53 10.244.0.107:53',
      );
      const text = await outputChannelText(page, 'Kube Packet Path', /KUBE-SEP-D2LNDAFJVFQ3SYLN/);
      assert.match(text, /kube-system\/kube-dns:dns \(UDP\) → kube-dns\.kube-system\.svc\.cluster\.local/);
      assert.match(text, /KUBE-SVC-TCOU7JCQXEZGVUNU/);
      assert.match(text, /10\.244\.0\.105:53\s+KUBE-SEP-SMSEVC7UC3TMMLEX/);
      assert.match(text, /10\.244\.0\.107:53\s+KUBE-SEP-D2LNDAFJVFQ3SYLN/);
    },
  ],
  [
    'a malformed Service port shows an error notification instead of failing silently',
    async ({ page }) => {
      await runCommand(page, 'Kube Packet Path: Show Kubernetes Names of a Service Port');
      await answerInputBox(page, 'Kubernetes names of a Service port', 'just-a-name');
      const toast = page.locator('.notifications-toasts .notification-toast', {
        hasText: "Expected namespace/service[:portName], got 'just-a-name'",
      });
      await toast.waitFor({ timeout: 10_000 });
      assert.equal(await toast.count(), 1);
    },
  ],
  [
    'without a kubeconfig the status bar says so instead of naming "current context"',
    async ({ page }) => {
      // This machine's HOME has no ~/.kube/config and the runner sets neither KUBECONFIG nor the setting.
      const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'no kubeconfig' }).first();
      await item.waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('.part.statusbar .statusbar-item', { hasText: 'current context' }).count(), 0);
    },
  ],
];
