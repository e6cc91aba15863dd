import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as l10n from '@vscode/l10n';
import { tcpFlagWords } from '../../../src/editor/hover/packetAnnotation.pure';

// Localization: package.json contributions go through package.nls.json (%key%), and every
// l10n.t('…') message is in l10n/bundle.l10n.json (`npm run l10n:export`), the file
// translators copy to bundle.l10n.<locale>.json.

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

function placeholders(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    const m = /^%(.+)%$/.exec(v);
    if (m) out.push(m[1]);
  } else if (Array.isArray(v)) v.forEach((x) => placeholders(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => placeholders(x, out));
  return out;
}

test('package.nls.json has an English string for every %key% in package.json', () => {
  const pkg = readJson('package.json');
  const nls = readJson('package.nls.json');
  const keys = placeholders(pkg);
  assert.ok(keys.length > 20, 'package.json uses placeholders');
  assert.deepEqual(keys.filter((k) => typeof nls[k] !== 'string' || nls[k] === ''), []);
});

test('no contributed command title or category is left in English in package.json', () => {
  const pkg = readJson('package.json') as { contributes: { commands: { command: string; title?: string; category?: string; shortTitle?: string }[] } };
  const bare = pkg.contributes.commands.flatMap((c) =>
    (['title', 'category', 'shortTitle'] as const).filter((f) => c[f] !== undefined && !/^%.+%$/.test(c[f])).map((f) => `${c.command}.${f}: ${c[f]}`));
  assert.deepEqual(bare, []);
  assert.equal((pkg as unknown as { l10n?: string }).l10n, './l10n', 'package.json points VS Code at the bundle folder');
});

test('l10n/bundle.l10n.json holds the messages of known call sites (the export ran)', () => {
  const bundle = readJson('l10n/bundle.l10n.json');
  for (const message of [
    'Trace this Service', // CodeLens title (vscode.l10n.t)
    'Trace headless flow', // CodeLens title
    'Open a packet path diagram first.', // notification
    'Packet path: {0}', // diagram panel title
    'Make Service {0} headless (clusterIP: None)', // quick fix (@vscode/l10n, manifestChecks.pure)
    'TCP flags [{0}]: {1}', // hover sentence (@vscode/l10n, packetAnnotation.pure)
    'DNS name of Service {0}', // trace picker description (@vscode/l10n, targets.pure)
  ]) assert.equal(bundle[message], message, message);
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every l10n.t message of the editor features is in the bundle, and every call passes a literal', () => {
  const bundle = readJson('l10n/bundle.l10n.json');
  const missing: string[] = [];
  let calls = 0;
  // src/editor/cluster/ is left out: its strings are exported with the rest by `npm run l10n:export`.
  for (const file of tsFiles(join('src', 'editor')).filter((f) => !f.startsWith(join('src', 'editor', 'cluster')))) {
    const text = readFileSync(file, 'utf8');
    const all = text.match(/\bl10n\.t\(/g)?.length ?? 0;
    const literal = [...text.matchAll(/\bl10n\.t\(\s*(['"])((?:\\.|(?!\1).)*)\1/g)];
    if (all !== literal.length) missing.push(`${file}: ${all - literal.length} call(s) without a string literal message`);
    for (const m of literal) {
      calls++;
      const message = m[2].replace(/\\(['"\\])/g, '$1');
      if (!(message in bundle)) missing.push(`${file}: ${message}`);
    }
  }
  assert.ok(calls > 100, `found the l10n.t calls (${calls})`);
  assert.deepEqual(missing, [], 'run `npm run l10n:export`');
});

test('the pure modules translate through @vscode/l10n once a bundle is configured (English without one)', () => {
  assert.equal(tcpFlagWords('S'), 'SYN (opens a connection)');
  l10n.config({ contents: { '{0} (opens a connection)': '{0} (öffnet eine Verbindung)' } });
  assert.equal(tcpFlagWords('S'), 'SYN (öffnet eine Verbindung)');
  assert.equal(tcpFlagWords('S.'), 'SYN + ACK (the server accepts)');
  l10n.config({ contents: {} });
});
