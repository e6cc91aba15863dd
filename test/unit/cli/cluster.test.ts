/**
 * The CLI reads a live cluster (the fake API server, HTTPS with its own CA) through the same
 * reader as the extension: `pull`, and `trace` / `rules` with --kubeconfig and --context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as clusterApi from '../../../src/cluster';
import { runCli } from '../../../src/cli/app';
import { captureIO } from './io';
import { closedPort, harnessPerTest, type Harness } from '../cluster/harness';

let h: Harness;
// Whatever happened, the server saw nothing but GET.
const harness = harnessPerTest((server) =>
  assert.deepEqual(
    [...new Set(server.server.requests.map((q) => q.method))].filter((m) => m !== 'GET'),
    [],
  ),
);

const capture = () => captureIO({}, { loadCluster: () => clusterApi });

test('pull prints what was read from the cluster, read-only', async () => {
  h = await harness.start();
  const io = capture();
  assert.equal(await runCli(['pull', '--kubeconfig', h.kubeconfig()], io), 0, io.stderr);
  assert.match(io.stdout, /^Read 9 pods, 3 Services, 3 EndpointSlices, 1 node, /);
  assert.match(io.stdout, /GET requests to https:\/\/127\.0\.0\.1:\d+\)\n/);
  assert.match(io.stdout, /\n {2}Pod: 9\n/);
});

test('pull --json writes the read as JSON: context, server, counts, problems and facts', async () => {
  h = await harness.start();
  h.server.fault('daemonsets.apps', { type: 'status', code: 403 });
  const io = capture();
  assert.equal(await runCli(['pull', '--kubeconfig', h.kubeconfig(), '--json', '--context', 'fake'], io), 0);
  const out = JSON.parse(io.stdout);
  assert.equal(out.context, 'fake');
  assert.equal(out.counts.pods, 9);
  assert.equal(out.facts.filter((f: { kind: string }) => f.kind === 'Pod').length, 9);
  assert.ok(out.problems.some((p: { code?: number }) => p.code === 403));
  assert.match(io.stderr, /^warning: cannot list daemonsets\.apps at cluster scope: RBAC forbids \(403\)/m);
});

test('trace --kubeconfig traces over the objects read from the cluster', async () => {
  h = await harness.start();
  const io = capture();
  const code = await runCli(
    [
      'trace',
      '--from',
      'b-app',
      '--to',
      'a-app.default.svc.cluster.local:80',
      '--kubeconfig',
      h.kubeconfig(),
      '--format',
      'json',
    ],
    io,
  );
  assert.equal(code, 0, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.ok(out.flows.length >= 1);
  const evidence = out.flows[0].phases.flatMap((p: { steps: { evidence: { uri: string }[] }[] }) =>
    p.steps.flatMap((s) => s.evidence.map((e) => e.uri)),
  );
  assert.ok(
    evidence.some((uri: string) => uri.startsWith('cluster://fake/')),
    evidence.join(' '),
  );
  assert.match(io.stderr, /note: Read 9 pods/);
});

test('rules --kubeconfig predicts kube-proxy rules from the live Services', async () => {
  h = await harness.start();
  const io = capture();
  assert.equal(await runCli(['rules', '--kubeconfig', h.kubeconfig()], io), 0, io.stderr);
  assert.match(io.stdout, /-A KUBE-SERVICES .*-j KUBE-SVC-CHTNYTLOWMWCGZWR/);
});

test('an unreachable server: one line naming it, exit 3, for pull, trace and rules', async () => {
  h = await harness.start();
  const server = `https://127.0.0.1:${await closedPort()}`;
  const kubeconfig = h.kubeconfig({ server }, 'unreachable');
  for (const args of [['pull'], ['trace', '--from', 'b-app', '--to', 'a-app'], ['rules']]) {
    const io = capture();
    assert.equal(await runCli([...args, '--kubeconfig', kubeconfig], io), 3, args[0]);
    const lines = io.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, io.stderr);
    assert.match(lines[0], new RegExp(`cannot reach ${server.replace(/[.:/]/g, '\\$&')}: the API server .* refused`));
  }
});

test('a server that accepts and never answers: one line within the deadline, exit 3', async () => {
  h = await harness.start();
  const silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const io = capture();
    const started = Date.now();
    const code = await runCli(
      ['pull', '--kubeconfig', h.kubeconfig({ server: `https://127.0.0.1:${port}` }, 'silent'), '--timeout', '1'],
      io,
    );
    const seconds = (Date.now() - started) / 1000;
    assert.equal(code, 3);
    const lines = io.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, io.stderr);
    assert.match(
      lines[0],
      new RegExp(
        `^error: cannot reach https://127\\.0\\.0\\.1:${port}: no answer to the first request before the overall deadline of 1 s passed`,
      ),
    );
    assert.equal(io.stdout, '');
    assert.ok(seconds < 10, `returned after ${seconds} s, for a 1 s deadline`);
  } finally {
    silent.close();
  }
});

test('the built dist/cli.js loads dist/cluster.js and reads the cluster (run npm run build first)', async () => {
  h = await harness.start();
  const child = spawn(process.execPath, ['dist/cli.js', 'pull', '--kubeconfig', h.kubeconfig()], {
    encoding: 'utf8',
  } as never);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Read 9 pods/);
});
