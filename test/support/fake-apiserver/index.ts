/** A fake Kubernetes API server for tests and benchmarks (127.0.0.1 only). */
export { FakeApiServer, type Fault, type KubeObject, type RecordedRequest } from './server';
export { createTestPki, type TestPki } from './certs';
export { writeKubeconfig, kubeconfigObject, type KubeconfigSpec } from './kubeconfig';
export { loadSeedCluster, SEED_FIXTURE_DIR } from './seed';
