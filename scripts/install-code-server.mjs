#!/usr/bin/env node
// Installs code-server (VS Code OSS for the browser) into the git-ignored cache folder
// .cache/code-server/, so the end-to-end tests and `npm run demo` can run a real VS Code
// where desktop VS Code cannot be downloaded. It is NOT a dependency of the extension.
//
// Usage: node scripts/install-code-server.mjs [--force] [--quiet]
// Exit 0 when code-server is ready; non-zero with a message saying what is missing.
//
// What it does (idempotent; skipped when the right version is already there):
//   1. checks Node 20, the Debian build dependencies (pkg-config, krb5, libsecret, xkbfile,
//      x11) and ripgrep (/usr/bin/rg);
//   2. `npm install code-server@VERSION --ignore-scripts` in .cache/code-server/;
//   3. reads which @vscode/ripgrep version code-server's VS Code wants, and puts Debian's
//      rg into the tarball that package's post-install looks for in its download cache
//      ($TMPDIR/vscode-ripgrep-cache-<version>/), so nothing is fetched from GitHub;
//   4. `npm rebuild` (runs the install scripts: native modules via node-gyp, and
//      code-server's post-install that installs its VS Code)
//      with npm_config_unsafe_perm=true and npm_config_yes=true;
//   5. checks `code-server --version`.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = join(ROOT, '.cache', 'code-server');
export const CODE_SERVER_PKG = join(CACHE_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_BIN = join(CODE_SERVER_PKG, 'out', 'node', 'entry.js');
const STAMP = join(CACHE_DIR, 'installed.json');
const RG_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const quiet = process.argv.includes('--quiet');
const say = (msg) => {
  if (!quiet) console.log(`[install-code-server] ${msg}`);
};
function fail(msg) {
  console.error(`[install-code-server] ERROR: ${msg}`);
  process.exit(1);
}

/** True when code-server VERSION is installed and completed its post-install. */
export function codeServerReady() {
  if (!existsSync(STAMP) || !existsSync(CODE_SERVER_BIN)) return false;
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).version === CODE_SERVER_VERSION;
  } catch {
    return false;
  }
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) fail(`code-server ${CODE_SERVER_VERSION} needs Node 20 (found ${process.versions.node}).`);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`this installer supports linux-x64 only (found ${process.platform}-${process.arch}).`);
  }
  const missing = [];
  const pc = spawnSync('pkg-config', ['--version'], { encoding: 'utf8' });
  if (pc.status !== 0) missing.push('pkg-config');
  else {
    for (const [mod, deb] of [
      ['krb5-gssapi', 'libkrb5-dev'],
      ['libsecret-1', 'libsecret-1-dev'],
      ['xkbfile', 'libxkbfile-dev'],
      ['x11', 'libx11-dev'],
    ]) {
      if (spawnSync('pkg-config', ['--exists', mod]).status !== 0) missing.push(deb);
    }
  }
  if (!existsSync('/usr/bin/rg')) missing.push('ripgrep');
  for (const tool of ['make', 'g++', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool === 'g++' ? 'g++' : tool);
  }
  if (missing.length) {
    fail(
      `missing build dependencies: ${missing.join(' ')}\n` +
        `  install them with: apt-get install -y --no-install-recommends ${[...new Set(missing)].join(' ')}`,
    );
  }
}

/** Where the npm / node-gyp output goes when `installCodeServer({ logFile })` asks for it. */
let logFile;

function run(cmd, args, opts) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const captured = quiet || logFile !== undefined;
  const r = spawnSync(cmd, args, {
    stdio: captured ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    maxBuffer: 256 * 1024 * 1024,
    ...opts,
  });
  const output = String(r.stdout ?? '') + String(r.stderr ?? '');
  if (logFile) appendFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${output}\n`);
  if (r.status !== 0) {
    if (quiet && !logFile) process.stderr.write(output);
    fail(`'${cmd} ${args.join(' ')}' exited with ${r.status ?? r.signal}.${logFile ? ` Its output: ${logFile}` : ''}`);
  }
}

/** The @vscode/ripgrep version code-server's bundled VS Code installs. */
function wantedRipgrepVersion() {
  const candidates = [
    join(CODE_SERVER_PKG, 'lib', 'vscode', 'package.json'),
    join(CODE_SERVER_PKG, 'lib', 'vscode', 'npm-shrinkwrap.json'),
    join(CODE_SERVER_PKG, 'lib', 'vscode', 'package-lock.json'),
  ];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const v = json.packages?.['node_modules/@vscode/ripgrep']?.version ?? json.dependencies?.['@vscode/ripgrep'];
    if (typeof v === 'string') return v.replace(/^[\^~]/, '');
  }
  return '1.15.11'; // what code-server 4.100.3 uses
}

/** Tarball of Debian's rg named like the release asset @vscode/ripgrep downloads. */
function prepareRipgrepCache(tmpDir, version) {
  const cache = join(tmpDir, `vscode-ripgrep-cache-${version}`);
  const tarball = join(cache, RG_ASSET);
  if (existsSync(tarball)) return;
  mkdirSync(cache, { recursive: true });
  const stage = join(cache, 'stage');
  mkdirSync(stage, { recursive: true });
  copyFileSync('/usr/bin/rg', join(stage, 'rg'));
  chmodSync(join(stage, 'rg'), 0o755);
  execFileSync('tar', ['-czf', tarball, '-C', stage, 'rg']);
  rmSync(stage, { recursive: true, force: true });
  say(`ripgrep: packed /usr/bin/rg as ${tarball}`);
}

/**
 * Environment for running code-server: its config and data go to the cache folder, never
 * to the user's ~/.config/code-server or ~/.local/share/code-server.
 */
export function codeServerEnv(extra = {}) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(CACHE_DIR, 'xdg-config'),
    XDG_DATA_HOME: join(CACHE_DIR, 'xdg-data'),
    ...extra,
  };
}

/**
 * @param {object} [options]
 * @param {boolean} [options.force]  reinstall even when installed
 * @param {string} [options.logFile] write npm's and node-gyp's output there instead of the terminal
 *   (one line per step is still printed)
 */
export function installCodeServer({ force = false, logFile: log } = {}) {
  if (!force && codeServerReady()) {
    say(`code-server ${CODE_SERVER_VERSION} already installed in ${CACHE_DIR}`);
    return CODE_SERVER_BIN;
  }
  checkPrerequisites();
  logFile = log;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, '');
  }
  say(
    `installing code-server ${CODE_SERVER_VERSION} into ${CACHE_DIR} (about 2 minutes, ~300 MB)${logFile ? `; log: ${logFile}` : ''}`,
  );
  if (force) rmSync(STAMP, { force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  const pkgJson = join(CACHE_DIR, 'package.json');
  if (!existsSync(pkgJson)) {
    writeFileSync(
      pkgJson,
      JSON.stringify(
        {
          name: 'kpp-code-server-cache',
          private: true,
          description: 'code-server for the end-to-end tests; not part of the extension',
        },
        null,
        2,
      ) + '\n',
    );
  }
  const tmpDir = join(CACHE_DIR, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: tmpDir,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  run('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: CACHE_DIR,
    env,
  });
  const rgVersion = wantedRipgrepVersion();
  say(`code-server's VS Code wants @vscode/ripgrep ${rgVersion}`);
  prepareRipgrepCache(tmpDir, rgVersion);
  run('npm', ['rebuild', '--foreground-scripts'], { cwd: CACHE_DIR, env });
  const v = spawnSync(process.execPath, [CODE_SERVER_BIN, '--version'], { encoding: 'utf8', env: codeServerEnv() });
  if (v.status !== 0 || !v.stdout.includes(CODE_SERVER_VERSION)) {
    fail(`code-server did not start after install:\n${v.stdout}${v.stderr}`);
  }
  writeFileSync(STAMP, JSON.stringify({ version: CODE_SERVER_VERSION, at: new Date().toISOString() }) + '\n');
  say(`ready: code-server ${v.stdout.trim().split('\n').pop()}`);
  return CODE_SERVER_BIN;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installCodeServer({ force: process.argv.includes('--force') });
}
