import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from '../../../src/model';
import type { PullResult } from '../../../src/cluster';
import { closedPort, disposePki, pullFrom, sharedPki, startHarness, TOKEN, type Harness } from './harness';

let h: Harness;
before(() => {
  sharedPki();
});
afterEach(async () => {
  // Whatever happened, the server saw nothing but GET.
  if (h)
    assert.deepEqual(
      [...new Set(h.server.requests.map((q) => q.method))].filter((m) => m !== 'GET'),
      [],
    );
  await h?.dispose();
});
after(() => disposePki());

const pull = pullFrom;
const model = (r: PullResult) => r.sink as ClusterModel;
const messages = (r: PullResult) => r.problems.map((p) => p.message);

test('unreachable server (ECONNREFUSED): one clear error, empty model, no hang', async () => {
  h = await startHarness();
  const port = await closedPort();
  const r = await pull(h.kubeconfig({ server: `https://127.0.0.1:${port}` }));
  assert.equal(r.complete, false);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].reason, 'ECONNREFUSED');
  assert.match(
    r.problems[0].message,
    new RegExp(`cannot reach https://127.0.0.1:${port}: the API server at .* refused the connection`),
  );
  assert.equal(model(r).pods.length, 0);
});

test('TLS: a server certificate from another CA is reported as a CA mismatch', async () => {
  h = await startHarness();
  const r = await pull(h.kubeconfig({ caPem: h.pki.otherCaCert }));
  assert.equal(r.problems.length, 1);
  assert.match(
    r.problems[0].message,
    /TLS: the server certificate of https:\/\/127\.0\.0\.1:\d+ is not signed by the certificate authority in the kubeconfig/,
  );
  assert.equal(h.server.requests.length, 0, 'the handshake failed, so no request reached the server');
});

test('TLS: no CA in the kubeconfig and a private CA on the server: the message says the system CAs were used', async () => {
  h = await startHarness();
  const r = await pull(h.kubeconfig({ caPem: undefined }));
  assert.equal(r.problems.length, 1);
  assert.match(
    r.problems[0].message,
    /TLS: the server certificate of \S+ is not signed by a trusted certificate authority \(\w+\): the kubeconfig names no certificate-authority, so only the system CAs were trusted; add the cluster's certificate-authority-data to the kubeconfig; nothing was read$/,
  );
});

test('expired credentials (401): stops after the preflight and says to log in again', async () => {
  h = await startHarness();
  const r = await pull(h.kubeconfig({ token: 'expired-token-0000' }));
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].code, 401);
  assert.match(r.problems[0].message, /rejected the credentials \(401 Unauthorized\).*expired or invalid/);
  assert.ok(!r.problems[0].message.includes('expired-token-0000'));
  assert.equal(h.server.requests.length, 1);
});

test('403 on EndpointSlices in one namespace: the rest is kept and the gap is named', async () => {
  h = await startHarness();
  h.server.fault('endpointslices.discovery.k8s.io', { type: 'status', code: 403, namespace: 'default' });
  const r = await pull(h.kubeconfig(), { namespaces: ['default', 'kube-system'] });
  assert.equal(r.complete, false);
  assert.deepEqual(messages(r), [
    'cannot list endpointslices.discovery.k8s.io in namespace default: RBAC forbids (403); EndpointSlices missing — endpoints of Services unknown',
  ]);
  assert.equal(r.problems[0].severity, 'warning');
  const m = model(r);
  assert.deepEqual(
    m.endpointSlices.map((s) => s.name),
    ['kube-dns-7hq2c'],
  );
  assert.equal(m.pods.length, 8, 'pods of default and kube-system (not kube-flannel)');
  assert.equal(m.services.length, 3);
  assert.ok(h.server.requests.some((q) => q.path === '/api/v1/namespaces/default/pods'));
  assert.ok(
    !h.server.requests.some((q) => q.path === '/api/v1/pods'),
    'no cluster-wide list when namespaces are given',
  );
});

test('403 at cluster scope on nodes is reported with its consequence', async () => {
  h = await startHarness();
  h.server.fault('nodes', { type: 'status', code: 403 });
  const r = await pull(h.kubeconfig());
  assert.deepEqual(messages(r), [
    'cannot list nodes at cluster scope: RBAC forbids (403); Nodes missing — node IPs, pod CIDRs and Flannel VTEP MACs unknown',
  ]);
  assert.equal(model(r).pods.length, 9);
});

test('missing ConfigMaps (404) are fine: the pull is complete and says what is unknown', async () => {
  h = await startHarness();
  h.server.setObjects('configmaps', []);
  const r = await pull(h.kubeconfig());
  assert.equal(r.complete, true);
  assert.deepEqual(
    r.problems.map((p) => [p.severity, p.code]),
    [
      ['info', 404],
      ['info', 404],
      ['info', 404],
    ],
  );
  assert.ok(
    messages(r).includes(
      'ConfigMap kube-flannel-cfg not found in namespace kube-flannel or namespace kube-system (404); Flannel network and backend (VXLAN VNI/port) unknown (Flannel not installed from its manifest, or another CNI)',
    ),
  );
  assert.ok(
    messages(r).some((m) =>
      m.startsWith(
        'ConfigMap kube-proxy not found in namespace kube-system (404); kube-proxy mode and clusterCIDR unknown',
      ),
    ),
  );
  assert.equal(model(r).all('KubeProxy').length, 0);
  assert.equal(model(r).clusterDomain, 'cluster.local');
});

test('Flannel config in kube-system (older manifests) is found after kube-flannel 404s', async () => {
  h = await startHarness();
  const cm = (await import('../../fixtures/cluster/seed/configmaps.json')).items.map((o) => structuredClone(o));
  cm[0].metadata.namespace = 'kube-system';
  h.server.setObjects('configmaps', cm);
  const r = await pull(h.kubeconfig());
  assert.deepEqual(r.problems, []);
  assert.equal(model(r).all('Cni')[0].evidence[0].uri, 'cluster://fake/ConfigMap/kube-system/kube-flannel-cfg');
});

test('paging: small pages are followed with continue tokens and every object arrives once', async () => {
  h = await startHarness();
  const r = await pull(h.kubeconfig(), { pageSize: 2 });
  assert.deepEqual(r.problems, []);
  const podRequests = h.server.requests.filter((q) => q.path === '/api/v1/pods');
  assert.equal(podRequests.length, 5);
  assert.equal(podRequests[0].query.continue, undefined);
  assert.ok(podRequests.slice(1).every((q) => q.query.continue && q.query.limit === '2'));
  const m = model(r);
  assert.equal(m.pods.length, 9);
  assert.ok(m.pods.every((p) => p.evidence.length === 1));
});

test('410 Gone on the second page: the list restarts once, no object is counted twice', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'expireContinue', times: 1 });
  const r = await pull(h.kubeconfig(), { pageSize: 4 });
  assert.equal(r.complete, true);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].code, 410);
  assert.match(
    r.problems[0].message,
    /continue token for pods expired while paging \(410 Gone\); restarted the list once/,
  );
  const m = model(r);
  assert.equal(m.pods.length, 9);
  assert.equal(r.counts.pods, 9);
  assert.ok(m.pods.every((p) => p.evidence.length === 1));
  const podRequests = h.server.requests.filter((q) => q.path === '/api/v1/pods');
  assert.deepEqual(
    podRequests.map((q) => Boolean(q.query.continue)),
    [false, true, false, true, true],
  );
});

test('410 Gone again after the restart: reported, first pages kept', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'expireContinue' });
  const r = await pull(h.kubeconfig(), { pageSize: 4 });
  assert.equal(r.complete, false);
  assert.deepEqual(
    r.problems.map((p) => p.code),
    [410, 410],
  );
  assert.match(
    r.problems[1].message,
    /cannot list pods at cluster scope: the list expired twice while paging \(410 Gone\); Pods missing — .* \(kept the 4 read before\)/,
  );
  assert.equal(model(r).pods.length, 4);
});

test('per-request timeout: a slow resource is reported, the others are read', async () => {
  h = await startHarness();
  h.server.fault('services', { type: 'delay', ms: 60_000 });
  const r = await pull(h.kubeconfig(), { requestTimeoutMs: 2000 });
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].reason, 'TIMEOUT');
  assert.match(
    r.problems[0].message,
    /cannot list services at cluster scope: the API server did not answer in time \(no complete answer within 2 s\); Services missing/,
  );
  assert.equal(model(r).pods.length, 9);
  assert.equal(model(r).services.length, 0);
});

test('overall deadline: a hanging list is abandoned, what was read is kept', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'hang' });
  const r = await pull(h.kubeconfig(), { overallTimeoutMs: 2500, concurrency: 1 });
  assert.equal(r.complete, false);
  assert.equal(r.cancelled, false);
  assert.equal(model(r).nodes.length, 1, 'nodes were listed before pods');
  const timeout = r.problems.find((p) => p.reason === 'Timeout');
  assert.match(
    timeout?.message ?? '',
    /^the overall deadline of 2.5 s passed; stopped while reading: pods; not read: .*endpointslices\.discovery\.k8s\.io.*; what was read is kept$/,
  );
});

test('connection reset on one resource: reported, the others are read', async () => {
  h = await startHarness();
  h.server.fault('services', { type: 'reset' });
  const r = await pull(h.kubeconfig());
  assert.equal(r.problems.length, 1);
  assert.match(
    r.problems[0].message,
    /cannot list services at cluster scope: the connection to https:\/\/127\.0\.0\.1:\d+ was reset mid-request/,
  );
  assert.equal(model(r).pods.length, 9);
});

test('a response cut off mid-body is a reset, not a crash', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'truncate' });
  const r = await pull(h.kubeconfig());
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].resource, 'pods');
  assert.equal(model(r).pods.length, 0);
  assert.equal(model(r).services.length, 3);
});

test('cancel: the caller aborts, the pull returns promptly with what it had', async () => {
  h = await startHarness();
  h.server.fault('services', { type: 'hang' });
  const ac = new AbortController();
  const r = await pull(h.kubeconfig(), {
    signal: ac.signal,
    concurrency: 1,
    onProgress: (p) => {
      if (p.step.startsWith('pods')) setTimeout(() => ac.abort(), 50);
    },
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.complete, false);
  assert.equal(model(r).pods.length, 9);
  assert.ok(
    r.problems.every((p) => p.severity === 'info'),
    messages(r).join('\n'),
  );
  assert.ok(messages(r).some((m) => /cancelled/.test(m)));
});

test('an unknown context is a clear error, nothing is sent', async () => {
  h = await startHarness();
  const r = await pull(h.kubeconfig(), { context: 'prod' });
  assert.deepEqual(messages(r), ["Context 'prod' is not in the kubeconfig (contexts: fake)."]);
  assert.equal(h.server.requests.length, 0);
});

test('a missing kubeconfig file is a clear error (no fallback to localhost:8080)', async () => {
  h = await startHarness();
  const r = await pull(`${h.dir}/nope`);
  assert.match(messages(r)[0], /^No kubeconfig file found \(looked at .*nope\)\.$/);
  assert.equal(h.server.requests.length, 0);
});

test('the token never appears in any message', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'status', code: 500 });
  h.server.fault('services', { type: 'status', code: 403 });
  const r = await pull(h.kubeconfig());
  assert.equal(r.problems.length, 2);
  assert.ok(!JSON.stringify(r).includes(TOKEN));
});

test('a ConfigMap that exists but holds nothing usable is a note, not a failure', async () => {
  h = await startHarness();
  h.server.setObjects('configmaps', [
    { metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: '.:53 {\n  forward . 8.8.8.8\n}\n' } },
  ]);
  const r = await pull(h.kubeconfig());
  assert.equal(r.complete, true);
  assert.ok(
    messages(r).includes(
      'ConfigMap kube-system/coredns was read but holds no usable Corefile kubernetes plugin; cluster domain and CoreDNS loadbalance unknown (cluster.local assumed)',
    ),
    messages(r).join('\n'),
  );
  assert.equal(model(r).all('ClusterDns').length, 0);
});

test('namespace-scoped RBAC: a forbidden cluster-wide list falls back to the context namespace', async () => {
  h = await startHarness();
  // A Role in kube-system only: every cluster-wide list of namespaced resources is forbidden.
  for (const r of [
    'pods',
    'services',
    'endpointslices.discovery.k8s.io',
    'deployments.apps',
    'statefulsets.apps',
    'daemonsets.apps',
  ]) {
    h.server.fault(r, { type: 'status', code: 403, clusterScope: true });
    for (const ns of ['default', 'kube-flannel']) h.server.fault(r, { type: 'status', code: 403, namespace: ns });
  }
  const r = await pull(h.kubeconfig({ namespace: 'kube-system' }));
  assert.equal(r.complete, false);
  assert.ok(
    messages(r).includes(
      "cannot list pods at cluster scope: RBAC forbids (403); read namespace kube-system only (the context's namespace) — other namespaces unknown",
    ),
    messages(r).join('\n'),
  );
  const m = model(r);
  assert.deepEqual(m.pods.map((p) => p.namespace).sort(), ['kube-system', 'kube-system', 'kube-system']);
  assert.equal(m.findService('kube-dns', 'kube-system')?.clusterIP, '10.96.0.10');
  assert.equal(m.endpointSlices.length, 1);
  assert.ok(h.server.requests.some((q) => q.path === '/api/v1/namespaces/kube-system/pods'));
});

test('forbidden in the context namespace too: one problem that says so', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'status', code: 403 });
  const r = await pull(h.kubeconfig());
  assert.deepEqual(messages(r), [
    'cannot list pods at cluster scope: RBAC forbids (403); Pods missing — pod IPs, nodes and labels unknown (namespace default is forbidden too)',
  ]);
});

test('429 Too Many Requests (API Priority and Fairness): waits Retry-After and retries', async () => {
  h = await startHarness();
  h.server.fault('pods', { type: 'status', code: 429, times: 1 });
  const r = await pull(h.kubeconfig());
  assert.equal(r.complete, true);
  assert.equal(model(r).pods.length, 9);
  assert.deepEqual(messages(r), ['the API server throttled the list of pods (429); waited 1 s and retried']);
  assert.equal(h.server.requests.filter((q) => q.path === '/api/v1/pods').length, 2);
});
