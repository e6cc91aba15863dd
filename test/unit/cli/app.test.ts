import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runCli } from '../../../src/cli/app';
import { captureIO } from './io';

const capture = () => captureIO({}, { readFile: () => '' });

test('--help lists the commands; no arguments prints help and exits 2', async () => {
  const io = capture();
  assert.equal(await runCli(['--help'], io), 0);
  assert.match(io.stdout, /Usage: kube-packet-path <command>/);
  assert.match(io.stdout, /\n {2}names\s+print a Service port's DNS names/);
  const none = capture();
  assert.equal(await runCli([], none), 2);
});

test('unknown command and bad options are usage errors (exit 2) with a message', async () => {
  const io = capture();
  assert.equal(await runCli(['nmaes'], io), 2);
  assert.match(io.stderr, /unknown command 'nmaes'/);
  const bad = capture();
  assert.equal(await runCli(['names', '--service', 'no-namespace'], bad), 2);
  assert.match(bad.stderr, /--service NS\/NAME is required/);
  const proto = capture();
  assert.equal(await runCli(['names', '--service', 'a/b', '--protocol', 'ICMP'], proto), 2);
  assert.match(proto.stderr, /--protocol must be TCP, UDP or SCTP/);
});

test('names --json gives the seed report chains for kube-dns:dns', async () => {
  const io = capture();
  const code = await runCli(
    [
      'names',
      '--service',
      'kube-system/kube-dns',
      '--port',
      'dns',
      '--protocol',
      'udp',
      '--endpoint',
      '10.244.0.105:53',
      '--endpoint',
      '10.244.0.107:53',
      '--json',
    ],
    io,
  );
  assert.equal(code, 0);
  const r = JSON.parse(io.stdout);
  assert.equal(r.iptables.service, 'KUBE-SVC-TCOU7JCQXEZGVUNU');
  assert.deepEqual(
    r.endpoints.map((e: { iptablesChain: string }) => e.iptablesChain),
    ['KUBE-SEP-SMSEVC7UC3TMMLEX', 'KUBE-SEP-D2LNDAFJVFQ3SYLN'],
  );
  assert.deepEqual(
    r.endpoints.map((e: { probabilityPrinted: string | null }) => e.probabilityPrinted),
    ['0.50000000000', null],
  );
  assert.equal(r.dns.srv, '_dns._udp.kube-dns.kube-system.svc.cluster.local');
});

test('the built dist/cli.js runs as an executable', () => {
  const help = spawnSync('dist/cli.js', ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /kube-packet-path — how a packet travels/);
  const version = spawnSync(process.execPath, ['dist/cli.js', '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  assert.equal(
    version.stdout.trim(),
    (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
  );
});
