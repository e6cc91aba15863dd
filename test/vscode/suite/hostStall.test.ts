// The extension host keeps answering while large texts are read: a heartbeat timer in the host
// (the thread every extension shares) must never be late by 250 ms or more while a 200 MB paste is
// analyzed, while a 235k-line open log is edited, and while a trace reads a large open capture
// (while that log is first shown and read, 500 ms: VS Code's own editor work shares the thread then).
// Figures are printed (timing is asserted only as those bounds on the host's stalls).
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TraceResult } from '../../../src/flow/types';
import { repeatedCapture, repeatedLab } from '../../support/largeLab';

const EXTENSION_ID = 'kube-packet-path.kube-packet-path';
const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const MAX_GAP_MS = 250;

/** A timer every 10 ms; `stop` gives the longest time between two of its ticks. */
function heartbeat(): { stop(): { longest: number; ticks: number; late: string } } {
  const start = performance.now();
  let last = start;
  let longest = 0;
  let ticks = 0;
  /** Gaps over 100 ms: when they ended (ms after the start) and how long they were. */
  const late: string[] = [];
  const tick = () => {
    const now = performance.now();
    if (now - last > 100) late.push(`${Math.round(now - start)}: ${Math.round(now - last)} ms`);
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  };
  const timer = setInterval(tick, 10);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return { longest: Math.round(longest), ticks, late: late.join(', ') };
    },
  };
}

async function labSession(): Promise<string> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension loaded');
  await ext.activate();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, LAB)));
}

/** With a path ($KPP_STALL_PROFILE), a CPU profile of the extension host until the function returned is called. */
async function profileTo(path: string | undefined): Promise<() => Promise<void>> {
  if (!path) return async () => undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (e, answer) => (e ? reject(e) : resolve(answer))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Prints a figure, and appends it to the file KPP_STALL_REPORT names (the runner keeps no console). */
function report(line: string): void {
  console.log(line);
  if (process.env.KPP_STALL_REPORT) appendFileSync(process.env.KPP_STALL_REPORT, line + '\n');
}

/** The longest gap of the heartbeat over `ms` with nothing to do: what the machine's load alone costs. */
async function idleGap(ms: number): Promise<number> {
  const beat = heartbeat();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return beat.stop().longest;
}

suite('the extension host keeps answering', function () {
  this.timeout(300_000);

  // VS Code's built-in merge-conflict extension reads the whole text of a document when it opens and
  // after every change (170-200 ms of the host each time for 400,000 lines, in the host-stall
  // benchmark's profile): not the stalls this suite is about
  suiteSetup(async () => {
    const mergeConflict = vscode.workspace.getConfiguration('merge-conflict');
    for (const setting of ['codeLens.enabled', 'decorators.enabled'])
      await mergeConflict.update(setting, false, true).then(undefined, () => undefined); // a build without it
    // the extension's features load on first use (a 1 MB bundle): done here, before any heartbeat,
    // as it is by the suites that run before this one
    await labSession();
    const small = await vscode.workspace.openTextDocument({ language: 'tcpdump', content: 'x\n' });
    await vscode.commands.executeCommand('vscode.executeHoverProvider', small.uri, new vscode.Position(0, 0));
  });

  test('while a 200 MB paste is analyzed', async () => {
    await vscode.workspace.getConfiguration('kubePacketPath').update('analysis.maxSizeMB', 1000, true);
    const text = repeatedCapture(await labSession(), 200_000_000);
    const idle = await idleGap(3000);
    const beat = heartbeat();
    const started = performance.now();
    const result = await vscode.commands.executeCommand<{ blocks: { format: string }[] } | undefined>(
      'kubePacketPath.paste.analyze',
      { text },
    );
    const ms = Math.round(performance.now() - started);
    const { longest, ticks, late } = beat.stop();
    report(
      `200 MB paste: ${mb(text.length)} analyzed in ${ms} ms; longest host gap ${longest} ms over ${ticks} ticks (idle: ${idle} ms); host rss ${mb(process.memoryUsage().rss)}, process peak ${mb(process.resourceUsage().maxRSS * 1024)}`,
    );
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(result, 'the paste was analyzed');
    assert.ok(result.blocks.some((b) => b.format === 'tcpdump'));
    assert.ok(
      longest < MAX_GAP_MS,
      `the host stalled for ${longest} ms (idle: ${idle} ms; gaps over 100 ms, ending at: ${late})`,
    );
  });

  test('while a 235k-line open log is edited', async () => {
    const text = repeatedLab(await labSession(), { lines: 235_000 });
    // a session of many blocks (prompts, nslookup, iptables, tcpdump …) in a language the extension
    // reads, outside the workspace: the workspace scan must not keep it for the suites that follow
    // (its connections repeat the samples' b-app → a-app ones)
    const uri = vscode.Uri.file(join(mkdtempSync(join(tmpdir(), 'kpp-stall-')), 'large-lab.tcpdump'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const idle = await idleGap(3000);
    // VS Code's own loading of the document (it hands the extension host 235k lines) is not ours:
    // the heartbeat starts once it is open; the extension starts reading it from then on
    const opening = performance.now();
    const doc = await vscode.workspace.openTextDocument(uri);
    const opened = Math.round(performance.now() - opening);
    const stopProfile = await profileTo(process.env.KPP_STALL_PROFILE && `${process.env.KPP_STALL_PROFILE}.edit`);
    const beat = heartbeat();
    const started = performance.now();
    const editor = await vscode.window.showTextDocument(doc);
    const lines = doc.lineCount;
    // a packet line of the capture in the middle copy, and a hover on it once the log is read
    const packetLine = (from: number) => {
      for (let line = from; line < lines; line++) if (/ IP 10\.244\./.test(doc.lineAt(line).text)) return line;
      return -1;
    };
    const hoverAt = async (line: number) =>
      (
        (await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          uri,
          new vscode.Position(line, 20),
        )) ?? []
      )
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
        .join('\n')
        // appendText escapes markdown characters (`KUBE\-SVC\-…`)
        .replace(/\\(.)/g, '$1');
    // the first line of a kube-proxy rule listing (`KUBE-SVC-… tcp dpt:80`): its hover reads only rules
    const ruleLine = (from: number) => {
      for (let line = from; line < doc.lineCount; line++)
        if (/^KUBE-SVC-\S+ +6 /.test(doc.lineAt(line).text)) return line;
      return -1;
    };
    const untilHover = async (line: number, expected: RegExp) => {
      let text = '';
      for (let attempt = 0; attempt < 240 && !expected.test(text); attempt++) {
        text = await hoverAt(line);
        if (!expected.test(text)) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return text;
    };
    const middle = ruleLine(Math.floor(lines / 2));
    assert.ok(middle > 0);
    let hover = await untilHover(middle, /KUBE-SVC-/);
    const firstHover = Math.round(performance.now() - started);
    assert.match(hover, /KUBE-SVC-/, 'a rule hover once the worker has read the log');
    // Showing and first reading the log (VS Code's own work for the editor included) are measured
    // apart from the edits: a CI run once saw 253 ms there, 648 ms after the show began.
    const shown = beat.stop();
    const editBeat = heartbeat();
    // edits at three places: a packet line copied below itself, a rule's hover further down (its
    // line moved by the edit), then the copy deleted again
    const edits: number[] = [];
    for (const at of [0.2, 0.5, 0.8]) {
      const line = packetLine(Math.floor(lines * at));
      const below = ruleLine(line + 1);
      const editStarted = performance.now();
      await editor.edit((edit) => edit.insert(new vscode.Position(line, 0), `${doc.lineAt(line).text}\n`));
      hover = await untilHover(below + 1, /KUBE-SVC-/);
      assert.match(
        hover,
        /KUBE-SVC-/,
        `the rule moved to line ${below + 2} still hovers after the edit at ${line + 1}`,
      );
      await editor.edit((edit) => edit.delete(new vscode.Range(line, 0, line + 1, 0)));
      assert.match(await untilHover(below, /KUBE-SVC-/), /KUBE-SVC-/, `the rule back at line ${below + 1} hovers`);
      edits.push(Math.round(performance.now() - editStarted));
    }
    const { longest, ticks, late } = editBeat.stop();
    await stopProfile();
    report(
      `235k-line log: ${lines} lines, ${mb(text.length)}, opened by VS Code in ${opened} ms: first hover after ${firstHover} ms (longest host gap meanwhile ${shown.longest} ms); two edits and their hovers ${edits.join(', ')} ms; longest host gap while edited ${longest} ms over ${ticks} ticks (idle: ${idle} ms); host rss ${mb(process.memoryUsage().rss)}`,
    );
    // a packet still hovers after the edits (outside the heartbeat: a hover correlates its conversation)
    hover = await untilHover(packetLine(Math.floor(lines * 0.8)), /10\.244\./);
    assert.match(hover, /10\.244\./, 'a hover on a packet after the edits');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.workspace.fs.delete(uri);
    assert.ok(
      longest < MAX_GAP_MS,
      `the host stalled for ${longest} ms while the log was edited (idle: ${idle} ms; gaps over 100 ms, ending at: ${late})`,
    );
    // While VS Code shows the log and the worker first reads it: twice the bound (VS Code's own
    // editor work runs on this thread then, 0.23-0.35 s for 400k lines in the host-stall benchmark).
    assert.ok(
      shown.longest < 2 * MAX_GAP_MS,
      `the host stalled for ${shown.longest} ms while the log was shown and read (gaps over 100 ms, ending at: ${shown.late})`,
    );
  });

  test('while a trace reads a large open capture', async () => {
    // about 300,000 packet lines of b-app → a-app (the lab's capture, moved on copy by copy): every
    // copy is new connections the trace must reconstruct, in the parse worker that holds the log
    const text = repeatedCapture(await labSession(), 30_000_000);
    const uri = vscode.Uri.file(join(mkdtempSync(join(tmpdir(), 'kpp-stall-')), 'large-capture.tcpdump'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // once a packet hovers, the worker has read the log
    let line = Math.floor(doc.lineCount / 2);
    while (line < doc.lineCount && !/ IP 10\.244\./.test(doc.lineAt(line).text)) line++;
    for (let attempt = 0; attempt < 240; attempt++) {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        uri,
        new vscode.Position(line, 20),
      );
      if ((hovers ?? []).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const idle = await idleGap(3000);
    const stopProfile = await profileTo(process.env.KPP_STALL_PROFILE);
    const beat = heartbeat();
    const started = performance.now();
    const result = await vscode.commands.executeCommand<TraceResult | undefined>(
      'kubePacketPath.trace.flow',
      'b-app',
      'a-app.default.svc.cluster.local',
    );
    const ms = Math.round(performance.now() - started);
    const { longest, ticks, late } = beat.stop();
    await stopProfile();
    // the capture's b-app → a-app connections, one per copy of the lab, are among those the trace lists
    const copies = text.split('\n').filter((textLine) => / Flags \[S\], /.test(textLine)).length;
    const connections = result?.flows[0]?.connections?.length ?? 0;
    report(
      `trace of a ${doc.lineCount}-line capture: ${result?.flows.length} flow(s) of ${connections} connections, in ${ms} ms; longest host gap ${longest} ms over ${ticks} ticks (idle: ${idle} ms)`,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(uri);
    assert.ok(connections >= copies / 4, `${connections} connections listed, the capture holds ${copies} SYNs`);
    assert.ok(
      longest < MAX_GAP_MS,
      `the host stalled for ${longest} ms (idle: ${idle} ms; gaps over 100 ms, ending at: ${late})`,
    );
  });
});
