/**
 * The optional watch (kubePacketPath.cluster.watch) on a large synthetic cluster: 10,000
 * pods and 5,000 EndpointSlices served by the fake API server in this process. Figures:
 * list+watch start, delivery of a burst of EndpointSlice changes, and the model rebuild
 * the editor does per published change (pull facts + watched facts → ClusterModel).
 * Prints figures; asserts nothing about time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterModel } from '../src/model';
import { watchCluster, type WatchChange } from '../src/cluster';
import { createTestPki, FakeApiServer, writeKubeconfig, type KubeObject } from '../test/support/fake-apiserver';

const PODS = 10_000;
const SLICES = 5_000;
const BURST = 2_000;
const TOKEN = 'bench-token-watch-4c1d';
const ns = (index: number) => `team-${String(index % 100).padStart(3, '0')}`;
const ip = (index: number) => `10.${244 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${index % 256}`;

const pods = Array.from({ length: PODS }, (_, i) => ({
  metadata: { name: `app-${i >> 1}-${i}`, namespace: ns(i >> 1), uid: `p-${i}`, labels: { app: `app-${i >> 1}` } },
  spec: {
    nodeName: `node-${i % 100}`,
    containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
  },
  status: { phase: 'Running', podIP: ip(i), podIPs: [{ ip: ip(i) }], conditions: [{ type: 'Ready', status: 'True' }] },
})) as unknown as KubeObject[];
const slice = (index: number, extra = 0) =>
  ({
    metadata: {
      name: `app-${index}-abcde`,
      namespace: ns(index),
      uid: `e-${index}`,
      labels: { 'kubernetes.io/service-name': `app-${index}` },
    },
    addressType: 'IPv4',
    endpoints: [0, 1, ...(extra ? [2] : [])].map((endpointIndex) => ({
      addresses: [ip((2 * index + endpointIndex) % PODS)],
      conditions: { ready: true },
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  }) as unknown as KubeObject;

async function main(): Promise<void> {
  const pki = createTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'kpp-bench-watch-'));
  const server = new FakeApiServer({ cert: pki.serverCert, key: pki.serverKey, token: TOKEN });
  server.setObjects('pods', pods).setObjects(
    'endpointslices.discovery.k8s.io',
    Array.from({ length: SLICES }, (_, i) => slice(i)),
  );
  await server.start();
  const abort = new AbortController();
  try {
    const kubeconfig = writeKubeconfig(dir, 'kubeconfig', { server: server.url, caPem: pki.caCert, token: TOKEN });
    let modified = 0;
    let last: WatchChange | undefined;
    let allArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      allArrived = resolve;
    });
    const t0 = performance.now();
    const done = watchCluster({
      kubeconfigPaths: [kubeconfig],
      allowCredentialPlugins: false,
      signal: abort.signal,
      onChange: (change) => {
        last = change;
        if (change.type === 'MODIFIED' && ++modified === BURST) allArrived();
      },
    });
    while (server.openWatches < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < BURST; i++) server.upsert('endpointslices', slice(i, 1));
    await arrived;
    const burst = performance.now() - t1;
    // What the editor does per published change: rebuild the model (here the watched facts only;
    // the editor adds the pull's other kinds, a few thousand facts more on this scale).
    const t2 = performance.now();
    const facts = last!.facts();
    const gathered = performance.now() - t2;
    const t3 = performance.now();
    const model = new ClusterModel().add(facts);
    void model.byIp(ip(1));
    const rebuilt = performance.now() - t3;
    abort.abort();
    const end = await done;
    console.log(`watch of ${PODS} pods + ${SLICES} EndpointSlices (fake API server in-process, 127.0.0.1):`);
    console.log(`  list + both watch streams open     ${started.toFixed(0)} ms`);
    console.log(
      `  ${BURST} EndpointSlice changes delivered ${burst.toFixed(0)} ms (${((burst / BURST) * 1000).toFixed(0)} µs each, server + client)`,
    );
    console.log(`  facts() of all watched objects     ${gathered.toFixed(1)} ms (${facts.length} facts)`);
    console.log(
      `  model rebuild + IP index           ${rebuilt.toFixed(1)} ms  (the editor publishes at most every 300 ms)`,
    );
    console.log(
      `  GET requests                       ${end.requests}; methods seen by the server: ${[...new Set(server.requests.map((request) => request.method))].join(', ')}`,
    );
  } finally {
    abort.abort();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    pki.dispose();
  }
}

void main();
