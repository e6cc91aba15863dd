// Runs INSIDE the extension host (as extensionTestsPath) for bench/activation.bench.mjs:
// times the extension's activation (loading dist/extension.js + activate()) and its first
// command, and writes the figures to $KPP_BENCH_OUT. Prints nothing and asserts nothing.
'use strict';
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

exports.run = async function run() {
  const vscode = require('vscode');
  const ext = vscode.extensions.getExtension('kube-packet-path.kube-packet-path');
  const out = { found: Boolean(ext), wasActive: ext ? ext.isActive : false };
  if (ext) {
    const t0 = performance.now();
    await ext.activate();
    out.activateMs = performance.now() - t0;
    const t1 = performance.now();
    const lines = await vscode.commands.executeCommand('kubePacketPath.showServiceNames',
      'kube-system/kube-dns:dns UDP 10.244.0.105:53 10.244.0.107:53');
    out.firstCommandMs = performance.now() - t1;
    out.commandOk = Array.isArray(lines) && lines.join('\n').includes('KUBE-SVC-TCOU7JCQXEZGVUNU');
    out.heapUsedMiB = process.memoryUsage().heapUsed / 1048576;
  }
  writeFileSync(process.env.KPP_BENCH_OUT, JSON.stringify(out));
  // The log channels write their files asynchronously: give them time before the host stops.
  await new Promise((resolve) => setTimeout(resolve, 1500));
};
