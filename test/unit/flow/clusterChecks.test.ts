// Problems the nodes and the cluster report about themselves (crashing system pods, kube-proxy's
// failed syncs, conntrack drops): found by diagnose without any captured request, each with the
// lines that show it. Real outputs: test/fixtures/kubectl/public (public threads, sources in its
// README) and the conntrack race tried in this kernel (test/fixtures/broken/conntrack-race).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelOf } from '../../support/modelOf';
import { diagnose } from '../../../src/flow';
import { clusterFindings } from '../../../src/flow/findings';

const PUBLIC = 'test/fixtures/kubectl/public';

test('Flannel in CrashLoopBackOff: an error naming both pods; CoreDNS waiting for it: a warning', () => {
  const found = clusterFindings(modelOf({ transcripts: [`${PUBLIC}/get-pods-A-flannel-crashloop.txt`] }));
  assert.deepEqual(
    found.map((f) => [f.id, f.severity]),
    [
      ['system-pod-failing', 'error'],
      ['system-pod-failing', 'warning'],
    ],
  );
  assert.match(found[0].title, /^Flannel is not running: CrashLoopBackOff$/);
  assert.match(
    found[0].message,
    /kube-flannel-ds-amd64-r72pn CrashLoopBackOff \(8 restarts\); kube-flannel-ds-amd64-xn6rv/,
  );
  assert.deepEqual(
    found[0].evidence.map((e) => e.line),
    [8, 9],
  );
  assert.match(
    found[1].message,
    /coredns-6955765f44-hsp28, kube-system\/coredns-6955765f44-shvwc wait in ContainerCreating/,
  );
});

test('kube-proxy failing every sync: an error quoting iptables-restore, from both log formats', () => {
  for (const [file, count, why] of [
    ['kube-proxy-log-klog.txt', 5, /line 51 failed/],
    ['kube-proxy-log-journal.txt', 1, /unknown option "--xor-mark" Error occurred at line: 11/],
  ] as const) {
    const found = clusterFindings(modelOf({ transcripts: [`${PUBLIC}/${file}`] }));
    assert.deepEqual(
      found.map((f) => f.id),
      ['kube-proxy-sync-failing'],
    );
    assert.match(found[0].title, new RegExp(`\\(${count} failed iptables-restore\\)`));
    assert.match(found[0].message, why);
    assert.ok(found[0].evidence.every((e) => e.uri.endsWith(file)));
  }
});

test('conntrack insert_failed: a warning with the counting lines; diagnose lists it with no request', () => {
  const model = modelOf({ transcripts: [`${PUBLIC}/conntrack-S-insert-failed.txt`] });
  const { problems, requests } = diagnose(model);
  assert.deepEqual(requests, []);
  assert.deepEqual(
    problems.map((p) => [p.finding.id, p.finding.severity]),
    [['conntrack-insert-failed', 'warning']],
  );
  assert.match(problems[0].finding.title, /dropped 1735 packet\(s\)/);
  assert.equal(problems[0].finding.evidence.length, 3);
});

test('the races tried in this kernel: A/AAAA clashes resolved, the SNAT port race drops 3 (latest counters)', () => {
  const model = modelOf({ transcripts: ['test/fixtures/broken/conntrack-race/transcript.txt'] });
  const stats = model.all('ConntrackStats');
  // Four `conntrack -S` listings of two CPUs: before and after each race (cumulative counters).
  assert.equal(stats.length, 8);
  const afterDnatRace = stats.slice(2, 4);
  assert.deepEqual(
    afterDnatRace.map((s) => [s.counters.clash_resolve, s.counters.insert_failed]),
    [
      [997, 0],
      [107, 0],
    ],
  );
  const found = clusterFindings(model);
  assert.deepEqual(
    found.map((f) => f.id),
    ['conntrack-insert-failed'],
  );
  // The last listing only (3 on CPU 1), not the sum of the four listings.
  assert.match(found[0].title, /dropped 3 packet\(s\) at insertion on node/);
  assert.deepEqual(
    found[0].evidence.map((e) => e.line),
    [stats[7].evidence[0].line],
  );
});
