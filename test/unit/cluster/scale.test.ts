import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fact } from '../../../src/model';
import { listKubeContexts, pullCluster } from '../../../src/cluster';
import { writeKubeconfig } from '../../support/fake-apiserver';
import { disposePki, sharedPki, startHarness, TOKEN, type Harness } from './harness';

let h: Harness;
before(() => {
  sharedPki();
});
afterEach(async () => {
  await h?.dispose();
});
after(() => disposePki());

const pods = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    metadata: { name: `p-${String(i).padStart(5, '0')}`, namespace: `ns-${i % 7}` },
    spec: { nodeName: 'node1', containers: [{ name: 'c' }] },
    status: { podIP: `10.${244 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` },
  }));

test('a large list arrives in bounded pages: the sink never gets more than one page at a time', async () => {
  h = await startHarness({ seed: false });
  h.server.setObjects('pods', pods(2500));
  const batches: number[] = [];
  const sink = {
    add: (facts: Fact[]) => {
      if (facts.some((f) => f.kind === 'Pod')) batches.push(facts.length);
    },
  };
  const r = await pullCluster({
    kubeconfigPaths: [h.kubeconfig()],
    allowCredentialPlugins: false,
    sink,
    pageSize: 200,
  });
  assert.equal(r.counts.pods, 2500);
  assert.equal(batches.length, 13);
  assert.ok(Math.max(...batches) <= 200);
  assert.equal(
    batches.reduce((a, b) => a + b, 0),
    2500,
  );
  assert.equal(h.server.requests.filter((q) => q.path === '/api/v1/pods').length, 13);
});

test('an answer over the size cap is refused, not buffered', async () => {
  h = await startHarness({ seed: false });
  h.server.setObjects('pods', pods(300));
  const r = await pullCluster({
    kubeconfigPaths: [h.kubeconfig()],
    allowCredentialPlugins: false,
    maxResponseBytes: 16 * 1024,
  });
  const p = r.problems.find((x) => x.resource === 'pods');
  assert.equal(p?.reason, 'TOO_LARGE');
  assert.match(
    p.message,
    /cannot list pods at cluster scope: the answer was too large \(response larger than 16384 bytes\)/,
  );
  assert.equal(r.counts.services, 0, 'small answers still pass');
});

test('insecure-skip-tls-verify works but is called out', async () => {
  h = await startHarness();
  const r = await pullCluster({
    kubeconfigPaths: [h.kubeconfig({ caPem: undefined, insecureSkipTlsVerify: true })],
    allowCredentialPlugins: false,
  });
  assert.equal(r.counts.pods, 9);
  assert.deepEqual(
    r.problems.map((p) => p.reason),
    ['InsecureSkipTLSVerify'],
  );
});

test('several kubeconfig files merge like kubectl: first current-context and first definition win', async () => {
  h = await startHarness({ seed: false });
  const a = writeKubeconfig(h.dir, 'a', { server: 'https://127.0.0.1:1', token: TOKEN, context: 'dev' });
  const b = writeKubeconfig(h.dir, 'b', { server: 'https://127.0.0.1:2', token: TOKEN, context: 'prod' });
  const c = writeKubeconfig(h.dir, 'c', { server: 'https://127.0.0.1:3', token: TOKEN, context: 'dev' });
  const l = listKubeContexts([a, `${h.dir}/missing`, b, c]);
  assert.equal(l.current, 'dev');
  assert.deepEqual(
    l.contexts.map((x) => `${x.name}=${x.server}`),
    ['dev=https://127.0.0.1:1', 'prod=https://127.0.0.1:2'],
  );
});

test('gzip answers (as kube-apiserver sends for large lists) are decompressed; the size cap counts decompressed bytes', async () => {
  h = await startHarness({ seed: false, compress: true });
  h.server.setObjects('pods', pods(2500));
  const r = await pullCluster({ kubeconfigPaths: [h.kubeconfig()], allowCredentialPlugins: false, pageSize: 2500 });
  assert.equal(r.counts.pods, 2500);
  assert.deepEqual(
    r.problems.filter((p) => p.resource !== 'configmaps'),
    [],
    'only the absent ConfigMaps are noted',
  );
  const raw = JSON.stringify({ items: pods(2500) }).length;
  assert.ok(h.server.bytesSent < raw / 4, `sent ${h.server.bytesSent} bytes for ${raw} bytes of JSON`);
  const capped = await pullCluster({
    kubeconfigPaths: [h.kubeconfig()],
    allowCredentialPlugins: false,
    pageSize: 2500,
    maxResponseBytes: 200 * 1024,
  });
  assert.equal(capped.problems.find((p) => p.resource === 'pods')?.reason, 'TOO_LARGE');
});
