// Real output users pasted in public threads (test/fixtures/kubectl/public, sources in its README):
// kubectl's STATUS and RESTARTS columns, kube-proxy's klog and journald logs, conntrack -S.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import type { ComponentLog, Pod } from '../../../src/model';

const DIR = 'test/fixtures/kubectl/public';
const read = (file: string) => parseDocument(readFileSync(`${DIR}/${file}`, 'utf8'), `${DIR}/${file}`);

test('kubectl get pods -A: STATUS that is not a phase is the reason, RESTARTS is counted', () => {
  const doc = read('get-pods-A-flannel-crashloop.txt');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.unparsed.length]),
    [['kubectl-table', 0]],
  );
  const pods = doc.facts.filter((f): f is Pod => f.kind === 'Pod');
  assert.equal(pods.length, 10);
  const flannel = pods.filter((p) => p.name.startsWith('kube-flannel-ds-'));
  assert.deepEqual(
    flannel.map((p) => [p.name, p.reason, p.restarts, p.ready, p.phase]),
    [
      ['kube-flannel-ds-amd64-r72pn', 'CrashLoopBackOff', 8, false, undefined],
      ['kube-flannel-ds-amd64-xn6rv', 'CrashLoopBackOff', 8, false, undefined],
    ],
  );
  const coredns = pods.filter((p) => p.name.startsWith('coredns-'));
  assert.deepEqual(new Set(coredns.map((p) => p.reason)), new Set(['ContainerCreating']));
  const proxy = pods.find((p) => p.name === 'kube-proxy-gt9gw');
  assert.deepEqual([proxy?.phase, proxy?.reason, proxy?.restarts], ['Running', undefined, 1]);
});

test('RESTARTS with "(22m ago)" is read as its count', () => {
  const doc = parseDocument(
    `$ kubectl get pods -A\n${readFileSync('test/fixtures/kubectl/get-pods-A.txt', 'utf8')}`,
    'get-pods-A.txt',
  );
  const bApp = doc.facts.find((f): f is Pod => f.kind === 'Pod' && f.name === 'b-app');
  assert.equal(bApp?.restarts, 55);
});

test('kube-proxy klog: each record with its continuation, failed restores and failed syncs named', () => {
  const doc = read('kube-proxy-log-klog.txt');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.records, b.result.unparsed.length]),
    [['kube-proxy-log', 10, 0]],
  );
  const records = doc.facts.filter((f): f is ComponentLog => f.kind === 'ComponentLog');
  assert.deepEqual(
    records.map((r) => r.event),
    Array.from({ length: 5 }, () => ['iptables-restore-failed', 'sync-failed']).flat(),
  );
  assert.equal(records[0].level, 'error');
  assert.equal(records[0].location, 'proxier.go:1507');
  assert.equal(
    records[0].message,
    'Failed to execute iptables-restore: exit status 1 (iptables-restore: line 51 failed\n)',
  );
  assert.deepEqual([records[0].evidence[0].line, records[0].evidence[0].endLine], [1, 2]);
  assert.equal(records[1].level, 'info');
});

test('kube-proxy through journald: the structured error and iptables-restore’s lines are one record', () => {
  const doc = read('kube-proxy-log-journal.txt');
  const records = doc.facts.filter((f): f is ComponentLog => f.kind === 'ComponentLog');
  assert.equal(records.length, 1);
  assert.equal(records[0].event, 'iptables-restore-failed');
  assert.match(records[0].message, /unknown option "--xor-mark"\nError occurred at line: 11\n/);
  assert.equal(records[0].evidence[0].endLine, 4);
});

test('`kubectl logs` of a kube-proxy pod is read as kube-proxy’s log, of any other pod as before', () => {
  const log = readFileSync(`${DIR}/kube-proxy-log-klog.txt`, 'utf8');
  const proxy = parseDocument(`$ kubectl -n kube-system logs kube-proxy-gt9gw\n${log}`, 'x.txt');
  assert.deepEqual(
    proxy.blocks.map((b) => b.format),
    ['kube-proxy-log'],
  );
  const web = parseDocument(`$ kubectl logs web-0\n${log}`, 'y.txt');
  assert.notDeepEqual(
    web.blocks.map((b) => b.format),
    ['kube-proxy-log'],
  );
});

test('conntrack -S from the SNAT race: insert_failed per CPU', () => {
  const doc = read('conntrack-S-insert-failed.txt');
  const stats = doc.facts.filter((f) => f.kind === 'ConntrackStats');
  assert.equal(stats.length, 11);
  assert.equal(
    stats.reduce((sum, s) => sum + (s.kind === 'ConntrackStats' ? (s.counters.insert_failed ?? 0) : 0), 0),
    1735,
  );
});
