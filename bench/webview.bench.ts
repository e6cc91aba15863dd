// Diagram webview in headless Chromium: time from a `show` message to the SVG being
// painted, for flows of 10, 50 and 200 steps, on the minified (shipped) bundle; the
// bytes the panel loads versus the whole split bundle. With KPP_SCREENSHOTS=1 it also
// rewrites the README screenshots (media/screenshot-light.png, media/screenshot-dark.png)
// from the real seed flows:  KPP_SCREENSHOTS=1 node scripts/run-bench.mjs webview
// Prints figures only; asserts nothing about time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { buildPayload } from '../src/render/payload';
import type { TraceResult } from '../src/flow/types';
import type { HostToWebview } from '../src/protocol/messages';
import { openPanel, type PanelHarness } from './webview/panelPage';
import { seedTraceResult } from './webview/seedSample';
import { flowOfSteps } from './webview/syntheticFlows';

const SIZES = [10, 50, 200];
const RUNS = 5;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function filesUnder(dir: string): Array<[string, number]> {
  return readdirSync(dir).flatMap((name): Array<[string, number]> => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.js') ? [[path, statSync(path).size]] : [];
  });
}

/** The webview bundle as `npm run package` ships it (same options as scripts/build.mjs, minified). */
async function buildMinified(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'kpp-webview-min-'));
  await esbuild.build({
    entryPoints: { main: 'webview/main.ts' },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    loader: { '.css': 'text' },
    logLevel: 'warning',
  });
  return out;
}

const show = (result: TraceResult, ui?: { flow: number; phase: number; zoom: number }): HostToWebview => ({
  type: 'show',
  payload: buildPayload(result).payload,
  state: { version: 1, result, ui },
});

/**
 * Message dispatched → webview's data-state "rendered" → next animation frame, timed
 * in the page. (Page code is a string: the bench is type-checked without DOM types.)
 */
const TIME_SHOW = `async (m) => {
  const app = document.getElementById('app');
  app.dataset.state = 'pending';
  const done = new Promise((ok) => {
    const obs = new MutationObserver(() => {
      if (app.dataset.state === 'rendered' || app.dataset.state === 'error') { obs.disconnect(); ok(); }
    });
    obs.observe(app, { attributes: true, attributeFilter: ['data-state'] });
  });
  const t0 = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data: m }));
  await done;
  await new Promise((ok) => requestAnimationFrame(() => ok()));
  return { wall: performance.now() - t0, own: Number(app.dataset.renderMs), state: app.dataset.state };
}`;

async function timeShow(
  panel: PanelHarness,
  message: HostToWebview,
): Promise<{ wall: number; own: number; state: string }> {
  return panel.page.evaluate(`(${TIME_SHOW})(${JSON.stringify(message)})`) as Promise<{
    wall: number;
    own: number;
    state: string;
  }>;
}

const median = (xs: number[]) => [...xs].sort((first, second) => first - second)[Math.floor(xs.length / 2)];

/**
 * The first draw of a panel opened while its trace runs (the parse worker's: a second or more on a
 * large capture): the panel waits `openMs` before the flows arrive.
 */
async function firstDrawAfter(webviewDir: string, openMs: number): Promise<void> {
  const panel = await openPanel({ webviewDir });
  try {
    await new Promise((resolve) => setTimeout(resolve, openMs));
    const first = await timeShow(panel, show({ flows: [flowOfSteps(35)], unresolved: [] }));
    console.log(
      `first draw of 35 steps, the panel open ${openMs} ms before: ${first.wall.toFixed(0)} ms (${first.state})`,
    );
  } finally {
    await panel.close();
  }
}

async function timings(webviewDir: string): Promise<void> {
  for (let run = 0; run < 3; run++) await firstDrawAfter(webviewDir, 1500);
  const panel = await openPanel({ webviewDir });
  try {
    const cold = await timeShow(panel, show({ flows: [flowOfSteps(10)], unresolved: [] }));
    console.log(`first draw (loads Mermaid's chunks): ${cold.wall.toFixed(0)} ms (${cold.state})`);
    console.log('steps  median ms (dispatch → painted)  min–max  webview own  SVG elements');
    for (const size of SIZES) {
      const msg = show({ flows: [flowOfSteps(size)], unresolved: [] });
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await timeShow(panel, msg));
      const arrows = await panel.page.locator('#diagram .kpp-hit').count();
      const svgNodes = await panel.page.locator('#diagram svg *').count();
      const walls = runs.map((measured) => measured.wall);
      console.log(
        `${String(size).padStart(5)}  ${median(walls).toFixed(0).padStart(9)}                     ${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)}  ${median(
          runs.map((measured) => measured.own),
        )
          .toFixed(0)
          .padStart(6)} ms   ${svgNodes} (${arrows} clickable arrows, ${runs[0].state})`,
      );
    }
    const loaded = [...panel.served.entries()].filter(
      ([path]) => path.startsWith('/dist/webview/') && path.endsWith('.js'),
    );
    const all = filesUnder(webviewDir);
    const main = all.find(([path]) => path.endsWith('/main.js'))?.[1] ?? 0;
    console.log(
      `\nminified webview bundle: main.js ${kib(main)}; ${all.length} files, ${kib(all.reduce((sum, [, bytes]) => sum + bytes, 0))} in all`,
    );
    console.log(
      `loaded to draw a sequence diagram: ${loaded.length} files, ${kib(loaded.reduce((sum, [, bytes]) => sum + bytes, 0))}`,
    );
    for (const [path, bytes] of loaded.sort((first, second) => second[1] - first[1]).slice(0, 6))
      console.log(`  ${path.replace('/dist/webview/', '').padEnd(48)} ${kib(bytes)}`);
  } finally {
    await panel.close();
  }
}

async function screenshots(): Promise<void> {
  const result = seedTraceResult();
  const panel = await openPanel({ theme: 'light', viewport: { width: 1920, height: 1080 } });
  try {
    // The ClusterIP flow (A.2), its "connect" phase: DNAT, kube-proxy's random choice, boxes.
    const flow = 1;
    const phase = result.flows[flow].phases.findIndex((candidate) => candidate.name === 'connect') + 1;
    await timeShow(panel, show(result, { flow, phase, zoom: 0.62 }));
    await panel.page.screenshot({ path: 'media/screenshot-light.png' });
    await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
    await panel.setTheme('dark');
    await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 30_000 });
    await panel.page.screenshot({ path: 'media/screenshot-dark.png' });
    console.log('\nscreenshots: media/screenshot-light.png, media/screenshot-dark.png');
  } finally {
    await panel.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync('dist/webview/main.js')) spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  // Timings on a shared machine swing with its load: print it next to them.
  console.log(
    `load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs; ${RUNS} runs per size`,
  );
  const dev = filesUnder('dist/webview');
  console.log(
    `dev build dist/webview: ${dev.length} files, ${kib(dev.reduce((sum, [, bytes]) => sum + bytes, 0))} (unminified; the old single IIFE was ~6.8 MB)`,
  );
  const min = await buildMinified();
  try {
    await timings(min);
  } finally {
    rmSync(min, { recursive: true, force: true });
  }
  if (process.env.KPP_SCREENSHOTS === '1') await screenshots();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
