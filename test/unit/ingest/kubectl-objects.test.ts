import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EndpointSlice, K8sNode, Pod, Service } from '../../../src/model';
import { parseKubectlJson, parseKubectlYaml } from '../../../src/ingest/kube/kubectlObjects';
import { parseKubectlDescribe } from '../../../src/ingest/kube/kubectlDescribe';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

const fx = (name: string) => readFileSync(`test/fixtures/kubectl/${name}`, 'utf8');

test('kubectl get svc -A -o json (real List): every Service, log evidence at its line', () => {
  const text = fx('get-svc-list.json');
  const r = parseKubectlJson({ text, uri: 'svc.json' });
  assert.deepEqual(r.unparsed, []);
  const svcs = r.facts as Service[];
  assert.deepEqual(
    svcs.map((s) => s.name),
    ['kubernetes', 'kube-dns', 'a-app', 'a-app-nodeport', 'web-lb'],
  );
  assert.deepEqual(svcs[4].loadBalancerIPs, ['192.0.2.20']);
  assert.equal(svcs[4].sessionAffinityTimeoutSeconds, 10800);
  const dns = svcs[1];
  assert.deepEqual(
    dns.ports.map((p) => `${p.name}/${p.protocol}`),
    ['dns/UDP', 'dns-tcp/TCP', 'metrics/TCP'],
  );
  assert.equal(dns.sessionAffinity, 'None');
  assert.equal(dns.evidence[0].source, 'log');
  assert.equal(dns.evidence[0].format, 'kubectl-json');
  assert.equal(text.split('\n')[dns.evidence[0].line! - 1].trim(), '{');
  assert.equal(svcs[3].externalTrafficPolicy, 'Cluster');
});

test('kubectl get … -o yaml (real): single Service, Pod list, Endpoints', () => {
  const [svc] = parseKubectlYaml({ text: fx('get-svc-a-app.yaml'), uri: 'a' }).facts as Service[];
  assert.deepEqual(
    [svc.clusterIP, svc.clusterIPs, svc.selector],
    ['10.103.129.86', ['10.103.129.86'], { app: 'a-app' }],
  );
  const pods = parseKubectlYaml({ text: fx('get-pods-list.yaml'), uri: 'p' }).facts as Pod[];
  const a = pods.find((p) => p.name === 'a-app-57974fdb4-mcz5n')!;
  assert.deepEqual(
    [a.ip, a.hostIP, a.nodeName, a.ready, a.phase],
    ['10.244.0.143', '172.30.1.48', 'node1', true, 'Running'],
  );
  assert.deepEqual(a.owner, { kind: 'ReplicaSet', name: 'a-app-57974fdb4', namespace: 'default' });
  assert.equal(pods.find((p) => p.name === 'pending-pod')!.ready, false);
});

test('EndpointSlices -o json and a Node -o json with Flannel annotations (real)', () => {
  const slices = parseKubectlJson({ text: fx('get-endpointslices-kube-system.json'), uri: 'e' })
    .facts as EndpointSlice[];
  assert.equal(slices[0].serviceName, 'kube-dns');
  assert.deepEqual(
    slices[0].endpoints.map((e) => [e.addresses[0], e.ready, e.nodeName]),
    [
      ['10.244.0.105', true, 'node1'],
      ['10.244.0.107', true, 'node1'],
    ],
  );
  const [node] = parseKubectlJson({ text: fx('get-node.json'), uri: 'n' }).facts as K8sNode[];
  assert.deepEqual(
    [node.internalIP, node.podCIDR, node.flannel],
    ['172.30.1.48', '10.244.0.0/24', { backendType: 'vxlan', vtepMAC: '26:97:cc:58:8d:f0', publicIP: '172.30.1.48' }],
  );
});

test('kubectl describe svc (real): ports with names, target ports and their endpoints', () => {
  const r = parseKubectlDescribe({
    text: fx('describe-svc-kube-dns.txt'),
    uri: 'd',
    command: 'kubectl describe svc kube-dns -n kube-system',
  });
  assert.deepEqual(r.unparsed, []);
  const svc = r.facts.find((f) => f.kind === 'Service') as Service;
  assert.deepEqual(
    [svc.name, svc.namespace, svc.type, svc.clusterIP, svc.selector],
    ['kube-dns', 'kube-system', 'ClusterIP', '10.96.0.10', { 'k8s-app': 'kube-dns' }],
  );
  assert.deepEqual(svc.ports, [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
  ]);
  const slice = r.facts.find((f) => f.kind === 'EndpointSlice') as EndpointSlice;
  assert.deepEqual(
    slice.endpoints.map((e) => e.addresses[0]),
    ['10.244.0.105', '10.244.0.107'],
  );
  assert.deepEqual(
    slice.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`),
    ['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP'],
  );
  const a = parseKubectlDescribe({ text: fx('describe-svc-a-app.txt'), uri: 'a' });
  const as = a.facts[0] as Service;
  assert.deepEqual(
    [as.sessionAffinity, as.internalTrafficPolicy, as.ports[0].name, as.ports[0].targetPort],
    ['None', 'Cluster', undefined, 80],
  );
});

test('describe svc of a LoadBalancer (real): external and load-balancer IPs, node port, named target port, affinity, policy', () => {
  const r = parseKubectlDescribe({ text: fx('describe-svc-web-lb.txt'), uri: 'd' });
  assert.deepEqual(r.unparsed, []);
  const svc = r.facts.find((f) => f.kind === 'Service') as Service;
  assert.deepEqual(
    [svc.type, svc.externalIPs, svc.loadBalancerIPs, svc.sessionAffinity, svc.externalTrafficPolicy],
    ['LoadBalancer', ['192.0.2.10'], ['192.0.2.20'], 'ClientIP', 'Local'],
  );
  assert.deepEqual(svc.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', nodePort: 31080 }]);
  const slice = r.facts.find((f) => f.kind === 'EndpointSlice') as EndpointSlice;
  assert.deepEqual(slice.endpoints, []);
});

test('kubectl describe endpoints (real) and other kinds', () => {
  const r = parseKubectlDescribe({ text: fx('describe-endpoints-a-app.txt'), uri: 'e' });
  assert.deepEqual(r.unparsed, []);
  const [slice] = r.facts as EndpointSlice[];
  assert.deepEqual(slice.endpoints, [
    { addresses: ['10.244.0.143'], ready: true },
    { addresses: ['10.244.0.144'], ready: true },
  ]);
  assert.deepEqual(slice.ports, [{ port: 80, protocol: 'TCP' }]);
  const other = parseKubectlDescribe({ text: 'Name:         x\nNamespace:    default\nPriority:     0\n', uri: 'o' });
  assert.equal(other.records, 0);
  assert.equal(other.unparsed[0].line, 1);
});

test('commands and sniffing for -o json / -o yaml / describe', () => {
  assert.equal(formatForCommand('kubectl describe svc a-app')?.id, 'kubectl-describe');
  assert.equal(sniffFormat(fx('get-svc-a-app.yaml').split('\n'))?.id, 'kubectl-yaml');
  assert.equal(sniffFormat(fx('get-svc-list.json').split('\n'))?.id, 'kubectl-json');
  assert.equal(sniffFormat(fx('describe-svc-a-app.txt').split('\n'))?.id, 'kubectl-describe');
});

test('flattened describe output is cut back into Key: value lines and reads the same', async () => {
  const { unflattenDescribe } = await import('../../../src/ingest/kube/kubectlDescribe');
  for (const name of ['describe-svc-a-app.txt', 'describe-svc-kube-dns.txt', 'describe-endpoints-a-app.txt']) {
    const text = fx(name);
    const flat = text.split(/\s+/).filter(Boolean).join(' ');
    const pieces = unflattenDescribe(flat);
    for (const p of pieces)
      assert.ok(flat.slice(p.start).startsWith(p.text.trim().split(/\s+/)[0]), `${name}: piece at ${p.start}`);
    const strip = (t: string) =>
      parseKubectlDescribe({ text: t, uri: 'u' }).facts.map((f) => ({ ...f, evidence: undefined }));
    assert.deepEqual(strip(pieces.map((p) => p.text).join('\n')), strip(text), name);
  }
  // Idempotent on a line holding one field.
  assert.equal(unflattenDescribe('Session Affinity:  None').length, 1);
});
