/**
 * Every setting must apply from the User settings of a remote window (code-server, Remote-SSH,
 * WSL, dev containers). VS Code 1.100 parses the local User settings of a remote window with
 * LOCAL_MACHINE_SCOPES (APPLICATION, WINDOW, RESOURCE, LANGUAGE_OVERRIDABLE:
 * src/vs/workbench/services/configuration/common/configuration.ts), so a `machine` or
 * `machine-overridable` value there is dropped, but only once the extension's schema is
 * registered: a value parsed before that stays. That race is why, after a window reload in
 * code-server, `kubePacketPath.kubeconfig` (then machine-overridable) was applied in some runs
 * and ignored in others, and the status bar said "no kubeconfig" (issue 16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface SettingSchema {
  scope?: string;
  ignoreSync?: boolean;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { configuration: { properties: Record<string, SettingSchema> } };
};
const settings = manifest.contributes.configuration.properties;

test('no setting has a scope that VS Code drops from the User settings of a remote window', () => {
  const dropped = Object.entries(settings)
    .filter(([, schema]) => schema.scope === 'machine' || schema.scope === 'machine-overridable')
    .map(([key, schema]) => `${key} (${schema.scope})`);
  assert.deepEqual(dropped, []);
});

test('the kubeconfig path, a path on one machine, is not carried to others by Settings Sync', () => {
  assert.equal(settings['kubePacketPath.kubeconfig']?.ignoreSync, true);
});
