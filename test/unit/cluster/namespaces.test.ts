import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listNamespaceNames, summarizePull } from '../../../src/cluster';
import { disposePki, sharedPki, startHarness, type Harness } from './harness';

let h: Harness;
before(async () => {
  sharedPki();
  h = await startHarness();
});
after(async () => {
  await h?.dispose();
  disposePki();
});

test('namespace names for the picker, read with GET only', async () => {
  h.server.setObjects(
    'namespaces',
    ['default', 'kube-system', 'kube-flannel', 'kube-public'].map((name) => ({ metadata: { name } })),
  );
  const r = await listNamespaceNames({ kubeconfigPaths: [h.kubeconfig()], allowCredentialPlugins: false });
  assert.equal(r.context, 'fake');
  assert.deepEqual(r.names, ['default', 'kube-flannel', 'kube-public', 'kube-system']);
  assert.equal(r.problem, undefined);
  assert.deepEqual([...new Set(h.server.requests.map((q) => q.method))], ['GET']);
});

test('namespaces forbidden: empty list and the reason', async () => {
  h.server.fault('namespaces', { type: 'status', code: 403 });
  const r = await listNamespaceNames({ kubeconfigPaths: [h.kubeconfig()], allowCredentialPlugins: false });
  assert.deepEqual(r.names, []);
  assert.equal(
    r.problem?.message,
    'cannot list namespaces at cluster scope: RBAC forbids (403); pick namespaces by name instead',
  );
  h.server.clearFaults();
});

test('pull summary: counts with singular/plural and the worst problem level', () => {
  const s = summarizePull({
    context: 'fake',
    cancelled: false,
    complete: false,
    counts: { nodes: 1, pods: 9, services: 3, endpointslices: 0, configmaps: 1 },
    problems: [
      {
        severity: 'warning',
        message:
          'cannot list endpointslices.discovery.k8s.io in namespace default: RBAC forbids (403); EndpointSlices missing — endpoints of Services unknown',
      },
      { severity: 'info', message: 'ConfigMap coredns not found' },
    ],
  });
  assert.equal(
    s.headline,
    "Read 9 pods, 3 Services, 0 EndpointSlices, 1 node, 1 network ConfigMap from context 'fake' — 1 warning",
  );
  assert.equal(s.level, 'warning');
  assert.equal(s.details[0].startsWith('[warning] cannot list endpointslices'), true);
  assert.equal(
    summarizePull({ context: 'c', cancelled: true, complete: false, counts: {}, problems: [] }).headline,
    "Read nothing from context 'c' (cancelled)",
  );
});
