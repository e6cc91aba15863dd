/**
 * What VS Code loads to activate the extension (dist/extension.js) stays small: the parsers, the
 * YAML library, the flow engine and the renderers live in dist/features.js, loaded on first use
 * (src/editor/lazyFeatures.ts). Both bundles are built here in memory, minified as
 * `npm run package` ships them, with the options scripts/build.mjs uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { bundleTargets } from '../../../scripts/bundles.mjs';

const MAX_ACTIVATION_BYTES = 100 * 1024;
/** Source folders and packages that must not be parsed at activation. */
const HEAVY = /^(src\/(ingest|flow|render|samples)\/|node_modules\/(yaml|mermaid|@kubernetes)\/)/;

async function build(name: 'extension' | 'features') {
  const options = bundleTargets({ production: true })[name];
  const result = await esbuild.build({ ...options, write: false });
  const [file, output] = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(`${name}.js`))!;
  return { file, bytes: output.bytes, inputs: Object.keys(output.inputs), imports: output.imports };
}

test('the activation bundle is at most 100 KB minified and holds no parser, flow or renderer', async () => {
  const activation = await build('extension');
  const heavy = activation.inputs.filter((input) => HEAVY.test(input));
  assert.deepEqual(heavy, [], 'heavy modules in the activation bundle');
  assert.ok(
    activation.bytes <= MAX_ACTIVATION_BYTES,
    `${activation.file} is ${(activation.bytes / 1024).toFixed(1)} KiB, over ${MAX_ACTIVATION_BYTES / 1024} KiB`,
  );
  // The features bundle is loaded by require() at run time, never bundled in.
  assert.ok(activation.imports.some((entry) => entry.path === './features.js' && entry.external));
});

test('the features bundle holds the heavy layers and shares the cluster state with activation', async () => {
  const features = await build('features');
  for (const layer of ['src/ingest/', 'src/flow/', 'src/render/', 'node_modules/yaml/'])
    assert.ok(
      features.inputs.some((input) => input.startsWith(layer)),
      `${layer} is in the features bundle`,
    );
  // One cluster state: the last cluster read and its event come from the activation bundle.
  assert.deepEqual(
    features.inputs.filter((input) => /^src\/editor\/(cluster\/(state|index)|extension)\.ts$/.test(input)),
    [],
    'the features bundle has its own copy of the cluster state',
  );
  assert.ok(features.imports.some((entry) => entry.path === './extension.js' && entry.external));
});

test('every contributed command outside the cluster ones gets a stand-in at activation', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { commands: { command: string }[] } };
  const source = (path: string) => readFileSync(path, 'utf8');
  // The keys of the command table in registerClusterCommands.
  const registeredAtActivation = [
    ...source('src/editor/cluster/index.ts').matchAll(/^\s*'(?<id>kubePacketPath\.cluster\.[\w.]+)': /gm),
  ].map((match) => match.groups!.id);
  const contributed = pkg.contributes.commands.map((entry) => entry.command);
  assert.ok(registeredAtActivation.length >= 5, 'found the cluster commands');
  // lazyFeatures.ts skips exactly the commands src/editor/cluster registers, by their prefix.
  assert.deepEqual(
    contributed.filter((id) => id.startsWith('kubePacketPath.cluster.')).sort(),
    [...registeredAtActivation].sort(),
  );
  assert.match(source('src/editor/lazyFeatures.ts'), /ACTIVATION_COMMAND_PREFIX = 'kubePacketPath\.cluster\.'/);
});
