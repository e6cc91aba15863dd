/**
 * Pulls a large synthetic cluster (10,000 pods, 5,000 Services, 5,000 EndpointSlices,
 * 100 nodes) from the fake API server into a ClusterModel, then times kubectl reading
 * the same lists from the same server. The server runs in a child process so the
 * memory figures are the reader's own. Prints figures; asserts nothing about time.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterModel } from '../src/model';
import { pullCluster } from '../src/cluster';
import { createTestPki, FakeApiServer, writeKubeconfig, type KubeObject } from '../test/support/fake-apiserver';

const PODS = 10_000;
const SERVICES = 5_000;
const NODES = 100;
const NAMESPACES = 100;
const TOKEN = 'bench-token-1f0e9d8c';

function synthetic(): Record<string, KubeObject[]> {
  const ns = (index: number) => `team-${String(index % NAMESPACES).padStart(3, '0')}`;
  const ip = (index: number) => `10.${244 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${index % 256}`;
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    metadata: {
      name: `node-${i}`,
      uid: `n-${i}`,
      resourceVersion: '1',
      labels: { 'kubernetes.io/hostname': `node-${i}` },
      annotations: {
        'flannel.alpha.coreos.com/backend-data': `{"VNI":1,"VtepMAC":"02:42:ac:11:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}"}`,
        'flannel.alpha.coreos.com/backend-type': 'vxlan',
        'flannel.alpha.coreos.com/public-ip': `172.30.${i >> 8}.${i & 255}`,
      },
    },
    spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`] },
    status: {
      addresses: [
        { type: 'InternalIP', address: `172.30.${i >> 8}.${i & 255}` },
        { type: 'Hostname', address: `node-${i}` },
      ],
    },
  }));
  const pods = Array.from({ length: PODS }, (_, i) => {
    const app = `app-${Math.floor(i / 2) % SERVICES}`;
    return {
      metadata: {
        name: `${app}-5f7c9d8b6-${i.toString(36).padStart(5, 'x')}`,
        namespace: ns(Math.floor(i / 2)),
        uid: `p-${i}`,
        resourceVersion: String(1000 + i),
        creationTimestamp: '2024-11-03T14:20:11Z',
        labels: { app, 'pod-template-hash': '5f7c9d8b6' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${app}-5f7c9d8b6`,
            uid: `rs-${i >> 1}`,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        nodeName: `node-${i % NODES}`,
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            imagePullPolicy: 'IfNotPresent',
          },
        ],
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        serviceAccountName: 'default',
        schedulerName: 'default-scheduler',
      },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-11-03T14:20:14Z' },
        ],
        hostIP: `172.30.0.${i % NODES}`,
        podIP: ip(i),
        podIPs: [{ ip: ip(i) }],
        startTime: '2024-11-03T14:20:11Z',
        qosClass: 'BestEffort',
      },
    };
  });
  const services = Array.from({ length: SERVICES }, (_, i) => ({
    metadata: {
      name: `app-${i}`,
      namespace: ns(i),
      uid: `s-${i}`,
      resourceVersion: String(50_000 + i),
      labels: { app: `app-${i}` },
    },
    spec: {
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }],
      selector: { app: `app-${i}` },
      clusterIP: `10.96.${i >> 8}.${i & 255}`,
      clusterIPs: [`10.96.${i >> 8}.${i & 255}`],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  }));
  const slices = Array.from({ length: SERVICES }, (_, i) => ({
    metadata: {
      name: `app-${i}-abcde`,
      namespace: ns(i),
      uid: `e-${i}`,
      resourceVersion: String(60_000 + i),
      labels: {
        'kubernetes.io/service-name': `app-${i}`,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: [0, 1].map((endpointIndex) => ({
      addresses: [ip(2 * i + endpointIndex)],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: `node-${(2 * i + endpointIndex) % NODES}`,
      targetRef: {
        kind: 'Pod',
        namespace: ns(i),
        name: pods[2 * i + endpointIndex].metadata.name,
        uid: `p-${2 * i + endpointIndex}`,
      },
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  }));
  return { nodes, pods, services, 'endpointslices.discovery.k8s.io': slices };
}

/** Child process: serve the synthetic cluster, report URL and request count over IPC. */
async function serve(): Promise<void> {
  const { cert, key } = await new Promise<{ cert: string; key: string }>((resolve) =>
    process.once('message', resolve as never),
  );
  // Compress large answers like kube-apiserver does (both the reader and kubectl ask for gzip).
  const server = new FakeApiServer({ cert, key, token: TOKEN, compress: true });
  for (const [resource, items] of Object.entries(synthetic())) server.setObjects(resource, items);
  await server.start();
  process.send!({ url: server.url });
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'count')
      process.send!({
        requests: server.requests.length,
        bytes: server.bytesSent,
        methods: [...new Set(server.requests.map((request) => request.method))],
      });
    if (message.cmd === 'stop') void server.close().then(() => process.exit(0));
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const pki = createTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'kpp-bench-cluster-'));
  const child = fork(__filename, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(msg: unknown) =>
    new Promise<T>((resolve) => {
      child.once('message', resolve as never);
      child.send(msg as never);
    });
  try {
    const { url } = await ask<{ url: string }>({ cert: pki.serverCert, key: pki.serverKey });
    const kubeconfig = writeKubeconfig(dir, 'kubeconfig', { server: url, caPem: pki.caCert, token: TOKEN });
    console.log(
      `machine: ${cpus().length} CPUs, load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} (timings are noisy under load)`,
    );
    console.log(
      `synthetic cluster: ${PODS} pods, ${SERVICES} services, ${SERVICES} endpointslices, ${NODES} nodes in ${NAMESPACES} namespaces`,
    );

    // Models are kept alive on purpose so each run's "retained" is its own model only.
    const keep: ClusterModel[] = [];
    let sentBefore = 0;
    for (const pageSize of [500, 100]) {
      global.gc?.();
      const before = process.memoryUsage();
      let peakHeap = before.heapUsed;
      let peakRss = before.rss;
      const sampler = setInterval(() => {
        const memory = process.memoryUsage();
        peakHeap = Math.max(peakHeap, memory.heapUsed);
        peakRss = Math.max(peakRss, memory.rss);
      }, 5);
      const model = new ClusterModel();
      keep.push(model);
      const t0 = performance.now();
      const pulled = await pullCluster({
        kubeconfigPaths: [kubeconfig],
        allowCredentialPlugins: false,
        sink: model,
        pageSize,
      });
      const ms = performance.now() - t0;
      clearInterval(sampler);
      global.gc?.();
      const retained = process.memoryUsage().heapUsed - before.heapUsed;
      // Used after the measurement so the model is still alive when it is taken.
      const ipLookups = model.byIp('10.244.0.7').length;
      const objects = Object.values(pulled.counts).reduce((sum, count) => sum + count, 0);
      console.log(
        `reader (limit=${pageSize}): ${ms.toFixed(0)} ms, ${pulled.requests} requests, ${JSON.stringify(pulled.counts)}, problems ${pulled.problems.length} (the 3 ConfigMaps are absent on purpose), ${Math.round(objects / (ms / 1000))} objects/s`,
      );
      const sent = await ask<{ bytes: number }>({ cmd: 'count' });
      const wire = sent.bytes - sentBefore;
      sentBefore = sent.bytes;
      console.log(
        `  ${(wire / 1024 / 1024).toFixed(1)} MB on the wire (gzip), heap peak +${mb(peakHeap - before.heapUsed)}, rss peak ${mb(peakRss)}, model retained +${mb(retained)} (byIp works: ${ipLookups} owners)`,
      );
    }
    const { requests, methods, bytes } = await ask<{ requests: number; bytes: number; methods: string[] }>({
      cmd: 'count',
    });
    console.log(`server saw ${requests} requests in total, methods: ${methods.join(',')}`);

    const kubectl = '/usr/bin/kubectl';
    const t0 = performance.now();
    const res = await new Promise<{ code: number | null; bytes: number; stderr: string }>((resolve) => {
      const pullProcess = spawn(
        '/usr/bin/time',
        [
          '-f',
          'maxrss_kb=%M',
          kubectl,
          '--kubeconfig',
          kubeconfig,
          '--cache-dir',
          join(dir, 'cache'),
          '--request-timeout=60s',
          'get',
          'pods,services,endpointslices',
          '-A',
          '-o',
          'json',
        ],
        { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let bytes = 0;
      let stderr = '';
      pullProcess.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      pullProcess.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const timer = setTimeout(() => pullProcess.kill(), 120_000);
      pullProcess.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, bytes, stderr });
      });
    });
    const kms = performance.now() - t0;
    const after = await ask<{ requests: number; bytes: number }>({ cmd: 'count' });
    const rss = /maxrss_kb=(\d+)/.exec(res.stderr)?.[1];
    console.log(
      `kubectl get pods,services,endpointslices -A -o json: ${kms.toFixed(0)} ms, exit ${res.code}, ${(res.bytes / 1024 / 1024).toFixed(1)} MB JSON, ${after.requests - requests} requests, ${((after.bytes - bytes) / 1024 / 1024).toFixed(1)} MB on the wire${rss ? `, max RSS ${(Number(rss) / 1024).toFixed(0)} MB` : ''}`,
    );
  } finally {
    child.send({ cmd: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    pki.dispose();
  }
}

if (process.argv[2] === 'serve') void serve();
else
  void main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
