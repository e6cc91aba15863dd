// Starts code-server (a real VS Code 1.100 served to the browser) on a free loopback
// port, with a fresh user-data and extensions folder, and stops its whole process group.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_SERVER_BIN, codeServerEnv, codeServerReady } from '../../../scripts/install-code-server.mjs';

/** Every server started by this process, so an exit or a signal still stops them. */
const running = new Set();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const s of running) {
      s.killGroup('SIGKILL');
      if (!s.keep) rmSync(s.base, { recursive: true, force: true });
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (running.size)
        console.error(`\n${sig}: stopping code-server (process group ${[...running].map((s) => s.pid).join(', ')})`);
      killAll();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {object} o
 * @param {string} [o.folder]      workspace folder to open
 * @param {Record<string,string>} [o.env]  extra env for the server (and so the extension host)
 * @param {string[]} [o.args]      extra code-server arguments
 * @param {string} [o.extensionsDir] reuse an extensions dir (default: fresh, empty)
 * @param {boolean} [o.keep]       keep the temp folders after stop (for debugging)
 * @param {number} [o.port]        port on 127.0.0.1 (default: a free one)
 */
export async function startCodeServer(o = {}) {
  if (!codeServerReady()) {
    throw new Error('code-server is not installed: run `node scripts/install-code-server.mjs` first');
  }
  hookExit();
  const base = mkdtempSync(join(tmpdir(), 'kpp-e2e-'));
  const userDataDir = join(base, 'user-data');
  const extensionsDir = o.extensionsDir ?? join(base, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // Quiet, deterministic workbench: no trust prompt, no welcome page, no telemetry.
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'git.enabled': false,
        'editor.minimap.enabled': false,
        ...o.settings,
      },
      null,
      2,
    ),
  );
  const configFile = join(base, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const port = o.port ?? (await freePort());
  const args = [
    CODE_SERVER_BIN,
    '--config',
    configFile,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--log',
    'trace',
    ...(o.args ?? []),
    ...(o.folder ? [o.folder] : []),
  ];
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: stop() kills the server and every child it spawned
    stdio: ['ignore', 'pipe', 'pipe'],
    env: codeServerEnv({ ...o.env, XDG_CONFIG_HOME: join(base, 'xdg-config'), XDG_DATA_HOME: join(base, 'xdg-data') }),
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const handle = {
    port,
    pid: child.pid,
    base,
    keep: Boolean(o.keep),
    userDataDir,
    extensionsDir,
    /** Page authority: `localhost` (a secure context) rather than 127.0.0.1. */
    authority: `localhost:${port}`,
    url: `http://localhost:${port}/`,
    output: () => output,
    killGroup(signal) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    },
    async stop() {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        handle.killGroup('SIGTERM');
        const t = setTimeout(() => handle.killGroup('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      // A file watcher or extension host child can outlive the server: kill the group again.
      handle.killGroup('SIGKILL');
      if (!o.keep) rmSync(base, { recursive: true, force: true, maxRetries: 3 });
    },
    /** All log files under the user-data logs folder: [{path, text}]. */
    logs() {
      const out = [];
      const walk = (d) => {
        if (!existsSync(d)) return;
        for (const n of readdirSync(d)) {
          const p = join(d, n);
          if (statSync(p).isDirectory()) walk(p);
          else if (n.endsWith('.log')) out.push({ path: p, text: readFileSync(p, 'utf8') });
        }
      };
      walk(join(userDataDir, 'logs'));
      return out;
    },
  };
  running.add(handle);
  try {
    await waitForHealth(handle, child, 60_000);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

async function waitForHealth(handle, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${handle.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${handle.port}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer on 127.0.0.1:${handle.port} within ${timeoutMs} ms:\n${handle.output()}`);
}
