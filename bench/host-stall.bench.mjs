#!/usr/bin/env node
// How long the extension host stops answering while a user works on a large capture, in a real
// VS Code (code-server 4.100.3 = VS Code 1.100.3, driven by Chromium). A heartbeat in the
// extension host (bench/host-stall-host.cjs) records the longest stall of each step: open,
// first hover, edit (+ the hover that re-parses), trace (+ the diagram drawn in the webview,
// which this script watches for in the page). Prints figures against issue 19's targets; asserts
// nothing about time.
//   node bench/host-stall.bench.mjs [--lines 1000000[,400000]] [--skip-build] [--keep] [--profile PREFIX]
// --with-merge-conflict leaves VS Code's merge-conflict extension on (see below).
// --profile writes a CPU profile of the extension host's thread to PREFIX-<lines>.cpuprofile.
// The capture is made by bench/large-capture.mjs from the network lab's A.2 capture; the
// workspace also holds the lab's manifests and its transcript (rules, DNS, pods), so the trace
// b-app → a-app has a cluster to go through. VS Code does not hand documents over 50 MB to
// extensions, so each size over that limit is also run at the largest line count under it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCodeServer } from '../scripts/install-code-server.mjs';
import { launchChromium } from '../test/e2e/lib/browser.mjs';
import { runExtensionTests } from '../test/e2e/lib/in-host.mjs';
import { ROOT } from '../test/e2e/lib/workspace.mjs';
import { LAB_TRANSCRIPT, writeLargeCapture } from './large-capture.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const SIZES = option('--lines', '1000000').split(',').map(Number);
/** VS Code's limit (TextModel._MODEL_SYNC_LIMIT): larger documents are not synchronised with extensions. */
const SYNC_LIMIT_BYTES = 50 * 1024 * 1024;
const TARGETS = { stallMs: 50, firstHoverMs: 1000, editMs: 100, diagramMs: 2000 };

if (!argv.includes('--skip-build')) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) process.exit(1);
}
installCodeServer();

/** A workspace with the lab's manifests and transcript and a capture of `lines` packet lines. */
async function workspaceWith(lines) {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-stall-'));
  copyFileSync(join(ROOT, 'test/fixtures/lab/manifests/cluster.yaml'), join(dir, 'cluster.yaml'));
  copyFileSync(join(ROOT, LAB_TRANSCRIPT), join(dir, 'a2-pod-to-service.txt'));
  const capture = join(dir, `capture-${lines}.tcpdump`);
  await writeLargeCapture({ lines, out: capture });
  return { dir, capture, bytes: statSync(capture).size };
}

/** Runs the host module on one capture; returns its figures and when the diagram was seen. */
async function measure(browser, lines) {
  const ws = await workspaceWith(lines);
  const out = join(ws.dir, 'result.json');
  let diagramSeenAt;
  let webviewSeenAt;
  let renderMs;
  /** When the webview received the flows, had read them and had drawn the first (epoch ms, its own stamps). */
  let webviewStamps = {};
  // When the trace starts, look for the diagram's SVG in the webview until it shows.
  const watchForDiagram = async (page) => {
    while (!existsSync(`${out}.trace`)) {
      if (existsSync(out)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame
      .locator('#app')
      .waitFor({ state: 'attached', timeout: 120_000 })
      .then(
        () => (webviewSeenAt = Date.now()),
        () => undefined,
      );
    await frame
      .locator('#diagram svg text.actor')
      .first()
      .waitFor({ timeout: 120_000 })
      .then(
        () => (diagramSeenAt = Date.now()),
        () => undefined,
      );
    // how long the webview took to draw it (Mermaid), as it measured itself
    renderMs = Number(
      await frame
        .locator('#app[data-render-ms]')
        .getAttribute('data-render-ms', { timeout: 10_000 })
        .catch(() => NaN),
    );
    for (const stage of ['received', 'read', 'drawn'])
      webviewStamps[stage] = Number(
        await frame
          .locator(`#app[data-${stage}-at]`)
          .getAttribute(`data-${stage}-at`, { timeout: 1000 })
          .catch(() => NaN),
      );
    writeFileSync(`${out}.diagram`, String(diagramSeenAt ?? 'never'));
  };
  try {
    const run = await runExtensionTests(browser, {
      testsPath: join(ROOT, 'bench', 'host-stall-host.cjs'),
      folder: ws.dir,
      timeoutMs: 600_000,
      env: {
        KPP_BENCH_OUT: out,
        KPP_BENCH_CAPTURE: ws.capture,
        ...(option('--profile') ? { KPP_BENCH_PROFILE: `${option('--profile')}-${lines}.cpuprofile` } : {}),
      },
      // The browser asks before opening a large file in an editor; answer once for all.
      // VS Code's built-in merge-conflict extension reads the whole text (getText) of the document on
      // open and on every change: 170–200 ms of the host each time on 400,000 lines, not ours to
      // measure (--with-merge-conflict keeps it).
      settings: {
        'workbench.editorLargeFileConfirmation': 4096,
        ...(argv.includes('--with-merge-conflict')
          ? {}
          : { 'merge-conflict.codeLens.enabled': false, 'merge-conflict.decorators.enabled': false }),
      },
      whileRunning: watchForDiagram,
    });
    const figures = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { errors: { run: 'no result' } };
    const traceStartedAt = existsSync(`${out}.trace`) ? Number(readFileSync(`${out}.trace`, 'utf8')) : NaN;
    // what the extension said of its own work (the worker's parse, edits, traces), from its log
    const said = run.logs
      .filter((log) => /Kube Packet Path/i.test(log.path))
      .flatMap((log) => log.text.split('\n'))
      .filter((line) => /workspace model|trace|worker|features/i.test(line));
    return {
      ...figures,
      said,
      lines,
      bytes: ws.bytes,
      exitCode: run.exitCode,
      diagramMs: diagramSeenAt - traceStartedAt,
      load: loadavg()
        .map((load) => load.toFixed(1))
        .join(' '),
      webviewMs: webviewSeenAt - traceStartedAt,
      renderMs,
      webviewStages: Object.fromEntries(
        Object.entries(webviewStamps).map(([stage, at]) => [stage, at - traceStartedAt]),
      ),
    };
  } finally {
    if (!argv.includes('--keep')) rmSync(ws.dir, { recursive: true, force: true });
  }
}

const ms = (value) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
const verdict = (value, target) => (Number.isFinite(value) ? (value <= target ? 'ok' : 'MISSED') : '');
/** One figure against its target: `label`, the value, ok/MISSED and what else to say. */
function figure(label, value, target, note = '') {
  const judged = target === undefined ? '' : verdict(value, target);
  console.log(`  ${label.padEnd(26)} ${ms(value).padStart(9)}  ${judged}${note ? ` ${note}` : ''}`);
}

function report(run) {
  const mb = (run.bytes / 1048576).toFixed(1);
  const over = run.bytes > SYNC_LIMIT_BYTES ? ' (over the 50 MiB VS Code hands to extensions)' : '';
  console.log(`\n${run.lines.toLocaleString('en')} packet lines, ${mb} MiB${over}; load average ${run.load}`);
  if (run.document) {
    const { lines, languageId } = run.document;
    console.log(`  document in the extension host: ${lines} lines, language ${languageId}`);
  }
  for (const [phase, error] of Object.entries(run.errors ?? {})) console.log(`  ${phase} failed: ${error}`);
  console.log('  longest extension-host stall (heartbeat 10 ms), target ≤ 50 ms:');
  for (const phase of ['idle', 'open', 'hover', 'hover2', 'edit', 'trace']) {
    const figures = run.phases?.[phase];
    if (!figures) continue;
    const took = ms(run.steps?.[phase]?.ms);
    const judged = verdict(figures.maxStallMs, TARGETS.stallMs).padEnd(6);
    console.log(
      `    ${phase.padEnd(7)} ${ms(figures.maxStallMs).padStart(9)}  ${judged}` +
        ` (${figures.stallsOver50} ticks over 50 ms; step took ${took})`,
    );
  }
  figure('first hover after open', run.firstHoverAfterOpenMs, TARGETS.firstHoverMs, '(target ≤ 1 s)');
  if (run.openTimeline) {
    const { openEventMs, shownMs, hoverAnsweredMs } = run.openTimeline;
    console.log(
      `    from openTextDocument: the host had the document after ${ms(openEventMs)}, the editor showed it ` +
        `after ${ms(shownMs)}, the hover answered after ${ms(hoverAnsweredMs)}`,
    );
  }
  if (run.hoverSays) console.log(`    it says: ${run.hoverSays.slice(0, 110)}`);
  const noHover = run.hoverAfterEditOk === false ? ' — no hover after the edit' : '';
  figure('edit → hover (re-parse)', run.hoverAfterEditMs, TARGETS.editMs, `(target ≤ 100 ms)${noHover}`);
  figure('trace command', run.traceCommandMs, undefined, `(${run.flows ?? 0} flow(s))`);
  figure('trace → diagram drawn', run.diagramMs, TARGETS.diagramMs, '(target ≤ 2 s)');
  console.log(`    webview there after ${ms(run.webviewMs)}; Mermaid drew the first flow in ${ms(run.renderMs)}`);
  const stages = run.webviewStages ?? {};
  console.log(
    `    after the command: the webview received the flows at ${ms(stages.received)}, had read them at ` +
      `${ms(stages.read)}, had drawn the first at ${ms(stages.drawn)} (its clock)`,
  );
  if (run.said?.length) console.log(`  the extension's log:\n${run.said.map((line) => `    ${line}`).join('\n')}`);
}

const browser = await launchChromium();
const runs = [];
try {
  for (const lines of SIZES) {
    const run = await measure(browser, lines);
    runs.push(run);
    report(run);
    if (run.bytes > SYNC_LIMIT_BYTES) {
      const fitting = Math.floor(((lines * SYNC_LIMIT_BYTES) / run.bytes) * 0.97);
      console.log(`\n  … and at ${fitting.toLocaleString('en')} lines, the most VS Code hands to extensions:`);
      const under = await measure(browser, fitting);
      runs.push(under);
      report(under);
    }
  }
} finally {
  await browser.close();
}
console.log(
  `\nmachine: ${cpus().length} cores, load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
