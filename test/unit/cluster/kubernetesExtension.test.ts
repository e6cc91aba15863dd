import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostKubeconfigPath, serviceOfExplorerNode } from '../../../src/editor/cluster/explorerNode.pure';
import { currentContextInText, currentContextOfFiles } from '../../../src/cluster/kubeconfigText';
import { clusterAccessPolicy } from '../../../src/cluster/policy';

const svcKind = { manifestKind: 'Service', abbreviation: 'service' };

test('a Cluster Explorer Service node becomes the Service to trace (namespace from the node, else its metadata)', () => {
  assert.deepEqual(
    serviceOfExplorerNode({ nodeType: 'resource', namespace: 'kube-system', name: 'kube-dns', resourceKind: svcKind }),
    { kind: 'Service', name: 'kube-dns', namespace: 'kube-system' },
  );
  assert.deepEqual(
    serviceOfExplorerNode({
      nodeType: 'resource',
      namespace: null,
      name: 'a-app',
      resourceKind: { manifestKind: 'Service', abbreviation: 'svc' },
      metadata: { namespace: 'shop' },
    }),
    { kind: 'Service', name: 'a-app', namespace: 'shop' },
  );
  // No namespace anywhere: the trace command's default applies.
  assert.deepEqual(
    serviceOfExplorerNode({ nodeType: 'resource', namespace: null, name: 'a-app', resourceKind: svcKind }),
    { kind: 'Service', name: 'a-app' },
  );
  // Some versions show kubectl-style names.
  assert.deepEqual(
    serviceOfExplorerNode({ nodeType: 'resource', namespace: 'default', name: 'service/a-app', resourceKind: svcKind }),
    { kind: 'Service', name: 'a-app', namespace: 'default' },
  );
});

test('nodes that are not Services are refused with a reason', () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /no Cluster Explorer node/],
    [{ nodeType: 'context', name: 'kind-kind' }, /context, not a Service/],
    [{ nodeType: 'folder.resource', resourceKind: svcKind }, /folder\.resource, not a Service/],
    [
      {
        nodeType: 'resource',
        namespace: 'default',
        name: 'a-app',
        resourceKind: { manifestKind: 'Deployment', abbreviation: 'deployment' },
      },
      /Deployment, not a Service/,
    ],
    [{ nodeType: 'resource', namespace: 'default', name: '', resourceKind: svcKind }, /no name/],
  ];
  for (const [node, why] of cases) {
    const r = serviceOfExplorerNode(node);
    assert.ok('problem' in r, JSON.stringify(node));
    assert.match(r.problem, why);
  }
});

test("the Kubernetes extension's kubeconfig path: host paths only", () => {
  assert.equal(hostKubeconfigPath({ pathType: 'host', hostPath: '/home/u/.kube/dev' }), '/home/u/.kube/dev');
  assert.equal(hostKubeconfigPath({ pathType: 'wsl', wslPath: '/home/u/.kube/config' }), undefined);
  assert.equal(hostKubeconfigPath({ pathType: 'host', hostPath: '  ' }), undefined);
  assert.equal(hostKubeconfigPath(undefined), undefined);
});

test("policy: our setting wins, then the Kubernetes extension's kubeconfig, then KUBECONFIG", () => {
  const base = {
    trusted: true,
    workspaceFolders: ['/home/u/project'],
    homeDir: '/home/u',
    platform: 'linux' as const,
    envKubeconfig: '/etc/kube/a',
  };
  const ext = clusterAccessPolicy({ ...base, kubernetesExtensionKubeconfig: '/home/u/.kube/dev' });
  assert.equal(ext.origin, 'kubernetes-extension');
  assert.deepEqual(ext.kubeconfigPaths, ['/home/u/.kube/dev']);
  assert.match(ext.reason, /Kubernetes extension's kubeconfig/);
  assert.equal(ext.allowCredentialPlugins, true);
  assert.equal(
    clusterAccessPolicy({ ...base, kubeconfigPath: '/x/kc', kubernetesExtensionKubeconfig: '/home/u/.kube/dev' })
      .origin,
    'setting',
  );
  assert.equal(clusterAccessPolicy({ ...base, kubernetesExtensionKubeconfig: '' }).origin, 'KUBECONFIG');
  // Inside the workspace, its plugins are refused like any workspace kubeconfig; untrusted: nothing.
  assert.equal(
    clusterAccessPolicy({ ...base, kubernetesExtensionKubeconfig: '/home/u/project/kc' }).allowCredentialPlugins,
    false,
  );
  assert.equal(
    clusterAccessPolicy({ ...base, trusted: false, kubernetesExtensionKubeconfig: '/home/u/.kube/dev' }).allowed,
    false,
  );
});

test('current-context read as text from YAML and JSON kubeconfigs, first file that sets it wins', () => {
  assert.equal(
    currentContextInText('apiVersion: v1\nclusters: []\ncurrent-context: kind-kind\nkind: Config\n'),
    'kind-kind',
  );
  assert.equal(
    currentContextInText('current-context: "arn:aws:eks:eu-west-1:1234:cluster/prod" # eks\n'),
    'arn:aws:eks:eu-west-1:1234:cluster/prod',
  );
  assert.equal(currentContextInText("current-context: 'it''s'\n"), "it's");
  assert.equal(currentContextInText('current-context: ""\n'), undefined);
  assert.equal(currentContextInText('contexts:\n- name: x\n  current-context: nested\n'), undefined);
  assert.equal(currentContextInText('{"apiVersion":"v1","current-context":"fake","contexts":[]}'), 'fake');
  assert.equal(
    currentContextOfFiles([undefined, 'kind: Config\n', 'current-context: b\n', 'current-context: c\n']),
    'b',
  );
});

test('current-context as text: the forms the old single regex read, and a hostile line read whole', () => {
  const cases: [string, string | undefined][] = [
    ['current-context: plain-name   # comment\n', 'plain-name'],
    ['current-context:\tx#y\n', 'x'],
    ['current-context: "a \\"b\\"" \n', 'a "b"'],
    ['current-context: "abc" x\n', '"abc" x'],
    ["current-context: '' # empty\n", undefined],
    ['current-context: ~\n', undefined],
    ['current-context: null\r\nkind: Config\r\n', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(currentContextInText(text), expected, JSON.stringify(text));
  // 200k spaces between two words (40k took 4.9 s with the old regex; now one pass).
  assert.equal(
    currentContextInText(`current-context: a${' '.repeat(200_000)}b\u0001\n`),
    `a${' '.repeat(200_000)}b\u0001`,
  );
});
