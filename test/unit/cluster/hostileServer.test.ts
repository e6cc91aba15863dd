/** A faulty or hostile API server (the fake one, over HTTPS): the reader keeps what it can and says what it did not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from '../../../src/model';
import { listKubeContexts, summarizePull, type PullResult } from '../../../src/cluster';
import { LISTS, rbacName } from '../../../src/cluster/resources';
import { harnessPerTest, pullFrom, type Harness } from './harness';

let h: Harness;
const harness = harnessPerTest();

const pull = (extra: Parameters<typeof pullFrom>[1] = {}) => pullFrom(h.kubeconfig(), extra);
const model = (r: PullResult) => r.sink as ClusterModel;

test('a null item in a List: the pull resolves with the other objects and names the skipped item', async () => {
  h = await harness.start();
  h.server.fault('pods', { type: 'nullItem' }).fault('services', { type: 'nullItem' });
  const r = await pull();
  assert.equal(model(r).pods.length, 9);
  assert.ok(model(r).services.length > 0);
  const bad = r.problems.filter((p) => p.reason === 'BadItem');
  assert.deepEqual(
    bad.map((p) => p.resource),
    ['pods', 'services'],
  );
  assert.match(bad[0].message, /^1 item of the pods list from https:\/\/127\.0\.0\.1:\d+ was not an object/);
});

test('a server that always sends a new continue token: paging stops at the list limit with a message', async () => {
  h = await harness.start();
  h.server.fault('pods', { type: 'endlessContinue' });
  const r = await pull({ pageSize: 4, maxListItems: 200 });
  const stop = r.problems.find((p) => p.reason === 'ListTooLarge');
  assert.ok(stop, JSON.stringify(r.problems));
  assert.match(
    stop.message,
    /^stopped listing pods from \S+ after 200 objects in 50 pages \(0 MiB\): the limit per list/,
  );
  const podPages = h.server.requests.filter((q) => q.path === '/api/v1/pods').length;
  assert.equal(podPages, 50, 'no page was asked for after the limit');
  assert.equal(r.complete, false);
  assert.ok(!r.problems.some((p) => p.reason === 'Timeout'));
});

test('the byte limit stops a list whose pages are large', async () => {
  h = await harness.start();
  h.server.fault('pods', { type: 'endlessContinue' });
  const r = await pull({ pageSize: 500, maxListBytes: 64 * 1024 });
  const stop = r.problems.find((p) => p.reason === 'ListTooLarge');
  assert.ok(stop);
  const pages = Number(/in (?<pages>\d+) pages/.exec(stop.message)?.groups?.pages);
  assert.equal(h.server.requests.filter((q) => q.path === '/api/v1/pods').length, pages);
  // 9 pods per page are a few KiB: the 64 KiB limit ends it within tens of pages, not at the deadline.
  assert.ok(pages >= 2 && pages < 100, stop.message);
});

test('an answer that is not a List names the server, the size and what came back', async () => {
  h = await harness.start();
  h.server
    .fault('pods', { type: 'body', body: '<html><body>Sign in to the corporate proxy</body></html>' })
    .fault('services', { type: 'body', body: { kind: 'Pod', metadata: { name: 'x' } } })
    .fault('nodes', { type: 'body', body: null });
  const r = await pull();
  const notList = Object.fromEntries(
    r.problems.filter((p) => p.reason === 'NotAList').map((p) => [p.resource, p.message]),
  );
  assert.match(
    notList.pods,
    /^cannot list pods: the answer from https:\/\/127\.0\.0\.1:\d+ \(HTTP 200, 56 bytes\) is not a List but text starting "<html><body>Sign in to the corporate proxy<\/body><\/html>"; Pods missing/,
  );
  assert.match(notList.services, /is not a List but a JSON object of kind "Pod" \(keys: kind, metadata\)/);
  assert.match(notList.nodes, /is not a List but null; Nodes missing/);
});

test('a server URL with user:password@ never shows the password, in problems or in the result', async () => {
  h = await harness.start();
  const server = h.server.url.replace('https://', 'https://admin:pa55-w0rd-7731@');
  const r = await pull({ kubeconfigPaths: [h.kubeconfig({ server, token: 'wrong-token-1234' }, 'userinfo')] });
  assert.ok(r.problems.length > 0, JSON.stringify([r.problems, h.server.requests.slice(0, 2), r.server]));
  const text = JSON.stringify({ problems: r.problems, server: r.server });
  assert.ok(!text.includes('pa55-w0rd-7731'), text);
  assert.match(r.problems[0].message, /the API server at https:\/\/<redacted>@127\.0\.0\.1:\d+ rejected/);
  const listed = listKubeContexts([h.kubeconfig({ server }, 'userinfo')]).contexts.map((c) => c.server);
  assert.equal(listed.length, 1);
  assert.match(listed[0] ?? '', /^https:\/\/<redacted>@127\.0\.0\.1:\d+$/);
});

test('404 on every list is an error naming the server, not a row of notes', async () => {
  h = await harness.start();
  for (const resource of LISTS.map(rbacName)) h.server.fault(resource, { type: 'status', code: 404 });
  const r = await pull();
  const summary = summarizePull(r);
  assert.equal(summary.level, 'error', summary.details.join('\n'));
  const error = r.problems.find((p) => p.severity === 'error');
  assert.match(
    error?.message ?? '',
    /^every list answered 404 Not Found \(7 of 7\): https:\/\/127\.0\.0\.1:\d+ does not serve the Kubernetes API at this address/,
  );
  assert.equal(r.complete, false);
});

test('a single list answering 404 is a warning (that resource is missing), a missing ConfigMap stays a note', async () => {
  h = await harness.start();
  h.server.fault('endpointslices.discovery.k8s.io', { type: 'status', code: 404 });
  const r = await pull();
  const slices = r.problems.find((p) => p.resource === 'endpointslices.discovery.k8s.io');
  assert.equal(slices?.severity, 'warning');
  assert.match(
    slices?.message ?? '',
    /^cannot list endpointslices\.discovery\.k8s\.io at cluster scope: not found \(404\) at https:/,
  );
  assert.ok(r.problems.filter((p) => p.resource === 'configmaps').every((p) => p.severity === 'info'));
});
