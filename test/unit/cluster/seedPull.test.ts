import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from '../../../src/model';
import { pullCluster } from '../../../src/cluster';
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

test('the seed cluster becomes model facts with cluster:// evidence, using only GET', async () => {
  const model = new ClusterModel();
  const r = await pullCluster({ kubeconfigPaths: [h.kubeconfig()], allowCredentialPlugins: false, sink: model });
  assert.deepEqual(r.problems, []);
  assert.equal(r.complete, true);
  assert.equal(r.context, 'fake');
  assert.deepEqual(r.counts, {
    nodes: 1,
    pods: 9,
    services: 3,
    endpointslices: 3,
    deployments: 2,
    statefulsets: 0,
    daemonsets: 2,
    configmaps: 3,
  });

  const node = model.nodes[0];
  assert.equal(node.name, 'node1');
  assert.equal(node.podCIDR, '10.244.0.0/24');
  assert.equal(node.internalIP, '172.30.1.48');
  assert.deepEqual(node.flannel, { backendType: 'vxlan', vtepMAC: 'b6:2c:5e:1f:8a:d4', publicIP: '172.30.1.48' });
  assert.deepEqual(node.evidence, [
    { source: 'cluster', uri: 'cluster://fake/Node/node1', format: 'kube-api', field: 'internalIP' },
  ]);

  const ips = Object.fromEntries(model.pods.map((p) => [p.name, p.ip]));
  assert.equal(ips['a-pod'], '10.244.0.53');
  assert.equal(ips['b-pod'], '10.244.0.54');
  assert.equal(ips['a-app-57974fdb4-mcz5n'], '10.244.0.143');
  assert.equal(ips['a-app-57974fdb4-mv7qn'], '10.244.0.144');
  assert.equal(ips['b-app'], '10.244.0.147');
  assert.equal(ips['coredns-7c65d6cfc9-g2qxv'], '10.244.0.105');
  assert.equal(ips['coredns-7c65d6cfc9-sscfz'], '10.244.0.107');
  const appPod = model.findPod('a-app-57974fdb4-mcz5n', 'default')!;
  assert.deepEqual(appPod.owner, { kind: 'ReplicaSet', namespace: 'default', name: 'a-app-57974fdb4' });
  assert.deepEqual(appPod.labels, { app: 'a-app', 'pod-template-hash': '57974fdb4' });
  assert.equal(appPod.ready, true);
  assert.equal(appPod.nodeName, 'node1');
  assert.equal(appPod.evidence[0].uri, 'cluster://fake/Pod/default/a-app-57974fdb4-mcz5n');
  assert.equal(model.findPod('kube-proxy-q8w5t', 'kube-system')!.hostNetwork, true);
  assert.deepEqual(model.findPod('coredns-7c65d6cfc9-g2qxv', 'kube-system')!.containers![0].ports, [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
  ]);

  const dns = model.findService('kube-dns', 'kube-system')!;
  assert.equal(dns.clusterIP, '10.96.0.10');
  assert.deepEqual(
    dns.ports.map((p) => `${p.name}/${p.protocol}/${p.port}`),
    ['dns/UDP/53', 'dns-tcp/TCP/53', 'metrics/TCP/9153'],
  );
  assert.equal(model.findService('kubernetes', 'default')!.clusterIP, '10.96.0.1');
  const app = model.findService('a-app', 'default')!;
  assert.equal(app.clusterIP, '10.103.129.86');
  assert.deepEqual(app.selector, { app: 'a-app' });
  assert.deepEqual(
    model
      .endpointsOf(app)
      .map((e) => e.endpoint.addresses[0])
      .sort(),
    ['10.244.0.143', '10.244.0.144'],
  );
  assert.deepEqual(
    model
      .endpointsOf(dns)
      .map((e) => e.endpoint.targetRef?.name)
      .sort(),
    ['coredns-7c65d6cfc9-g2qxv', 'coredns-7c65d6cfc9-sscfz'],
  );
  assert.deepEqual(
    model
      .podsSelectedBy(app)
      .map((p) => p.name)
      .sort(),
    ['a-app-57974fdb4-mcz5n', 'a-app-57974fdb4-mv7qn'],
  );
  assert.equal(model.byDnsName('a-app.default.svc.cluster.local')?.service?.clusterIP, '10.103.129.86');

  const deploy = model.workloads.find((w) => w.kind === 'Deployment' && w.name === 'a-app')!;
  assert.equal(deploy.replicas, 2);
  assert.deepEqual(deploy.selector, { app: 'a-app' });
  assert.equal(model.workloads.find((w) => w.kind === 'DaemonSet' && w.name === 'kube-proxy')!.hostNetwork, true);

  const [proxy] = model.all('KubeProxy');
  assert.equal(proxy.mode, 'iptables');
  assert.equal(proxy.clusterCIDR, '10.244.0.0/16');
  assert.equal(proxy.evidence[0].excerpt, 'mode: ""');
  assert.ok(proxy.evidence.some((e) => e.source === 'derived' && /Linux default: iptables/.test(e.excerpt ?? '')));
  assert.equal(proxy.evidence[0].uri, 'cluster://fake/ConfigMap/kube-system/kube-proxy');
  const [cni] = model.all('Cni');
  assert.equal(cni.plugin, 'flannel');
  assert.equal(cni.network, '10.244.0.0/16');
  assert.equal(cni.backend, 'vxlan');
  assert.equal(cni.evidence[0].uri, 'cluster://fake/ConfigMap/kube-flannel/kube-flannel-cfg');
  const [clusterDns] = model.all('ClusterDns');
  assert.equal(clusterDns.domain, 'cluster.local');
  assert.equal(clusterDns.loadbalance, true);
  assert.equal(model.kubeDnsIP, '10.96.0.10');

  assert.ok(h.server.requests.length >= 11);
  assert.deepEqual([...new Set(h.server.requests.map((q) => q.method))], ['GET']);
  assert.equal(r.requests, h.server.requests.length);
  assert.ok(
    h.server.requests
      .filter((q) => q.path !== '/version')
      .every((q) => q.path.includes('/configmaps/') || q.query.limit === '500'),
  );
});
