import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  podHostnameDnsName,
  podIpDnsName,
  podSearchList,
  searchExpansion,
  serviceDnsName,
  srvDnsName,
  statefulSetPodName,
} from '../../../src/model';

test('cluster DNS names per the Kubernetes DNS spec', () => {
  assert.equal(serviceDnsName('a-app', 'default'), 'a-app.default.svc.cluster.local');
  assert.equal(
    podHostnameDnsName(statefulSetPodName('a-app', 0), 'a-app', 'default'),
    'a-app-0.a-app.default.svc.cluster.local',
  );
  assert.equal(podIpDnsName('10.244.0.53', 'default'), '10-244-0-53.default.pod.cluster.local');
  assert.equal(podIpDnsName('fd00::1', 'default', 'k8s.test'), 'fd00--1.default.pod.k8s.test');
  assert.equal(
    srvDnsName({ portName: 'dns', protocol: 'UDP', service: 'kube-dns', namespace: 'kube-system' }),
    '_dns._udp.kube-dns.kube-system.svc.cluster.local',
  );
});

test('search list expansion with ndots:5 tries the search domains first', () => {
  const search = podSearchList('default');
  assert.deepEqual(search, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  // 4 dots < 5: even the full name goes through the search list first.
  assert.deepEqual(searchExpansion('a-app.default.svc.cluster.local', search, 5), [
    'a-app.default.svc.cluster.local.default.svc.cluster.local',
    'a-app.default.svc.cluster.local.svc.cluster.local',
    'a-app.default.svc.cluster.local.cluster.local',
    'a-app.default.svc.cluster.local',
  ]);
  assert.deepEqual(searchExpansion('a-app', search, 5)[0], 'a-app.default.svc.cluster.local');
  assert.deepEqual(searchExpansion('a-app.default.svc.cluster.local.', search, 5), ['a-app.default.svc.cluster.local']);
  assert.deepEqual(searchExpansion('example.com', search, 1), [
    'example.com',
    ...search.map((s) => `example.com.${s}`),
  ]);
});
