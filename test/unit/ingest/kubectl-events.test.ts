// `kubectl get events` as users pasted it in public threads (test/fixtures/kubectl/public, sources in
// its README): today's layout with and without NAMESPACE, rows without their header, the old layout
// of kubectl before 1.14 (empty cells, cut at the header's columns), and a watch that mixed in
// another table (reported, not guessed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { formatForCommand, formatSpec } from '../../../src/ingest/registry';
import type { KubeEvent } from '../../../src/model';

const DIR = 'test/fixtures/kubectl/public';
const text = (file: string) => readFileSync(`${DIR}/${file}`, 'utf8');
const read = (file: string) => parseDocument(text(file), `${DIR}/${file}`);
const events = (file: string) => read(file).facts.filter((f): f is KubeEvent => f.kind === 'KubeEvent');
const row = (e: KubeEvent) => [e.namespace, e.lastSeen, e.type, e.reason, `${e.object.kind}/${e.object.name}`];

test('rows of -A without their header: FailedCreatePodSandBox, flannel cannot set the bridge address', () => {
  const doc = read('get-events-A-flannel-bridge-addr.txt');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.records, b.result.unparsed.length]),
    [['kubectl-events', 2, 0]],
  );
  const found = events('get-events-A-flannel-bridge-addr.txt');
  assert.deepEqual(row(found[0]), [
    'default',
    '19m',
    'Warning',
    'FailedCreatePodSandBox',
    'pod/nginx-deployment-shiva2-779f798fbd-h4vlk',
  ]);
  assert.match(
    found[1].message,
    /failed to set bridge addr: "cni0" already has an IP address different from 10\.244\.1\.1\/24$/,
  );
  assert.deepEqual(
    found.map((e) => [e.evidence[0].line, e.evidence[0].format]),
    [
      [1, 'kubectl-events'],
      [2, 'kubectl-events'],
    ],
  );
});

test('-A rows: Normal and Warning, the readiness probe and the scheduler, each with its line', () => {
  const found = events('get-events-A-coredns-unhealthy.txt');
  assert.equal(found.length, 6);
  assert.deepEqual(
    found.filter((e) => e.type === 'Warning').map((e) => [...row(e), e.evidence[0].line]),
    [
      ['kube-system', '4m41s', 'Warning', 'Unhealthy', 'pod/coredns-57575c5f89-jmpc5', 5],
      ['kube-system', '9m48s', 'Warning', 'FailedScheduling', 'pod/coredns-57575c5f89-mwsdl', 6],
    ],
  );
  assert.match(found[4].message, /^Readiness probe failed: Get "http:\/\/10\.244\.0\.2:8181\/ready"/);
});

test('rows without NAMESPACE: NetworkNotReady, with the namespace of `-n` when the command says it', () => {
  const found = events('get-events-network-not-ready.txt');
  assert.deepEqual(
    found.map((e) => e.reason),
    ['FailedMount', 'FailedMount', 'NetworkNotReady', 'FailedMount', 'NetworkNotReady'],
  );
  assert.equal(found[2].namespace, undefined);
  assert.match(found[2].message, /cni plugin not initialized$/);
  const withCommand = parseDocument(
    `$ kubectl -n d8-cloud-instance-manager get events\n${text('get-events-network-not-ready.txt')}`,
    'session.txt',
  );
  const first = withCommand.facts.find((f): f is KubeEvent => f.kind === 'KubeEvent');
  assert.equal(first?.namespace, 'd8-cloud-instance-manager');
  assert.equal(first?.evidence[0].line, 2);
});

test('the old layout: cells cut at the header, an empty SUBOBJECT, COUNT, the event name read back to its object', () => {
  const [relative] = events('get-events-old-layout.txt');
  assert.deepEqual(
    [relative.lastSeen, relative.firstSeen, relative.count, relative.object, relative.subobject, relative.type],
    ['4s', '4h', 569, { kind: 'Broker', name: 'standard-controller' }, undefined, 'Normal'],
  );
  assert.deepEqual(
    [relative.reason, relative.source, relative.message],
    ['BrokerUpgraded', 'standard-controller', 'Upgraded broker'],
  );
  const [stamped] = events('get-events-old-layout-timestamps.txt');
  assert.deepEqual(
    [stamped.lastSeen, stamped.count, stamped.object, stamped.subobject, stamped.reason, stamped.message],
    [
      '2019-07-05T15:01:04Z',
      1,
      { kind: 'Deployment', name: 'api-server' },
      undefined,
      'ScalingReplicaSet',
      'Scaled up replica set api-server-7b5d9df774 to 1',
    ],
  );
});

test('kubectl 1.3: LASTSEEN/FIRSTSEEN, the involved object by NAME and KIND, SOURCE with its spaces', () => {
  const doc = read('get-events-lastseen-2016.txt');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.records, b.result.unparsed.length]),
    [['kubectl-events', 4, 0]],
  );
  const found = events('get-events-lastseen-2016.txt');
  assert.deepEqual(
    found.map((e) => [e.lastSeen, e.firstSeen, e.count, e.object.kind, e.object.name, e.subobject, e.reason, e.source]),
    [
      ['13m', '13m', 1, 'Pod', 'nginx-deployment-3392909933-1tfwp', undefined, 'Scheduled', '{default-scheduler }'],
      ...['Pulling', 'Pulled', 'Created'].map((reason) => [
        '13m',
        '13m',
        1,
        'Pod',
        'nginx-deployment-3392909933-1tfwp',
        'spec.containers{nginx}',
        reason,
        '{kubelet kubernetes-minion-group-kcbf}',
      ]),
    ],
  );
  assert.equal(found[3].message, 'Created container with docker id 0f5fc6ae789f');
});

test('a watch that printed another table: the events read, every other line reported with its number', () => {
  const result = formatSpec('kubectl-events')!.parse({
    text: text('get-events-watch.txt'),
    uri: 'watch.txt',
    command: 'kubectl get events --watch',
  });
  assert.equal(result.records, 2);
  assert.deepEqual(
    result.unparsed.map((u) => u.line),
    Array.from({ length: 10 }, (_, k) => k + 4),
  );
  assert.match(result.unparsed[0].reason, /not an event row/);
});

test('the commands that print events reach this reader; -o yaml and other kinds do not', () => {
  for (const command of [
    'kubectl get events',
    'kubectl get events -A',
    'kubectl -n kube-system get ev',
    'kubectl get events --all-namespaces --sort-by=.lastTimestamp',
    'kubectl events --for pod/web-1',
    'kubectl get events -o wide',
  ])
    assert.equal(formatForCommand(command)?.id, 'kubectl-events', command);
  assert.equal(formatForCommand('kubectl get events -o yaml')?.id, 'kubectl-yaml');
  assert.equal(formatForCommand('kubectl get pods -A')?.id, 'kubectl-table');
});
