#!/usr/bin/env node
// Regenerates media/sample/seed-trace.json (and the copy of the report it points to)
// from the current flow engine: node bench/webview/write-seed-sample.mjs
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = 'bench/out/webview/seedSample.cjs';
await esbuild.build({ entryPoints: ['bench/webview/seedSample.ts'], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'warning' });
const { seedTraceResult, SAMPLE_NAME } = createRequire(import.meta.url)(`../../${out}`);
const result = seedTraceResult();
mkdirSync('media/sample', { recursive: true });
writeFileSync('media/sample/seed-trace.json', JSON.stringify(result, null, 1) + '\n');
copyFileSync('test/fixtures/seed/flannel-network-flows-part1.ko.txt', `media/sample/${SAMPLE_NAME}`);
const steps = result.flows.map((f) => f.phases.reduce((n, p) => n + p.steps.length, 0));
console.log(`media/sample/seed-trace.json: ${result.flows.length} flows (${steps.join(', ')} steps), ${result.unresolved.length} unresolved`);
