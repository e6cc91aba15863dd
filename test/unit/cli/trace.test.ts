import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { runCli } from '../../../src/cli/app';
import { spreadPathOptions } from '../../../src/cli/files';
import { captureIO } from './io';
import { formatSpec } from '../../../src/ingest/registry';

// The samples' captures need the tcpdump parser (src/ingest, another engineer's, in progress).
const needsTcpdump = { skip: formatSpec('tcpdump') ? false : 'tcpdump parser not registered in this build yet' };

/** The keys of a flow in `trace --format json`, in order. */
const FLOW_KEYS = ['title', 'family', 'connection', 'connections', 'phases', 'findings', 'brokenAt'];

const capture = () => captureIO();

test(
  'trace --sample a1-pod-to-pod --format json: the documented shape, hops proven by the sample capture',
  needsTcpdump,
  async () => {
    const io = capture();
    assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--format', 'json'], io), 0, io.stderr);
    const r = JSON.parse(io.stdout);
    assert.deepEqual(Object.keys(r), ['flows', 'unresolved']);
    const f = r.flows[0];
    assert.deepEqual(Object.keys(f), FLOW_KEYS);
    // The ping the sample captured is connection 1, with its addresses and how it ended.
    assert.equal(f.connection, 1);
    assert.deepEqual(
      Object.keys(f.connections[0]),
      ['number', 'protocol', 'client', 'original', 'translated', 'masqueraded', 'endpoint', 'nodes', 'outcome'].concat([
        'start',
        'end',
        'packets',
        'evidence',
      ]),
    );
    assert.equal(f.connections[0].protocol, 'icmp');
    assert.equal(f.connections[0].outcome, 'answered');
    const step = f.phases[0].steps[0];
    assert.deepEqual(Object.keys(step), ['from', 'to', 'label', 'status', 'kind', 'explanation', 'evidence']);
    assert.equal(step.from.kind, 'pod');
    assert.equal(step.from.name, 'b-pod');
    assert.deepEqual(step.from.addresses, ['10.244.0.54']);
    assert.equal(step.to.name, 'vethded7ef9f');
    assert.equal(step.status, 'observed');
    const capture0 = step.evidence.find((e: { uri: string }) => e.uri === 'samples/a1-pod-to-pod/capture.txt');
    assert.ok(capture0, JSON.stringify(step.evidence));
    assert.equal(capture0.line, 1);
    assert.match(capture0.excerpt, /vethded7ef9f P IP 10\.244\.0\.54 > 10\.244\.0\.53: ICMP echo request/);
    const request = f.phases.find((p: { name: string }) => p.name === 'request');
    assert.deepEqual(
      [request.steps[0].from.name, ...request.steps.map((s: { to: { name: string } }) => s.to.name)],
      ['b-pod', 'vethded7ef9f', 'cni0', 'veth75a7f7d6', 'a-pod'],
    );
  },
);

test(
  'trace --sample a2-pod-to-service: the report chain names, endpoint 10.244.0.144 and veths, in text form',
  needsTcpdump,
  async () => {
    const io = capture();
    assert.equal(await runCli(['trace', '--sample', 'a2-pod-to-service'], io), 0, io.stderr);
    for (const s of [
      'KUBE-SVC-CHTNYTLOWMWCGZWR',
      'KUBE-SEP-ZZRQGRW2BIJ6VNXP',
      'KUBE-SEP-BJVKNWLDIWYBU2WJ',
      'vetha999267c',
      'vethedfea565',
      'DNAT 10.103.129.86:80 → 10.244.0.144:80',
    ]) {
      assert.ok(io.stdout.includes(s), `missing ${s}\n${io.stdout}`);
    }
    assert.match(io.stdout, /\* KUBE-SEP-BJVKNWLDIWYBU2WJ → 10\.244\.0\.144:80/);
    assert.match(io.stdout, /INFO clusterip-traceroute/);
  },
);

test('trace --sample a1-pod-to-pod --format json: documented keys and actor objects (whatever parsers are present)', async () => {
  const io = capture();
  assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--format', 'json'], io), 0, io.stderr);
  const r = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(r), ['flows', 'unresolved']);
  assert.deepEqual(Object.keys(r.flows[0]), FLOW_KEYS);
  const step = r.flows[0].phases[0].steps[0];
  assert.deepEqual(Object.keys(step), ['from', 'to', 'label', 'status', 'kind', 'explanation', 'evidence']);
  assert.ok(step.evidence.every((e: { role?: string }) => typeof e.role === 'string'));
  assert.deepEqual(step.from, { kind: 'pod', name: 'b-pod', addresses: ['10.244.0.54'], interfaces: ['eth0'] });
  // b-pod's IP comes from the sample's kubectl table, through the real kubectl-table parser.
  assert.ok(
    r.flows[0].phases
      .flatMap((p: { steps: { evidence: { uri: string }[] }[] }) => p.steps.flatMap((s) => s.evidence))
      .some((e: { uri: string }) => e.uri === 'samples/a1-pod-to-pod/ip-link.txt'),
  );
});

test('trace --sample a3-headless --format json: answers are pod IPs and no step passes kube-proxy', async () => {
  const io = capture();
  assert.equal(await runCli(['trace', '--sample', 'a3-headless', '--format', 'json'], io), 0, io.stderr);
  const f = JSON.parse(io.stdout).flows[0];
  const connect = f.phases.find((p: { name: string }) => p.name === 'connect');
  assert.ok(connect.steps.every((s: { to: { kind: string } }) => s.to.kind !== 'netfilter'));
  assert.ok(f.findings.some((x: { id: string }) => x.id === 'headless-dns-spread'));
});

test('unknown SRC/DST exits 2 with close matches', async () => {
  const io = capture();
  assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--from', 'b-pdo', '--to', 'a-pod'], io), 2);
  assert.match(io.stderr, /unknown source 'b-pdo'\. Close matches: b-pod/);
  const io2 = capture();
  assert.equal(await runCli(['trace', '--sample', 'a2-pod-to-service', '--to', 'a-ap'], io2), 2);
  assert.match(io2.stderr, /unknown destination 'a-ap'.*a-app/);
});

test('usage errors: bad format, unknown sample, missing SRC/DST', async () => {
  const a = capture();
  assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--format', 'svg'], a), 2);
  assert.match(a.stderr, /--format must be/);
  const b = capture();
  assert.equal(await runCli(['trace', '--sample', 'nope'], b), 2);
  assert.match(b.stderr, /unknown sample 'nope'\. Samples: a1-pod-to-pod/);
  const c = capture();
  assert.equal(await runCli(['trace', '--to', 'x'], c), 2);
  assert.match(c.stderr, /--from and --to are required/);
});

test('--format mermaid and markdown come from the renderer', async () => {
  const m = capture();
  assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--format', 'mermaid'], m), 0);
  assert.match(m.stdout, /^sequenceDiagram/m);
  const md = capture();
  assert.equal(await runCli(['trace', '--sample', 'a1-pod-to-pod', '--format', 'markdown'], md), 0);
  assert.match(md.stdout, /b-pod/);
});

test('--logs and --manifests read user files (the seed tcpdump fixture and sample manifests)', async () => {
  const io = capture();
  const code = await runCli(
    [
      'trace',
      '--manifests',
      'samples/manifests/a1-pod-to-pod',
      '--logs',
      'samples/a1-pod-to-pod/capture.txt',
      '--from',
      'b-pod',
      '--to',
      'a-pod',
      '--format',
      'json',
    ],
    io,
  );
  assert.equal(code, 0, io.stderr);
  const f = JSON.parse(io.stdout).flows[0];
  // Pods from the manifest have no IP, so the packets cannot be tied to them: predicted, and the gap is named.
  assert.ok(JSON.parse(io.stdout).unresolved.some((u: string) => u.includes('veth of b-pod unknown')));
  assert.equal(f.phases[0].steps[0].status, 'predicted');
});

test('trace --logs FOLDER reads every file in it, as --manifests FOLDER does (it used to fail with EISDIR)', async () => {
  const folder = await runTraceJson(['--logs', 'samples/a2-pod-to-service']);
  const files = await runTraceJson(
    readdirSync('samples/a2-pod-to-service')
      .sort()
      .flatMap((f) => ['--logs', `samples/a2-pod-to-service/${f}`]),
  );
  assert.deepEqual(folder, files);
  const steps = folder.flows[0].phases.flatMap((p: { steps: { status: string }[] }) => p.steps);
  assert.ok(
    steps.some((s: { status: string }) => s.status === 'observed'),
    'the captures in the folder prove hops',
  );
});

test('trace --logs A B C (a shell glob) reads every file, as --logs A --logs B --logs C does', async () => {
  const files = readdirSync('samples/a2-pod-to-service')
    .sort()
    .map((f) => `samples/a2-pod-to-service/${f}`);
  assert.ok(files.length > 1, 'the sample has several files');
  const globbed = await runTraceJson(['--logs', ...files]);
  const repeated = await runTraceJson(files.flatMap((f) => ['--logs', f]));
  assert.deepEqual(globbed, repeated);
  assert.deepEqual(spreadPathOptions(['--logs', 'a', 'b', '--from', 'x', '--manifests', 'm', '--format=json', 'c']), [
    '--logs',
    'a',
    '--logs',
    'b',
    '--from',
    'x',
    '--manifests',
    'm',
    '--format=json',
    'c',
  ]);
});

async function runTraceJson(logs: string[]) {
  const io = capture();
  const args = ['trace', '--from', 'b-app', '--to', 'a-app.default.svc.cluster.local:80'];
  const manifests = [
    '--manifests',
    'samples/manifests/a2-clusterip-deployment',
    '--manifests',
    'samples/manifests/kube-system',
  ];
  assert.equal(await runCli([...args, ...manifests, ...logs, '--format', 'json'], io), 0, io.stderr);
  return JSON.parse(io.stdout);
}
