import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from '../../../src/model';
import { watchCluster, type WatchChange, type WatchEnd, type WatchStatus } from '../../../src/cluster';
import { disposePki, sharedPki, startHarness, type Harness } from './harness';

before(() => {
  sharedPki();
});
after(() => {
  disposePki();
});

/** Polls `pred` until it holds (each wait is bounded by the test runner's timeout, never asserted on). */
async function until<T>(pred: () => T | undefined | false, what: string, limitMs = 10_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Run {
  h: Harness;
  changes: WatchChange[];
  statuses: WatchStatus[];
  stop(): Promise<unknown>;
}

const noFaults = () => {};

async function startWatch(
  resources: ('pods' | 'endpointslices')[] = ['endpointslices', 'pods'],
  setup: (h: Harness) => void = noFaults,
  backoff: NonNullable<Parameters<typeof watchCluster>[0]['backoff']> = { initialMs: 40, maxMs: 320, jitter: 0 },
): Promise<Run & { done: Promise<WatchEnd> }> {
  const h = await startHarness();
  const changes: WatchChange[] = [];
  const statuses: WatchStatus[] = [];
  const abort = new AbortController();
  const done = watchCluster({
    kubeconfigPaths: [h.kubeconfig()],
    allowCredentialPlugins: false,
    signal: abort.signal,
    resources,
    backoff,
    onChange: (c) => changes.push(c),
    onStatus: (s) => statuses.push(s),
  });
  setup(h);
  // With a fault set up the streams may never stay open: the test waits for what it expects.
  if (setup === noFaults) await until(() => h.server.openWatches === resources.length, 'every watch stream open');
  return {
    h,
    changes,
    statuses,
    done,
    stop: async () => {
      abort.abort();
      const end = await done;
      await h.dispose();
      return end;
    },
  };
}

const addresses = (facts: ReturnType<WatchChange['facts']>) =>
  new ClusterModel()
    .add(facts)
    .endpointSlices.filter((s) => s.name === 'a-app-9xk4m')
    .flatMap((s) => s.endpoints.flatMap((e) => e.addresses));

test("an EndpointSlice change made on the server arrives through the watch; only GET, watch=1 from the list's resourceVersion", async () => {
  const r = await startWatch();
  try {
    assert.deepEqual(r.changes.map((c) => `${c.type} ${c.resource}`).sort(), ['RELIST endpointslices', 'RELIST pods']);
    assert.deepEqual(addresses(r.changes[0].facts()).sort(), ['10.244.0.143', '10.244.0.144']);
    const slice = r.h.server.object('endpointslices', 'default', 'a-app-9xk4m')!;
    (slice.endpoints as { addresses: string[] }[]).push({
      ...(slice.endpoints as object[])[0],
      addresses: ['10.244.0.150'],
    });
    const rv = r.h.server.upsert('endpointslices', slice);
    const change = await until(() => r.changes.find((c) => c.type === 'MODIFIED'), 'MODIFIED event');
    assert.equal(change.key, 'default/a-app-9xk4m');
    assert.deepEqual(addresses(change.facts()).sort(), ['10.244.0.143', '10.244.0.144', '10.244.0.150']);
    // The pods stay known next to the slices.
    assert.equal(new ClusterModel().add(change.facts()).pods.length, 9);
    r.h.server.remove('endpointslices', 'default', 'a-app-9xk4m');
    const deleted = await until(() => r.changes.find((c) => c.type === 'DELETED'), 'DELETED event');
    assert.deepEqual(addresses(deleted.facts()), []);
    // A bookmark only moves the version: no change is reported for it.
    const before = r.changes.length;
    r.h.server.bookmark();
    r.h.server.upsert('endpointslices', { ...slice, metadata: { ...slice.metadata, name: 'a-app-second' } });
    await until(() => r.changes.length > before, 'ADDED after a bookmark');
    assert.deepEqual(
      r.changes.slice(before).map((c) => c.type),
      ['ADDED'],
    );

    const reqs = r.h.server.requests;
    assert.deepEqual([...new Set(reqs.map((q) => q.method))], ['GET']);
    const watches = reqs.filter((q) => q.query.watch);
    assert.deepEqual(watches.map((q) => q.path).sort(), ['/api/v1/pods', '/apis/discovery.k8s.io/v1/endpointslices']);
    for (const q of watches) {
      assert.equal(q.query.watch, '1');
      assert.equal(q.query.allowWatchBookmarks, 'true');
      assert.match(q.query.resourceVersion, /^\d+$/);
    }
    void rv;
  } finally {
    await r.stop();
  }
});

test('410 Gone (compacted resourceVersion) makes the watcher list again, then watch from the new version', async () => {
  const r = await startWatch(['endpointslices']);
  try {
    const slice = r.h.server.object('endpointslices', 'default', 'a-app-9xk4m')!;
    // The stream drops, a change is made and the history is compacted before the watcher is back
    // (all in one tick): its resourceVersion is now too old, and only a re-list brings the change.
    r.h.server.dropWatches();
    r.h.server.upsert('endpointslices', {
      ...slice,
      endpoints: [{ addresses: ['10.244.0.160'], conditions: { ready: true } }],
    });
    r.h.server.compact();
    const relist = await until(() => r.changes.filter((c) => c.type === 'RELIST')[1], 'second RELIST');
    assert.deepEqual(addresses(relist.facts()), ['10.244.0.160']);
    const paths = r.h.server.requests
      .filter((q) => q.path === '/apis/discovery.k8s.io/v1/endpointslices')
      .map((q) => (q.query.watch ? `watch@${q.query.resourceVersion}` : 'list'));
    // list, watch, watch again from the old version (→ ERROR 410), list, watch from the new version.
    assert.equal(paths[0], 'list');
    assert.ok(paths.indexOf('list', 1) > 1, paths.join(' '));
    await until(() => r.h.server.openWatches === 1, 'watch reopened');
    const last = r.h.server.requests.filter((q) => q.query.watch).at(-1)!;
    assert.ok(
      Number(last.query.resourceVersion) >
        Number(r.h.server.requests.find((q) => q.query.watch)!.query.resourceVersion),
    );
  } finally {
    await r.stop();
  }
});

test('a dropped stream is reopened with exponential backoff while the server fails, then changes flow again', async () => {
  const r = await startWatch(['endpointslices']);
  try {
    r.h.server.fault('endpointslices.discovery.k8s.io', { type: 'reset' });
    r.h.server.dropWatches();
    const retries = await until(() => {
      const x = r.statuses.filter((s) => s.state === 'retrying');
      return x.length >= 3 && x;
    }, 'three retries');
    const delays = retries.map((s) => (s.state === 'retrying' ? s.delayMs : 0));
    assert.deepEqual(delays.slice(0, 3), [40, 80, 160]);
    assert.match(retries[0].state === 'retrying' ? retries[0].problem.message : '', /reset|reconnecting/);
    r.h.server.clearFaults();
    await until(() => r.h.server.openWatches === 1, 'watch reopened after the faults end');
    const slice = r.h.server.object('endpointslices', 'default', 'a-app-9xk4m')!;
    r.h.server.upsert('endpointslices', {
      ...slice,
      endpoints: [{ addresses: ['10.244.0.170'], conditions: { ready: true } }],
    });
    const change = await until(() => r.changes.find((c) => c.type === 'MODIFIED'), 'change after reconnect');
    assert.deepEqual(addresses(change.facts()), ['10.244.0.170']);
    assert.deepEqual([...new Set(r.h.server.requests.map((q) => q.method))], ['GET']);
  } finally {
    await r.stop();
  }
});

test('RBAC forbidding the watch stops that resource with a problem; abort ends the watcher', async () => {
  const h = await startHarness();
  try {
    h.server.fault('pods', { type: 'status', code: 403 });
    const abort = new AbortController();
    const statuses: WatchStatus[] = [];
    const done = watchCluster({
      kubeconfigPaths: [h.kubeconfig()],
      allowCredentialPlugins: false,
      signal: abort.signal,
      resources: ['pods', 'endpointslices'],
      onChange: () => {},
      onStatus: (s) => statuses.push(s),
    });
    await until(() => statuses.some((s) => s.state === 'stopped' && s.resource === 'pods'), 'pods stopped');
    await until(() => h.server.openWatches === 1, 'slices still watched');
    abort.abort();
    const end = await done;
    assert.match(end.problem?.message ?? '(aborted: no problem reported)', /aborted|403/);
    const stopped = statuses.find((s) => s.state === 'stopped' && s.resource === 'pods');
    assert.match(
      stopped && stopped.state === 'stopped' ? (stopped.problem?.message ?? '') : '',
      /RBAC forbids \(403\)/,
    );
    await until(() => h.server.openWatches === 0, 'the server sees the stream closed');
  } finally {
    await h.dispose();
  }
});

/** Retry delays the watcher announced, in order. */
const delaysOf = (statuses: WatchStatus[]) => statuses.flatMap((s) => (s.state === 'retrying' ? [s.delayMs] : []));

test('a watch answered with 410 every time backs off and stops, instead of re-listing thousands of times a second', async () => {
  const h = await startHarness();
  h.server.fault('endpointslices.discovery.k8s.io', { type: 'watchExpired' });
  const statuses: WatchStatus[] = [];
  const abort = new AbortController();
  const end = await Promise.race([
    watchCluster({
      kubeconfigPaths: [h.kubeconfig()],
      allowCredentialPlugins: false,
      signal: abort.signal,
      resources: ['endpointslices'],
      backoff: { initialMs: 20, maxMs: 80, jitter: 0, maxFailures: 6 },
      onChange: () => {},
      onStatus: (s) => statuses.push(s),
    }),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3000)),
  ]);
  abort.abort();
  const lists = h.server.requests.filter(
    (q) => q.path === '/apis/discovery.k8s.io/v1/endpointslices' && !q.query.watch,
  );
  await h.dispose();
  // Six failures in a row: the first re-list at once, then 20, 40, 80, 80 ms, then stop.
  assert.equal(lists.length, 6, 'one list to start and one per retry, nothing more');
  assert.deepEqual(delaysOf(statuses), [0, 20, 40, 80, 80]);
  assert.ok(end, 'the watcher stopped by itself');
  assert.match(
    end.problem?.message ?? '',
    /^stopped keeping endpointslices\.discovery\.k8s\.io current after 6 failed attempts in a row \(last: the watch of .* expired \(410 Gone\)/,
  );
  assert.equal(statuses.at(-1)?.state, 'stopped');
});

test('a stream that drops after every event backs off (the event does not reset it) and stops after repeated failures', async () => {
  const r = await startWatch(
    ['endpointslices'],
    (h) => h.server.fault('endpointslices.discovery.k8s.io', { type: 'watchDropAfterEvent' }),
    { initialMs: 20, maxMs: 160, jitter: 0, maxFailures: 5 },
  );
  const end = await Promise.race([
    r.done,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3000)),
  ]);
  await r.stop();
  assert.ok(r.changes.filter((c) => c.type === 'MODIFIED').length >= 4, 'the events still arrived');
  assert.deepEqual(delaysOf(r.statuses), [20, 40, 80, 160]);
  assert.match(end?.problem?.message ?? '(never stopped)', /after 5 failed attempts in a row \(last: .*reset|closed/);
});

test('jitter shortens each delay by at most its share, never lengthens it', async () => {
  const r = await startWatch(
    ['endpointslices'],
    (h) => h.server.fault('endpointslices.discovery.k8s.io', { type: 'watchDropAfterEvent' }),
    { initialMs: 40, maxMs: 40, jitter: 0.5, maxFailures: 8 },
  );
  await Promise.race([r.done, new Promise((resolve) => setTimeout(resolve, 3000))]);
  await r.stop();
  const delays = delaysOf(r.statuses);
  assert.equal(delays.length, 7);
  assert.ok(
    delays.every((d) => d >= 20 && d <= 40),
    delays.join(', '),
  );
});

test('a null line in the watch stream ends that stream with a reason (no uncaught exception); the watch goes on', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  const r = await startWatch(['endpointslices'], (h) =>
    h.server.fault('endpointslices.discovery.k8s.io', { type: 'watchLine', line: 'null' }),
  );
  try {
    const retry = await until(() => r.statuses.find((s) => s.state === 'retrying'), 'a retry after the null line');
    assert.match(retry.state === 'retrying' ? retry.problem.message : '', /not an event object \(null\)/);
    r.h.server.clearFaults();
    await until(() => r.h.server.openWatches === 1, 'watch reopened');
    const slice = r.h.server.object('endpointslices', 'default', 'a-app-9xk4m')!;
    r.h.server.upsert('endpointslices', { ...slice, endpoints: [{ addresses: ['10.244.0.171'] }] });
    const change = await until(() => r.changes.find((c) => c.type === 'MODIFIED'), 'change after the null line');
    assert.deepEqual(addresses(change.facts()), ['10.244.0.171']);
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    await r.stop();
  }
});
