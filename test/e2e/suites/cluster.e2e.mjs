// The live-cluster feature in a REAL VS Code (code-server 4.100.3 + Chromium), against the
// fake Kubernetes API server (test/support/fake-apiserver: HTTPS on 127.0.0.1, the seed
// cluster in the API's wire format, fault injection, a request log) started in this process.
//
// Two workbench starts:
//   1. trusted window — the kubeconfig comes from the USER settings of the code-server profile
//      (`kubePacketPath.kubeconfig`, outside the workspace): status bar, Refresh from Cluster
//      (progress + counts), the watch (kubePacketPath.cluster.watch), 403 → partial model,
//      the context picker, an unreachable server, then the Kubernetes extension integration
//      through a TEST DOUBLE of ms-kubernetes-tools.vscode-kubernetes-tools (the real one cannot
//      be installed here: no marketplace). The double exposes the same public API shape
//      (`exports.get('configuration'|'clusterexplorer', version)`) and a "Clusters" view with the
//      real view id and node contextValue, so the `view/item/context` menu is exercised for real.
//   2. untrusted window — workspace trust ON and the folder never trusted: no request may reach
//      the server, and the UI says why.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { CODE_SERVER_BIN, codeServerEnv, codeServerReady } from '../../../scripts/install-code-server.mjs';
import { goToPosition, launchChromium, openWorkbench, runCommand } from '../lib/browser.mjs';
import { freePort } from '../lib/code-server.mjs';
import { prepareWorkspace, ROOT } from '../lib/workspace.mjs';

export const name = 'cluster (fake API server)';
export const kind = 'standalone';

const TOKEN = 'e2e-token-7d1f0c9a2b4e';
const st = { cleanups: [] };

/** Runs every cleanup (servers, browser, temp dirs), newest first; also on process exit. */
async function cleanupAll() {
  while (st.cleanups.length) {
    const fn = st.cleanups.pop();
    try {
      await fn();
    } catch {
      /* keep cleaning */
    }
  }
}
process.once('exit', () => {
  for (const fn of st.cleanups) {
    try {
      fn();
    } catch {
      /* sync best effort */
    }
  }
});

async function loadFakeApiServer() {
  const out = mkdtempSync(join(tmpdir(), 'kpp-fake-api-'));
  st.cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  await esbuild.build({
    entryPoints: [join(ROOT, 'test', 'support', 'fake-apiserver', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(out, 'fake.mjs'),
    logLevel: 'warning',
  });
  return import(pathToFileURL(join(out, 'fake.mjs')).href);
}

/** A code-server of our own: the shared helper always disables workspace trust, and the untrusted run needs it on. */
async function startServer({ base, settings, trust, env = {}, extensionsDir }) {
  const userData = join(base, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'git.enabled': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(base, 'config.yaml'), 'auth: none\ncert: false\n');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      CODE_SERVER_BIN,
      '--config',
      join(base, 'config.yaml'),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensionsDir,
      '--log',
      'trace',
      st.folder,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: codeServerEnv({ ...env, XDG_CONFIG_HOME: join(base, 'xdg-config'), XDG_DATA_HOME: join(base, 'xdg-data') }),
    },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  };
  const server = {
    port,
    authority: `localhost:${port}`,
    url: `http://localhost:${port}/`,
    userData,
    settingsFile: join(userData, 'User', 'settings.json'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        kill('SIGTERM');
        const t = setTimeout(() => kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      kill('SIGKILL');
    },
    /** Text of the extension's log channel file(s). */
    channelLog() {
      const out = [];
      const walk = (d) => {
        if (!existsSync(d)) return;
        for (const n of readdirSync(d)) {
          const p = join(d, n);
          if (statSync(p).isDirectory()) walk(p);
          else if (n === 'Kube Packet Path.log') out.push(readFileSync(p, 'utf8'));
        }
      };
      walk(join(userData, 'logs'));
      return out.join('\n');
    },
  };
  st.cleanups.push(() => server.stop());
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}

/** The test double of the Kubernetes extension (see the header): plain JS, no dependencies. */
function writeFakeKubernetesExtension(dir) {
  const ext = join(dir, 'ms-kubernetes-tools.vscode-kubernetes-tools-1.3.99');
  mkdirSync(ext, { recursive: true });
  writeFileSync(
    join(ext, 'package.json'),
    JSON.stringify(
      {
        name: 'vscode-kubernetes-tools',
        publisher: 'ms-kubernetes-tools',
        version: '1.3.99',
        displayName: 'Kubernetes (TEST DOUBLE for Kube Packet Path e2e)',
        engines: { vscode: '^1.100.0' },
        main: './extension.js',
        activationEvents: ['onStartupFinished'],
        contributes: {
          views: { explorer: [{ id: 'extension.vsKubernetesExplorer', name: 'Clusters' }] },
          commands: [{ command: 'fakeK8s.useContext', title: 'Fake Kubernetes: Use Context ext-other' }],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(ext, 'extension.js'),
    `// TEST DOUBLE of the Kubernetes extension's public API (vscode-kubernetes-tools-api shape).
const vscode = require('vscode');
const fs = require('fs');
exports.activate = function (context) {
  const kubeconfig = process.env.FAKE_K8S_KUBECONFIG;
  const onPath = new vscode.EventEmitter();
  const onContext = new vscode.EventEmitter();
  const nodes = [{ fake: true, kind: 'Service', name: 'a-app', namespace: 'default' }];
  context.subscriptions.push(vscode.window.registerTreeDataProvider('extension.vsKubernetesExplorer', {
    getChildren: (n) => (n ? [] : nodes),
    getTreeItem: (n) => Object.assign(new vscode.TreeItem(n.name), { contextValue: 'vsKubernetes.resource.service', description: 'svc/' + n.namespace }),
  }));
  context.subscriptions.push(vscode.commands.registerCommand('fakeK8s.useContext', () => {
    // Like the real extension: rewrite the kubeconfig's current-context, then tell listeners.
    const kc = JSON.parse(fs.readFileSync(kubeconfig, 'utf8'));
    kc['current-context'] = 'ext-other';
    fs.writeFileSync(kubeconfig, JSON.stringify(kc, null, 2));
    onContext.fire('ext-other');
  }));
  const configuration = { getKubeconfigPath: () => ({ pathType: 'host', hostPath: kubeconfig }), onDidChangeKubeconfigPath: onPath.event, onDidChangeContext: onContext.event };
  const clusterExplorer = {
    resolveCommandTarget: (t) => (t && t.fake ? { nodeType: 'resource', namespace: t.namespace, name: t.name, resourceKind: { manifestKind: 'Service', abbreviation: 'svc' } } : undefined),
    registerNodeContributor() {}, refresh() {},
  };
  return {
    get(component, version) {
      if (component === 'configuration' && (version === 'v1' || version === 'v1_1')) return { available: true, api: configuration };
      if (component === 'clusterexplorer' && version === 'v1') return { available: true, api: clusterExplorer };
      return { available: false, reason: 'version-unknown' };
    },
  };
};
`,
  );
}

function kubeconfig(contexts, current) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    preferences: {},
    clusters: contexts.map((c) => ({
      name: `${c.name}-cluster`,
      cluster: { server: c.server, 'certificate-authority-data': Buffer.from(st.pki.caCert).toString('base64') },
    })),
    users: [{ name: 'reader', user: { token: TOKEN } }],
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: 'reader' } })),
  };
}

// ---- UI helpers -------------------------------------------------------------------------

const statusItem = (page, text) => page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();

/** Waits for a notification toast whose text matches `re`; returns its text. */
async function toast(page, re, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = await page
      .locator('.notifications-toasts .notification-toast')
      .allInnerTexts()
      .catch(() => []);
    const hit = texts.map((t) => t.replace(/\u00a0/g, ' ')).find((t) => re.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) {
      const shot = join(tmpdir(), `kpp-cluster-e2e-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      throw new Error(`no notification matching ${re}; visible: ${JSON.stringify(texts)}; screenshot ${shot}`);
    }
    await page.waitForTimeout(150);
  }
}

async function clearToasts(page) {
  await page.keyboard.press('Escape');
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
}

async function until(fn, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const shot = join(tmpdir(), `kpp-cluster-e2e-${Date.now()}.png`);
      await st.page?.screenshot({ path: shot }).catch(() => {});
      throw new Error(
        `never happened: ${what} (screenshot ${shot})\n--- extension log (end) ---\n${st.cs?.channelLog().slice(-1500)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const onlyGets = (requests) => [...new Set(requests.map((r) => r.method))];

async function pickContext(page, label) {
  await runCommand(page, 'Kube Packet Path: Choose Cluster Context');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

// ---- the tests ----------------------------------------------------------------------------

export const tests = [
  [
    'setup: fake API server with the seed cluster, kubeconfig in the user settings, a trusted workbench with the Kubernetes extension double',
    async () => {
      if (!codeServerReady()) throw new Error('code-server is not installed (node scripts/install-code-server.mjs)');
      const fake = await loadFakeApiServer();
      st.fake = fake;
      st.pki = fake.createTestPki();
      st.cleanups.push(() => st.pki.dispose());
      st.server = new fake.FakeApiServer({ cert: st.pki.serverCert, key: st.pki.serverKey, token: TOKEN });
      fake.loadSeedCluster(st.server, join(ROOT, 'test', 'fixtures', 'cluster', 'seed'));
      await st.server.start();
      st.cleanups.push(() => st.server.close());
      const closedPort = await freePort(); // nothing listens there: an unreachable API server
      st.base = mkdtempSync(join(tmpdir(), 'kpp-e2e-cluster-'));
      st.cleanups.push(() => rmSync(st.base, { recursive: true, force: true, maxRetries: 3 }));
      st.kc1 = join(st.base, 'kubeconfig-user.json');
      writeFileSync(
        st.kc1,
        JSON.stringify(
          kubeconfig(
            [
              { name: 'kind-seed', server: st.server.url },
              { name: 'lab-unreachable', server: `https://127.0.0.1:${closedPort}` },
            ],
            'kind-seed',
          ),
          null,
          2,
        ),
        { mode: 0o600 },
      );
      st.kc2 = join(st.base, 'kubeconfig-k8s-extension.json');
      writeFileSync(
        st.kc2,
        JSON.stringify(
          kubeconfig(
            [
              { name: 'ext-seed', server: st.server.url },
              { name: 'ext-other', server: st.server.url },
            ],
            'ext-seed',
          ),
          null,
          2,
        ),
        { mode: 0o600 },
      );
      const ws = prepareWorkspace();
      st.folder = ws.dir;
      st.cleanups.push(() => ws.dispose());
      const extDir = join(st.base, 'extensions');
      mkdirSync(extDir, { recursive: true });
      writeFakeKubernetesExtension(extDir);
      st.browser = await launchChromium();
      st.cleanups.push(() => st.browser.close());
      mkdirSync(join(st.base, 'trusted'));
      st.cs = await startServer({
        base: join(st.base, 'trusted'),
        trust: false,
        extensionsDir: extDir,
        env: { FAKE_K8S_KUBECONFIG: st.kc2 },
        settings: {
          'security.workspace.trust.enabled': false,
          'kubePacketPath.kubeconfig': st.kc1,
          'kubePacketPath.cluster.watch': true,
        },
      });
      st.page = await openWorkbench(st.browser, st.cs, {
        folder: st.folder,
        payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
      });
      await st.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      assert.equal(st.server.requests.length, 0, 'nothing contacts the cluster before a command');
    },
  ],

  [
    "the status bar shows the kubeconfig's context, read without contacting the cluster",
    async () => {
      await statusItem(st.page, 'kind-seed').waitFor({ timeout: 40_000 });
      assert.equal(st.server.requests.length, 0);
    },
  ],

  [
    'Refresh from Cluster pulls with a progress notification and reports the seed counts; only GET reached the server',
    async () => {
      st.server.fault('pods', { type: 'delay', ms: 2500 }); // keeps the progress notification up long enough to see
      await runCommand(st.page, 'Kube Packet Path: Refresh from Cluster');
      await toast(st.page, /Reading the cluster/);
      const done = await toast(
        st.page,
        /Read 9 pods, 3 Services, 3 EndpointSlices, 1 node, 2 Deployments, 0 StatefulSets, 2 DaemonSets, 3 network ConfigMaps from context 'kind-seed'/,
      );
      assert.doesNotMatch(done, /error|warning/);
      st.server.clearFaults();
      const reqs = st.server.requests.filter((r) => !r.query.watch);
      assert.deepEqual(onlyGets(st.server.requests), ['GET']);
      assert.ok(
        reqs.some((r) => r.path === '/api/v1/pods') &&
          reqs.some((r) => r.path === '/apis/discovery.k8s.io/v1/endpointslices'),
      );
      assert.ok(
        st.server.requests.every((r) => r.authorized),
        'the token from the kubeconfig was sent',
      );
      assert.doesNotMatch(st.cs.channelLog(), new RegExp(TOKEN), 'the token never appears in the log');
    },
  ],

  [
    'with kubePacketPath.cluster.watch, an EndpointSlice change on the server reaches VS Code (watch=1 GET stream)',
    async () => {
      await until(() => st.server.openWatches === 2, 'pods and endpointslices watched');
      await st.page.locator('.part.statusbar .statusbar-item .codicon-eye').first().waitFor({ timeout: 15_000 });
      const slice = st.server.object('endpointslices', 'default', 'a-app-9xk4m');
      slice.endpoints = [...slice.endpoints, { ...slice.endpoints[0], addresses: ['10.244.0.150'] }];
      st.server.upsert('endpointslices', slice);
      await until(
        () => /watch: MODIFIED EndpointSlice default\/a-app-9xk4m/.test(st.cs.channelLog()),
        'the change in the extension log',
      );
      const watches = st.server.requests.filter((r) => r.query.watch);
      assert.deepEqual(watches.map((r) => r.path).sort(), ['/api/v1/pods', '/apis/discovery.k8s.io/v1/endpointslices']);
      assert.ok(watches.every((r) => r.method === 'GET' && /^\d+$/.test(r.query.resourceVersion)));
    },
  ],

  [
    'an open diagram follows the watch: an endpoint change re-traces it in place',
    async () => {
      await clearToasts(st.page);
      await runCommand(st.page, 'Kube Packet Path: Trace a Packet…');
      const input = st.page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 15_000 });
      await input.fill('b-app');
      await st.page
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'b-app' })
        .first()
        .waitFor({ timeout: 15_000 });
      await st.page.keyboard.press('Enter');
      await st.page.locator('.quick-input-widget .quick-input-title', { hasText: 'TO' }).waitFor({ timeout: 15_000 });
      await input.fill('a-app.default.svc.cluster.local');
      await st.page.waitForTimeout(300);
      await st.page.keyboard.press('Enter');
      await until(
        () => /trace \S*b-app → \S*a-app\S*: [1-9]\d* flow\(s\)/.test(st.cs.channelLog()),
        'the b-app → a-app trace drawn',
      );
      await st.page.locator('.tab', { hasText: /a-app/ }).first().waitFor({ timeout: 15_000 });
      // The server drops the endpoint the previous test added: the watch delivers it, the diagram is traced again.
      const drawn = () => st.cs.channelLog().match(/diagram: \d+ steps drawn/g)?.length ?? 0;
      await until(() => drawn() > 0, 'the diagram drawn by the webview');
      const drawnBefore = drawn();
      const slice = st.server.object('endpointslices', 'default', 'a-app-9xk4m');
      st.server.upsert('endpointslices', {
        ...slice,
        endpoints: slice.endpoints.filter((e) => e.addresses[0] !== '10.244.0.150'),
      });
      await until(
        () =>
          /diagram: re-traced \S*b-app → \S*a-app\S* after a cluster change \(MODIFIED default\/a-app-9xk4m\): [1-9]\d* flow\(s\)/.test(
            st.cs.channelLog(),
          ),
        'the diagram re-traced after the change',
      );
      await until(() => drawn() > drawnBefore, 'the webview drew the new trace');
      assert.deepEqual(onlyGets(st.server.requests), ['GET']);
    },
  ],

  [
    'cluster evidence in the diagram opens the object as read-only YAML, at the field that proves the hop',
    async () => {
      const page = st.page;
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const link = view.locator('#side .ev-link', { hasText: /^cluster: EndpointSlice\/default\/a-app-/ }).first();
      await link.waitFor({ timeout: 20_000 });
      const label = (await link.innerText()).trim();
      const name = label.split('/').pop();
      await link.click();
      const tab = page.locator('.tabs-container .tab.active', { hasText: name });
      await tab.waitFor({ timeout: 20_000 });
      const editor = page
        .locator(`.editor-group-container:has(.tab.active:has-text("${name}")) .monaco-editor`)
        .first();
      await until(
        async () =>
          /YAML/.test(
            await page
              .locator('#status\\.editor\\.mode')
              .innerText()
              .catch(() => ''),
          ),
        'the object shown as YAML',
      );
      const text = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
      assert.match(text, new RegExp(`# EndpointSlice default/${name} from context 'kind-seed'`));
      assert.match(text, /kind: EndpointSlice/);
      assert.match(text, /10\.244\.0\.\d+/, 'the endpoints read from the cluster');
      // At the field that proves the hop (the evidence's field, set by the cluster layer): the slice's
      // endpoints (two of them since the previous test), not its name. The cursor's line:
      const current = editor.locator('.view-overlays .current-line, .view-overlays .selected-text').first();
      await current.waitFor({ timeout: 10_000 });
      const active = (await editor.locator('.line-numbers.active-line-number').first().innerText()).trim();
      const lines = text.split('\n');
      assert.match(lines[Number(active) - 1] ?? '', /^endpoints:$/, `line ${active}`);
      assert.match(lines.slice(Number(active)).join('\n'), /^ {2}- addresses:\n {6}- 10\.244\.0\.\d+/);
      // Read-only: typing changes nothing and the editor says why.
      await editor.locator('.view-lines').click();
      await page.keyboard.type('x');
      await page
        .locator('.monaco-editor-overlaymessage, .message-widget', { hasText: /read-only/i })
        .first()
        .waitFor({
          timeout: 10_000,
        });
      assert.equal((await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' '), text);
    },
  ],

  [
    'the watch survives a dropped stream (reconnect with backoff) and a 410 (re-list)',
    async () => {
      const listed = () => st.cs.channelLog().match(/watch: listed endpointslices/g)?.length ?? 0;
      const listedBefore = listed();
      assert.equal(st.server.dropWatches(), 2);
      await until(
        () =>
          // The first step is 0.5 s less up to half of it as jitter (src/cluster/watch.ts): 250–500 ms.
          /watch: .*reconnecting from resourceVersion \d+; retrying in (2[5-9]\d|[34]\d\d|500) ms \(attempt 1\)/.test(
            st.cs.channelLog(),
          ),
        'a reconnect after the first backoff step',
      );
      await until(() => st.server.openWatches === 2, 'both streams reopened');
      // Dropped again, a change made and the history compacted before the watcher is back: 410 → list again.
      const slice = st.server.object('endpointslices', 'default', 'a-app-9xk4m');
      st.server.dropWatches();
      st.server.upsert('endpointslices', { ...slice, endpoints: [slice.endpoints[0]] });
      st.server.compact();
      await until(() => listed() > listedBefore, 'endpointslices listed again after 410');
      await until(() => st.server.openWatches === 2, 'watching again from the new resourceVersion');
      assert.deepEqual(onlyGets(st.server.requests), ['GET']);
    },
  ],

  [
    '"Stop Watching the Cluster" (in the palette only while watching) ends the streams',
    async () => {
      await runCommand(st.page, 'Kube Packet Path: Stop Watching the Cluster');
      await until(() => st.server.openWatches === 0, 'no open watch');
      await until(() => /watch: stopping \(stopped by the user\)/.test(st.cs.channelLog()), 'the stop in the log');
      await st.page
        .locator('.part.statusbar .statusbar-item .codicon-eye')
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 });
    },
  ],

  [
    "after a window reload the watch's latest state of the context is kept (with its time), without contacting the cluster",
    async () => {
      const page = st.page;
      const before = st.server.requests.length;
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } });
      await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      const item = statusItem(page, 'kind-seed');
      await item.waitFor({ timeout: 40_000 }).catch(async (e) => {
        // What the window shows when the item is missing: printed for whoever debugs it.
        const texts = await page.locator('.part.statusbar .statusbar-item').allInnerTexts();
        console.log(`    no "kind-seed" status item after the reload; status bar: ${JSON.stringify(texts)}`);
        throw e;
      });
      await until(async () => {
        await item.hover();
        const tip = await page
          .locator('.monaco-hover, .workbench-hover', { hasText: /kind-seed/ })
          .first()
          .innerText({ timeout: 2_000 })
          .catch(() => '');
        return /Read 9 pods, 3 Services, 3 EndpointSlices.* from context 'kind-seed' \(then [1-9]\d* changes from the watch, the last .+ at .+; kept from before the reload\)/.test(
          tip.replace(/\u00a0/g, ' '),
        );
      }, 'the status bar tooltip names the kept read, the watch changes after it and their time');
      // The kept read is what traces and evidence use: the restored diagram's cluster evidence still opens.
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const link = view.locator('#side .ev-link', { hasText: /^cluster: EndpointSlice\/default\/a-app-/ }).first();
      await link.waitFor({ timeout: 60_000 });
      await link.click();
      await page.locator('.tabs-container .tab.active', { hasText: /a-app-/ }).waitFor({ timeout: 20_000 });
      const text = (await page.locator('.editor-instance .view-lines').last().innerText()).replace(/\u00a0/g, ' ');
      assert.match(text, /kind: EndpointSlice/);
      // The watch's latest state, not the first read: the 410 test left a-app-9xk4m with only 10.244.0.143.
      assert.match(text, /10\.244\.0\.143/);
      assert.doesNotMatch(text, /10\.244\.0\.144/, 'the endpoint the watch removed is gone after the reload');
      assert.equal(st.server.requests.length, before, 'no request after the reload');
    },
  ],

  [
    'a 403 on endpointslices ends in a clear warning and a partial model (the rest is read)',
    async () => {
      await clearToasts(st.page);
      st.server.fault('endpointslices.discovery.k8s.io', { type: 'status', code: 403 });
      await runCommand(st.page, 'Kube Packet Path: Refresh from Cluster');
      const text = await toast(
        st.page,
        /Read 9 pods, 3 Services, 0 EndpointSlices, 1 node, .* from context 'kind-seed' — 1 warning/,
      );
      assert.ok(text);
      await until(
        () =>
          /cannot list endpointslices\.discovery\.k8s\.io at cluster scope: RBAC forbids \(403\)/.test(
            st.cs.channelLog(),
          ),
        'the 403 explained in the log',
      );
      st.server.clearFaults();
    },
  ],

  [
    'the context picker switches context (status bar follows; the watch stops)',
    async () => {
      await clearToasts(st.page);
      await pickContext(st.page, 'lab-unreachable');
      await statusItem(st.page, 'lab-unreachable').waitFor({ timeout: 15_000 });
      await until(() => st.server.openWatches === 0, 'watch stopped after the context change');
      assert.match(st.cs.channelLog(), /watch: stopping \(the context, kubeconfig or namespaces changed\)/);
    },
  ],

  [
    'an unreachable API server ends in a clear error, not a hang',
    async () => {
      await runCommand(st.page, 'Kube Packet Path: Refresh from Cluster');
      // The reason is in the notification itself, with a Show Log button; the log has no placeholder.
      const text = await toast(
        st.page,
        /Read nothing from context 'lab-unreachable' — 1 error: .*refused the connection/,
      );
      assert.match(text, /Show Log/);
      await until(() => /refused the connection/.test(st.cs.channelLog()), 'the cause in the log');
      assert.doesNotMatch(st.cs.channelLog(), /\[error\] \[error\]|GET requests to \?/);
      await clearToasts(st.page);
      await pickContext(st.page, 'Use the kubeconfig');
      await statusItem(st.page, 'kind-seed').waitFor({ timeout: 15_000 });
    },
  ],

  [
    'Kubernetes extension (test double): without our setting, its kubeconfig and its context switches are followed',
    async () => {
      // Remove our own kubeconfig setting the way a user does: in the user settings.json editor.
      const lines = readFileSync(st.cs.settingsFile, 'utf8').split('\n');
      const line = lines.findIndex((l) => l.includes('"kubePacketPath.kubeconfig"')) + 1;
      assert.ok(line > 1 && !/}\s*$/.test(lines[line]), 'the setting is on a middle line');
      await runCommand(st.page, 'Preferences: Open User Settings (JSON)');
      await st.page.locator('.tabs-container .tab', { hasText: 'settings.json' }).first().waitFor({ timeout: 15_000 });
      await st.page.locator('.editor-instance .view-lines').first().click();
      await goToPosition(st.page, line, 1);
      await st.page.keyboard.press('Control+Shift+K');
      await st.page.keyboard.press('Control+S');
      await until(
        () => !/kubePacketPath\.kubeconfig/.test(readFileSync(st.cs.settingsFile, 'utf8')),
        'the user setting removed',
      );
      await st.page.keyboard.press('Control+W');
      await until(() => statusItem(st.page, 'ext-seed').isVisible(), 'status bar shows ext-seed');
      await runCommand(st.page, 'Fake Kubernetes: Use Context ext-other');
      await statusItem(st.page, 'ext-other').waitFor({ timeout: 15_000 });
      await until(
        () =>
          /Following the Kubernetes extension's kubeconfig: .*kubeconfig-k8s-extension\.json/.test(st.cs.channelLog()),
        'log names the followed kubeconfig',
      );
    },
  ],

  [
    '"Trace this Service" on a Service node of the Cluster Explorer traces it with everything known',
    async () => {
      await clearToasts(st.page);
      const row = st.page
        .locator('.pane:has(.pane-header:has-text("Clusters")) .monaco-list-row', { hasText: 'a-app' })
        .first();
      const header = st.page.locator('.pane-header', { hasText: 'Clusters' }).first();
      await header.waitFor({ timeout: 20_000 });
      if (!(await row.isVisible())) await header.click();
      await row.waitFor({ timeout: 15_000 });
      await row.click({ button: 'right' });
      const item = st.page.locator('.context-view .action-item', { hasText: 'Trace this Service' }).first();
      await item.waitFor({ timeout: 10_000 });
      // Keyboard, as the menu ignores a mouse-up that comes right after it opened.
      await st.page.keyboard.press('ArrowDown');
      await st.page
        .locator('.context-view .action-item.focused', { hasText: 'Trace this Service' })
        .waitFor({ timeout: 5_000 });
      await st.page.keyboard.press('Enter');
      await until(
        () => /Trace this Service from the Cluster Explorer: default\/a-app/.test(st.cs.channelLog()),
        'the node resolved to default/a-app',
      );
      // The trace command then asks for a client pod or draws at once: either is the trace running on a-app.
      const picked = await until(async () => {
        if (
          await st.page
            .locator('.quick-input-widget', { hasText: 'a-app' })
            .isVisible()
            .catch(() => false)
        )
          return 'picker';
        if (
          await st.page
            .locator('.tab', { hasText: /a-app|Packet/ })
            .first()
            .isVisible()
            .catch(() => false)
        )
          return 'diagram';
        return undefined;
      }, 'the trace of a-app (client picker or diagram)');
      assert.ok(picked);
      await st.page.keyboard.press('Escape');
      assert.deepEqual(onlyGets(st.server.requests), ['GET']);
    },
  ],

  [
    'untrusted workspace (trust on, folder not trusted): no request reaches the server and the UI says why',
    async () => {
      await st.page
        .context()
        .close()
        .catch(() => {});
      await st.cs.stop();
      const before = st.server.requests.length;
      mkdirSync(join(st.base, 'untrusted'));
      const extDir = join(st.base, 'extensions-untrusted');
      mkdirSync(extDir);
      const cs = await startServer({
        base: join(st.base, 'untrusted'),
        trust: true,
        extensionsDir: extDir,
        settings: {
          'security.workspace.trust.enabled': true,
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.banner': 'always',
          'kubePacketPath.kubeconfig': st.kc1,
          'kubePacketPath.cluster.watch': true,
        },
      });
      const page = await openWorkbench(st.browser, cs, {
        folder: st.folder,
        payload: { extensionDevelopmentPath: ROOT, skipWelcome: 'true' },
      });
      st.cleanups.push(() => page.context().close());
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor({ timeout: 30_000 });
      await runCommand(page, 'Kube Packet Path: Refresh from Cluster');
      await toast(page, /This workspace is not trusted: Kube Packet Path does not contact clusters/);
      await statusItem(page, 'Cluster off').waitFor({ timeout: 15_000 });
      await clearToasts(page);
      await runCommand(page, 'Kube Packet Path: Choose Cluster Context');
      await toast(page, /not trusted/);
      assert.equal(
        st.server.requests.length,
        before,
        `requests while untrusted: ${JSON.stringify(st.server.requests.slice(before))}`,
      );
      assert.match(cs.channelLog(), /This workspace is not trusted/);
    },
  ],

  [
    'cleanup: servers, browser and temp folders',
    async () => {
      await cleanupAll();
      assert.equal(st.cleanups.length, 0);
    },
  ],
];
