// Runs INSIDE the extension host (as extensionTestsPath) for bench/host-stall.bench.mjs. A
// heartbeat (a 10 ms interval timer on the extension host's thread, the thread every extension
// shares) records how late each tick fires: a late tick is a stall of the host. The steps a user
// takes on a large capture run one after another, each a phase with its own longest stall:
//   idle   nothing (the floor: what the machine's load alone costs)
//   open   openTextDocument + showTextDocument of the capture
//   hover  the first hover on a packet line, right after the open (parses the document)
//   hover2 a hover on another line (parsed already)
//   edit   a line inserted, then a hover (the re-parse an edit costs)
//   trace  kubePacketPath.trace.flow b-app → a-app, then the diagram drawn in the webview
//          (the benchmark sees the SVG in the page and writes $KPP_BENCH_OUT.diagram)
// Writes the figures to $KPP_BENCH_OUT as JSON. Prints nothing and asserts nothing.
'use strict';
const { existsSync, writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const TICK_MS = 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The heartbeat: per phase, the longest time past the tick's due time and the ticks over 50 ms. */
function startHeartbeat() {
  const phases = {};
  let current = 'activate';
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    last = now;
    const phase = (phases[current] ??= { maxStallMs: 0, stallsOver50: 0, ticks: 0 });
    phase.ticks++;
    phase.maxStallMs = Math.max(phase.maxStallMs, late);
    if (late > 50) phase.stallsOver50++;
  }, TICK_MS);
  return {
    phases,
    enter(name) {
      current = name;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * With $KPP_BENCH_PROFILE, a CPU profile of the extension host's thread from activation to the
 * end (open it in Chrome DevTools or read it with bench/experiments/profile-top.mjs).
 */
async function startProfile() {
  const path = process.env.KPP_BENCH_PROFILE;
  if (!path) return async () => undefined;
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}

exports.run = async function run() {
  const vscode = require('vscode');
  const out = process.env.KPP_BENCH_OUT;
  const stopProfile = await startProfile();
  const heartbeat = startHeartbeat();
  const result = { steps: {}, errors: {} };
  const step = async (name, action) => {
    heartbeat.enter(name);
    const started = performance.now();
    try {
      return await action();
    } catch (e) {
      result.errors[name] = e instanceof Error ? e.message : String(e);
      return undefined;
    } finally {
      result.steps[name] = { ms: performance.now() - started, at: Date.now() };
    }
  };
  const hoverText = async (uri, line) => {
    const position = new vscode.Position(line, 20);
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, position);
    return (hovers ?? [])
      .flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value)))
      .join('\n');
  };

  await step('activate', () => vscode.extensions.getExtension('kube-packet-path.kube-packet-path').activate());
  await step('idle', () => sleep(1500));

  const uri = vscode.Uri.file(process.env.KPP_BENCH_CAPTURE);
  // when the extension host hears of the document (the extension starts reading it then), and when
  // the editor shows it (the first hover is timed from there)
  let openEventAt;
  const opened = vscode.workspace.onDidOpenTextDocument((doc) => {
    if (doc.uri.toString() === uri.toString()) openEventAt ??= performance.now();
  });
  const openStarted = performance.now();
  const editor = await step('open', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: false });
  });
  const shownAt = performance.now();
  opened.dispose();
  if (openEventAt !== undefined)
    result.openTimeline = { openEventMs: openEventAt - openStarted, shownMs: shownAt - openStarted };
  if (editor) {
    const doc = editor.document;
    result.document = { lines: doc.lineCount, languageId: doc.languageId };
    // A packet line in the middle: b-app's DNS query, found by what it says.
    const queryLine = (from) => {
      for (let line = from; line < doc.lineCount; line++)
        if (/ P {3}IP 10\.244\.0\.147\.\d+ > 10\.96\.0\.10\.53: \d+\+ A\? /.test(doc.lineAt(line).text)) return line;
      return from;
    };
    const middle = queryLine(Math.floor(doc.lineCount / 2));
    const hover = await step('hover', () => hoverText(uri, middle));
    result.hoverSays = hover
      ?.replace(/&nbsp;/g, ' ')
      .replace(/\\(?<escaped>[^\\])/g, '$<escaped>')
      .split('\n')
      .find((text) => /^- /.test(text));
    result.firstHoverAfterOpenMs = result.steps.hover.ms;
    if (result.openTimeline)
      result.openTimeline.hoverAnsweredMs = result.openTimeline.shownMs + result.firstHoverAfterOpenMs;
    await step('hover2', () => hoverText(uri, queryLine(Math.floor(doc.lineCount / 4))));
    await step('settle', () => sleep(1000));
    await step('edit', async () => {
      const copy = doc.lineAt(middle).text;
      await editor.edit((edit) => edit.insert(new vscode.Position(middle, 0), copy + '\n'));
      const editedAt = performance.now();
      const text = await hoverText(uri, middle + 1);
      result.hoverAfterEditMs = performance.now() - editedAt;
      result.hoverAfterEditOk = /Kube Packet Path/.test(text);
    });
    await step('settle2', () => sleep(1000));
  }
  await step('trace', async () => {
    // The benchmark starts looking for the diagram in the page when this file appears.
    writeFileSync(`${out}.trace`, String(Date.now()));
    const started = performance.now();
    const traced = await vscode.commands.executeCommand(
      'kubePacketPath.trace.flow',
      'b-app',
      'a-app.default.svc.cluster.local',
    );
    result.traceCommandMs = performance.now() - started;
    result.flows = traced?.flows?.length;
    // The benchmark writes $KPP_BENCH_OUT.diagram when the webview shows the SVG.
    for (const end = Date.now() + 60_000; Date.now() < end && !existsSync(`${out}.diagram`); ) await sleep(50);
  });
  heartbeat.stop();
  await stopProfile();
  result.phases = heartbeat.phases;
  writeFileSync(out, JSON.stringify(result, null, 2));
  await sleep(1000);
};
