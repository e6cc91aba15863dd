// What the editor says after a cluster read: a real pull against a closed loopback port (the
// kernel refuses the connection) and one against a context the kubeconfig does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullCluster, summarizePull } from '../../../src/cluster';
import { ClusterModel } from '../../../src/model';
import { closedPort } from '../cluster/harness';
import { pullLogLines, pullMessage, statusBarContext } from '../../../src/editor/cluster/messages.pure';

async function pullFrom(server: string, context?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-msg-'));
  try {
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'lab', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'lab', user: { token: 'not-a-real-token' } }],
        contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab' } }],
        'current-context': 'lab',
      }),
    );
    const result = await pullCluster({
      kubeconfigPaths: [kubeconfig],
      context,
      allowCredentialPlugins: false,
      sink: new ClusterModel(),
      requestTimeoutMs: 5000,
      overallTimeoutMs: 20_000,
    });
    return { result, summary: summarizePull(result) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a refused connection: the notification says why, the log has no placeholder and no doubled level', async () => {
  const port = await closedPort();
  const { result, summary } = await pullFrom(`https://127.0.0.1:${port}`);
  assert.equal(summary.headline, "Read nothing from context 'lab' — 1 error");
  assert.match(pullMessage(summary, result.problems), /— 1 error: cannot reach https:\/\/127\.0\.0\.1:\d+: .*refused/);
  const lines = pullLogLines(summary, result);
  assert.deepEqual(
    lines.map((l) => l.level),
    ['info', 'error'],
  );
  for (const line of lines) {
    assert.doesNotMatch(line.text, /\bto \?|\[error\]|\[warning\]|undefined/, line.text);
  }
  assert.match(lines[0].text, /\(no request was sent: the API server was never reached\)$/);
});

test('a context the kubeconfig lacks: the reason is in the notification too', async () => {
  const { result, summary } = await pullFrom('https://127.0.0.1:1', 'nowhere');
  const message = pullMessage(summary, result.problems);
  assert.match(message, /^Read nothing from context 'nowhere' — 1 error: .*nowhere/);
});

test('status bar: no kubeconfig file is said so, instead of "current context" and a path that is not there', () => {
  const paths = ['/home/me/.kube/config'];
  assert.deepEqual(statusBarContext({ contextSetting: '', kubeconfigPaths: paths }), { label: 'current context' });
  const none = statusBarContext({ contextSetting: '', kubeconfigPaths: paths, missingKubeconfigs: paths });
  assert.equal(none.label, 'no kubeconfig');
  assert.match(none.problem!, /^No kubeconfig found at \/home\/me\/\.kube\/config: set kubePacketPath\.kubeconfig/);
  assert.deepEqual(
    statusBarContext({ contextSetting: '', fileContext: 'kind-lab', kubeconfigPaths: paths, missingKubeconfigs: [] }),
    { label: 'kind-lab' },
  );
  assert.match(
    statusBarContext({ contextSetting: '', kubeconfigPaths: paths, missingKubeconfigs: [] }).problem!,
    /sets no current-context/,
  );
});

test('the status bar does not judge a newly chosen kubeconfig by the read of the previous one', () => {
  const before = ['/home/me/.kube/config'];
  const now = ['/home/me/lab/kubeconfig'];
  // The setting named another file after ~/.kube/config was found missing: unread, not "no kubeconfig".
  const changed = { contextSetting: '', kubeconfigPaths: now, missingKubeconfigs: before, readKubeconfigPaths: before };
  assert.deepEqual(statusBarContext(changed), { label: 'current context' });
  const oldContext = { ...changed, fileContext: 'kind-old', missingKubeconfigs: [] };
  assert.deepEqual(statusBarContext(oldContext), { label: 'current context' });
  // Once that file is read, its own result counts.
  assert.deepEqual(
    statusBarContext({ ...changed, fileContext: 'kind-lab', missingKubeconfigs: [], readKubeconfigPaths: now }),
    { label: 'kind-lab' },
  );
  assert.equal(
    statusBarContext({ ...changed, readKubeconfigPaths: now, missingKubeconfigs: now }).label,
    'no kubeconfig',
  );
});
