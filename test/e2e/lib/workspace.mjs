// The workspace folder VS Code opens in the end-to-end runs: a fresh temp copy of the
// repository's samples/ (when it has content) plus this suite's own files under e2e/
// (test/e2e/fixtures), so tests never depend on what samples/ happens to hold.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const E2E_FIXTURES = join(ROOT, 'test', 'e2e', 'fixtures');

export function prepareWorkspace({ keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-ws-'));
  const samples = join(ROOT, 'samples');
  const hasSamples = existsSync(samples) && readdirSync(samples).length > 0;
  if (hasSamples) cpSync(samples, dir, { recursive: true });
  // Always there, samples or not: tcpdump logs, iptables-save dumps and a manifest (a-app.yaml).
  cpSync(E2E_FIXTURES, join(dir, 'e2e'), { recursive: true });
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  if (!keep) process.once('exit', dispose); // also when a watchdog or a signal ends the run
  return { dir, hasSamples, dispose };
}
