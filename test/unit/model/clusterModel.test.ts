import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel, type Evidence, type Pod, type Service, type EndpointSlice } from '../../../src/model';

const ev = (uri: string, line: number): Evidence[] => [{ source: 'log', uri, line }];

test('partial views of one pod merge; disagreements become conflicts, not overwrites', () => {
  const m = new ClusterModel();
  m.add({
    kind: 'Pod',
    name: 'a-pod',
    ip: '10.244.0.53',
    nodeName: 'node1',
    evidence: ev('get-pods.txt', 2),
  } satisfies Pod);
  m.add({
    kind: 'Pod',
    name: 'a-pod',
    namespace: 'default',
    labels: { run: 'a-pod' },
    evidence: ev('pod.yaml', 1),
  } satisfies Pod);
  m.add({ kind: 'Pod', name: 'a-pod', ip: '10.244.0.99', evidence: ev('other.txt', 7) } satisfies Pod);
  assert.equal(m.pods.length, 1);
  const pod = m.findPod('a-pod')!;
  assert.equal(pod.ip, '10.244.0.53');
  assert.deepEqual(pod.labels, { run: 'a-pod' });
  assert.equal(pod.evidence.length, 3);
  assert.equal(m.conflicts.length, 1);
  assert.equal(m.conflicts[0].field, 'ip');
  assert.deepEqual(
    m.conflicts[0].values.map((v) => v.value),
    ['10.244.0.53', '10.244.0.99'],
  );
  assert.equal(m.conflicts[0].values[1].evidence[0].uri, 'other.txt');
});

test('service ports merge by port/protocol; indexes by IP and DNS name', () => {
  const m = new ClusterModel();
  m.add([
    {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      clusterIP: '10.103.129.86',
      ports: [{ port: 80, protocol: 'TCP' }],
      evidence: ev('svc.txt', 2),
    } satisfies Service,
    {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      selector: { app: 'a-app' },
      evidence: ev('svc.yaml', 3),
    } satisfies Service,
    {
      kind: 'Pod',
      name: 'a-app-1',
      namespace: 'default',
      ip: '10.244.0.143',
      labels: { app: 'a-app' },
      evidence: ev('pods.txt', 2),
    } satisfies Pod,
    {
      kind: 'Pod',
      name: 'other',
      namespace: 'default',
      ip: '10.244.0.9',
      labels: { app: 'b' },
      evidence: ev('pods.txt', 3),
    } satisfies Pod,
  ]);
  assert.deepEqual(m.conflicts, []);
  const svc = m.findService('a-app', 'default')!;
  assert.deepEqual(svc.ports, [{ port: 80, protocol: 'TCP', name: 'http', targetPort: 80 }]);
  assert.equal(m.byIp('10.103.129.86')[0].role, 'service');
  assert.equal(m.byDnsName('a-app.default.svc.cluster.local.')?.service?.name, 'a-app');
  assert.deepEqual(
    m.podsSelectedBy(svc).map((p) => p.name),
    ['a-app-1'],
  );
});

test('headless service: per-pod DNS names from EndpointSlice hostnames', () => {
  const m = new ClusterModel();
  m.add([
    {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      clusterIP: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 'web' }],
      evidence: ev('sts.yaml', 1),
    } satisfies Service,
    {
      kind: 'EndpointSlice',
      name: 'a-app-x7k2p',
      namespace: 'default',
      serviceName: 'a-app',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [0, 1, 2].map((i) => ({
        addresses: [`10.244.0.${150 + i}`],
        ready: true,
        hostname: `a-app-${i}`,
        targetRef: { kind: 'Pod', name: `a-app-${i}` },
      })),
      evidence: ev('slices.json', 1),
    } satisfies EndpointSlice,
  ]);
  assert.equal(m.byDnsName('a-app-2.a-app.default.svc.cluster.local')?.service?.name, 'a-app');
  assert.equal(m.endpointsOf(m.findService('a-app')!).length, 3);
  assert.equal(m.byIp('10.244.0.151')[0].role, 'endpoint');
  assert.equal(m.byIp('None').length, 0);
});

test('packets and lookups are kept in order, never merged', () => {
  const m = new ClusterModel();
  for (let i = 0; i < 3; i++)
    m.add({
      kind: 'Packet',
      network: 'ip',
      protocol: 'icmp',
      src: { ip: '10.244.0.54' },
      dst: { ip: '10.244.0.53' },
      evidence: ev('cap.txt', i + 1),
    });
  assert.equal(m.packets.length, 3);
  assert.deepEqual(
    m.packets.map((p) => p.evidence[0].line),
    [1, 2, 3],
  );
  assert.deepEqual(m.summary(), { Packet: 3 });
});

test("merging never changes the caller's objects", () => {
  const first: Pod = { kind: 'Pod', name: 'a-pod', ip: '10.244.0.53', evidence: ev('a.txt', 1) };
  const second: Pod = { kind: 'Pod', name: 'a-pod', nodeName: 'node1', evidence: ev('b.txt', 2) };
  const m = new ClusterModel().add([first, second]);
  assert.deepEqual(first, { kind: 'Pod', name: 'a-pod', ip: '10.244.0.53', evidence: ev('a.txt', 1) });
  assert.equal(m.pods.length, 1);
  assert.equal(m.pods[0].nodeName, 'node1');
  assert.equal(m.findPod('a-pod'), m.pods[0]);
  assert.equal(m.pods[0].evidence.length, 2);
});
