#!/usr/bin/env node
// Installs the packaged extension (kube-packet-path.vsix from `npm run package`) into a fresh
// code-server with `--install-extension`, as a user would, and checks that it activates
// from the extensions folder and that its command answers through the Command Palette.
//   node scripts/e2e-vsix.mjs [--skip-package] [--vsix path]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CODE_SERVER_BIN, codeServerEnv, installCodeServer } from './install-code-server.mjs';
import {
  answerInputBox,
  launchChromium,
  openWorkbench,
  outputChannelText,
  runCommand,
  waitForWorkbenchReady,
} from '../test/e2e/lib/browser.mjs';
import { startCodeServer } from '../test/e2e/lib/code-server.mjs';
import { prepareWorkspace, ROOT } from '../test/e2e/lib/workspace.mjs';

const argv = process.argv.slice(2);
const vsixIdx = argv.indexOf('--vsix');
const vsix = resolve(vsixIdx >= 0 ? argv[vsixIdx + 1] : join(ROOT, 'kube-packet-path.vsix'));
const ID = 'kube-packet-path.kube-packet-path';
let failures = 0;
const check = (ok, what) => {
  console.log(`  ${ok ? '✔' : '✘'} ${what}`);
  if (!ok) failures++;
};

if (!argv.includes('--skip-package')) {
  const p = spawnSync('npm', ['run', '-s', 'package'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (p.status !== 0) {
    console.error('npm run package failed');
    process.exit(1);
  }
}
if (!existsSync(vsix)) {
  console.error(`no ${vsix}: run npm run package`);
  process.exit(1);
}
console.log(`› ${vsix} (${(statSync(vsix).size / 1024).toFixed(1)} KiB)`);
installCodeServer();

const scratch = mkdtempSync(join(tmpdir(), 'kpp-vsix-'));
const extensionsDir = join(scratch, 'extensions');
const config = join(scratch, 'config.yaml');
writeFileSync(config, 'auth: none\ncert: false\n');
const ws = prepareWorkspace();
const browser = await launchChromium();
let server;
try {
  const inst = spawnSync(
    process.execPath,
    [
      CODE_SERVER_BIN,
      '--config',
      config,
      '--user-data-dir',
      join(scratch, 'ud'),
      '--extensions-dir',
      extensionsDir,
      '--install-extension',
      vsix,
    ],
    { encoding: 'utf8', env: codeServerEnv({ XDG_CONFIG_HOME: join(scratch, 'xdg') }), timeout: 120_000 },
  );
  process.stdout.write(
    inst.stdout
      .split('\n')
      .filter((l) => /install|Extension/i.test(l))
      .map((l) => `    ${l}\n`)
      .join(''),
  );
  const installed = existsSync(extensionsDir) ? readdirSync(extensionsDir).filter((d) => d.startsWith(`${ID}-`)) : [];
  check(
    inst.status === 0 && installed.length === 1,
    `code-server --install-extension installed ${installed[0] ?? '(nothing)'}`,
  );

  server = await startCodeServer({ folder: ws.dir, extensionsDir });
  const page = await openWorkbench(browser, server, { folder: ws.dir });
  await waitForWorkbenchReady(page);
  await runCommand(page, 'Kube Packet Path: Show Kubernetes Names of a Service Port');
  await answerInputBox(
    page,
    'Kubernetes names of a Service port',
    'kube-system/kube-dns:dns UDP 10.244.0.105:53 10.244.0.107:53',
  );
  const text = await outputChannelText(page, 'Kube Packet Path', /KUBE-SEP-D2LNDAFJVFQ3SYLN/);
  check(
    /KUBE-SVC-TCOU7JCQXEZGVUNU/.test(text) &&
      /KUBE-SEP-SMSEVC7UC3TMMLEX/.test(text) &&
      /KUBE-SEP-D2LNDAFJVFQ3SYLN/.test(text),
    'the installed extension answers "Show Kubernetes Names of a Service Port" in its Output channel',
  );
  await page.waitForTimeout(1500); // let the log files flush
  const hostLog = server
    .logs()
    .filter((l) => /remoteexthost\.log$/.test(l.path))
    .map((l) => l.text)
    .join('\n');
  check(hostLog.includes(`_doActivateExtension ${ID},`), 'the extension host log shows its activation');
  const fromExtensionsDir = hostLog.includes(
    `"extensionLocation":{"$mid":1,"path":"${join(extensionsDir, installed[0] ?? '?')}"`,
  );
  check(fromExtensionsDir, 'it was loaded from the extensions folder (not a development path)');
  const errors = hostLog.split('\n').filter((l) => !l.includes(' initData ') && /\[error\]/.test(l) && l.includes(ID));
  check(errors.length === 0, `no extension host errors about it${errors.length ? `:\n${errors.join('\n')}` : ''}`);
  await page.context().close();
} catch (e) {
  check(false, `run: ${e?.stack ?? e}`);
} finally {
  await browser.close().catch(() => {});
  await server?.stop();
  ws.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(failures ? `vsix check FAILED (${failures})` : 'vsix check passed');
process.exit(failures ? 1 : 0);
