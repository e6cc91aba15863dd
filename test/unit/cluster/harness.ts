/** Shared setup for the cluster tests: one PKI per file, a fresh fake server and temp dir per test. */
import { after, afterEach, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { ClusterModel } from '../../../src/model';
import { pullCluster } from '../../../src/cluster';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestPki,
  FakeApiServer,
  loadSeedCluster,
  writeKubeconfig,
  type KubeconfigSpec,
  type TestPki,
} from '../../support/fake-apiserver';

export const TOKEN = 'fake-token-3f9c2a7e51b84d06';

export interface Harness {
  pki: TestPki;
  server: FakeApiServer;
  dir: string;
  /** Writes a kubeconfig for this server (token + CA by default) and returns its path. */
  kubeconfig(spec?: Partial<KubeconfigSpec>, file?: string): string;
  dispose(): Promise<void>;
}

let pki: TestPki | undefined;

export function sharedPki(): TestPki {
  pki ??= createTestPki();
  return pki;
}

export function disposePki(): void {
  pki?.dispose();
  pki = undefined;
}

export async function startHarness(options: { seed?: boolean; compress?: boolean } = {}): Promise<Harness> {
  const p = sharedPki();
  const server = new FakeApiServer({ cert: p.serverCert, key: p.serverKey, token: TOKEN, compress: options.compress });
  if (options.seed !== false) loadSeedCluster(server);
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'kpp-cluster-test-'));
  return {
    pki: p,
    server,
    dir,
    kubeconfig: (spec = {}, file = 'kubeconfig') =>
      writeKubeconfig(dir, file, { server: server.url, caPem: p.caCert, token: TOKEN, ...spec }),
    dispose: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The usual lifecycle for a test file: the PKI made once, each test's harness (from `start`)
 * checked with `check` and disposed after the test, the PKI removed at the end.
 */
export function harnessPerTest(check?: (h: Harness) => void): {
  start(options?: { seed?: boolean }): Promise<Harness>;
} {
  let current: Harness | undefined;
  before(() => {
    sharedPki();
  });
  afterEach(async () => {
    const h = current;
    current = undefined;
    try {
      if (h) check?.(h);
    } finally {
      await h?.dispose();
    }
  });
  after(() => disposePki());
  return { start: async (options) => (current = await startHarness(options)) };
}

/** A loopback port nothing listens on (ECONNREFUSED). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A pull with the tests' usual bounds (5 s per request, 20 s in all), into a fresh model. */
export const pullFrom = (kubeconfig: string, extra: Partial<Parameters<typeof pullCluster>[0]> = {}) =>
  pullCluster({
    kubeconfigPaths: [kubeconfig],
    allowCredentialPlugins: false,
    sink: new ClusterModel(),
    requestTimeoutMs: 5000,
    overallTimeoutMs: 20_000,
    ...extra,
  });
