import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ClusterDns,
  CniConfig,
  EndpointSlice,
  K8sNode,
  KubeProxyConfig,
  Pod,
  Service,
  Workload,
} from '../../../src/model';
import { apiObjectFacts, parseClusterUri } from '../../../src/cluster/convert';

// The conversion is the shared one (src/ingest/kube/objectFacts.ts); these tests cover what
// the API adds: List items without `kind`, and cluster:// evidence with excerpts.
const one = <T>(kind: string, o: Record<string, unknown>, context = 'ctx') => {
  const r = apiObjectFacts(kind, o, context);
  assert.equal(r.facts.length, 1, r.ignored);
  return r.facts[0] as T;
};

test('List items (no kind) convert with the kind of their list, evidence is the object URI', () => {
  const s = one<Service>('Service', {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      clusterIP: 'None',
      type: 'ClusterIP',
      ports: [{ name: 'web', port: 80, targetPort: 'web' }],
      selector: { app: 'web' },
      publishNotReadyAddresses: true,
    },
  });
  assert.equal(s.clusterIP, 'None');
  assert.deepEqual(s.ports, [{ name: 'web', protocol: 'TCP', port: 80, targetPort: 'web' }]);
  assert.deepEqual(s.evidence, [
    { source: 'cluster', uri: 'cluster://ctx/Service/shop/web', format: 'kube-api', field: 'clusterIP' },
  ]);
  const n = one<K8sNode>('Node', {
    metadata: {
      name: 'n1',
      annotations: {
        'flannel.alpha.coreos.com/backend-data': 'null{',
        'flannel.alpha.coreos.com/backend-type': 'host-gw',
      },
    },
    spec: {},
    status: {},
  });
  assert.deepEqual(n.flannel, { backendType: 'host-gw' });
  assert.equal(n.evidence[0].uri, 'cluster://ctx/Node/n1', 'cluster-scoped: no namespace segment');
});

test('StatefulSet pod and its governing workload; EndpointSlice endpoints keep hostnames', () => {
  const p = one<Pod>(
    'Pod',
    {
      metadata: {
        name: 'a-app-0',
        namespace: 'default',
        labels: { app: 'a-app' },
        ownerReferences: [{ kind: 'StatefulSet', name: 'a-app', controller: true }],
      },
      spec: {
        hostname: 'a-app-0',
        subdomain: 'a-app',
        nodeName: 'n2',
        containers: [{ name: 'nginx', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80 }] }],
      },
      status: {
        podIP: '10.244.1.9',
        podIPs: [{ ip: '10.244.1.9' }, { ip: 'fd00::9' }],
        conditions: [{ type: 'Ready', status: 'False' }],
        phase: 'Running',
      },
    },
    'kind-dev',
  );
  assert.deepEqual([p.hostname, p.subdomain, p.ready], ['a-app-0', 'a-app', false]);
  assert.deepEqual(p.ips, ['10.244.1.9', 'fd00::9']);
  assert.equal(p.evidence[0].uri, 'cluster://kind-dev/Pod/default/a-app-0');
  const w = one<Workload>('StatefulSet', {
    metadata: { name: 'a-app', namespace: 'default' },
    spec: {
      replicas: 3,
      serviceName: 'a-app',
      selector: { matchLabels: { app: 'a-app' } },
      template: { metadata: { labels: { app: 'a-app' } }, spec: { containers: [] } },
    },
  });
  assert.deepEqual([w.kind, w.serviceName, w.replicas], ['StatefulSet', 'a-app', 3]);
  const s = one<EndpointSlice>('EndpointSlice', {
    metadata: { name: 'a-app-xyz', namespace: 'default', labels: { 'kubernetes.io/service-name': 'a-app' } },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.244.0.9'],
        conditions: { ready: true },
        hostname: 'a-app-0',
        targetRef: { kind: 'Pod', name: 'a-app-0' },
      },
    ],
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
  });
  assert.equal(s.serviceName, 'a-app');
  assert.equal(s.endpoints[0].hostname, 'a-app-0');
});

const cm = (namespace: string, name: string, data: Record<string, string>) => ({ metadata: { namespace, name }, data });

test('ConfigMap facts carry the proving line as excerpt', () => {
  const dns = one<ClusterDns>(
    'ConfigMap',
    cm('kube-system', 'coredns', {
      Corefile:
        '.:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n    }\n    loadbalance\n}\n',
    }),
  );
  assert.equal(dns.domain, 'cluster.local');
  assert.equal(dns.loadbalance, true);
  assert.deepEqual(dns.evidence[0], {
    source: 'cluster',
    uri: 'cluster://ctx/ConfigMap/kube-system/coredns',
    format: 'kube-api',
    excerpt: 'kubernetes cluster.local in-addr.arpa ip6.arpa {',
  });
  const cni = one<CniConfig>(
    'ConfigMap',
    cm('kube-flannel', 'kube-flannel-cfg', {
      'net-conf.json':
        '{\n  "Network": "10.42.0.0/16",\n  "Backend": { "Type": "vxlan", "VNI": 4096, "Port": 4789 }\n}',
    }),
  );
  assert.deepEqual([cni.network, cni.backend, cni.vni, cni.port], ['10.42.0.0/16', 'vxlan', 4096, 4789]);
  assert.equal(cni.evidence[0].excerpt, '"Network": "10.42.0.0/16",');
  const proxy = one<KubeProxyConfig>(
    'ConfigMap',
    cm('kube-system', 'kube-proxy', { 'config.conf': 'kind: KubeProxyConfiguration\nmode: "ipvs"\n' }),
  );
  assert.equal(proxy.mode, 'ipvs');
  assert.equal(proxy.evidence[0].excerpt, 'mode: "ipvs"');
});

test('a ConfigMap without networking settings yields no fact and says why', () => {
  const r = apiObjectFacts(
    'ConfigMap',
    cm('kube-system', 'kube-proxy', { 'kubeconfig.conf': 'apiVersion: v1' }),
    'ctx',
  );
  assert.deepEqual(r.facts, []);
  assert.match(r.ignored ?? '', /no kube-proxy, Flannel or CoreDNS settings/);
});

test('cluster:// URIs escape context names and parse back', () => {
  const p = one<Pod>(
    'Pod',
    { metadata: { name: 'a', namespace: 'default' } },
    'arn:aws:eks:eu-west-1:123:cluster/prod',
  );
  assert.equal(p.evidence[0].uri, 'cluster://arn%3Aaws%3Aeks%3Aeu-west-1%3A123%3Acluster%2Fprod/Pod/default/a');
  assert.deepEqual(parseClusterUri(p.evidence[0].uri), {
    context: 'arn:aws:eks:eu-west-1:123:cluster/prod',
    kind: 'Pod',
    namespace: 'default',
    name: 'a',
  });
  assert.deepEqual(parseClusterUri('cluster://c/Node/n1'), { context: 'c', kind: 'Node', name: 'n1' });
});
