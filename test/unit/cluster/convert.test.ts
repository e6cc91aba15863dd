import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterDnsFromConfigMap, endpointSliceFact, flannelFromConfigMap, kubeProxyFromConfigMap, nodeFact, parseClusterUri, podFact, serviceFact, workloadFact } from '../../../src/cluster/convert';

test('headless Service, named targetPort, NodePort and load-balancer fields', () => {
  const s = serviceFact({
    metadata: { name: 'web', namespace: 'shop' },
    spec: { clusterIP: 'None', clusterIPs: ['None'], type: 'ClusterIP', ports: [{ name: 'web', port: 80, targetPort: 'web' }], selector: { app: 'web' }, publishNotReadyAddresses: true },
  }, 'ctx');
  assert.equal(s.clusterIP, 'None');
  assert.deepEqual(s.ports, [{ name: 'web', protocol: 'TCP', port: 80, targetPort: 'web' }]);
  assert.equal(s.publishNotReadyAddresses, true);
  const lb = serviceFact({
    metadata: { name: 'lb', namespace: 'default' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.5.5', ports: [{ port: 443, protocol: 'TCP', targetPort: 8443, nodePort: 31443 }], externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example' }] } },
  }, 'ctx');
  assert.equal(lb.type, 'LoadBalancer');
  assert.equal(lb.ports[0].nodePort, 31443);
  assert.deepEqual(lb.loadBalancerIPs, ['203.0.113.7']);
  assert.equal(lb.externalTrafficPolicy, 'Local');
  assert.equal(lb.sessionAffinityTimeoutSeconds, 10800);
});

test('StatefulSet pod: hostname/subdomain, dual-stack IPs, not ready', () => {
  const p = podFact({
    metadata: { name: 'a-app-0', namespace: 'default', labels: { app: 'a-app' }, ownerReferences: [{ kind: 'StatefulSet', name: 'a-app', controller: true }] },
    spec: { hostname: 'a-app-0', subdomain: 'a-app', nodeName: 'n2', containers: [{ name: 'nginx', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80 }] }] },
    status: { podIP: '10.244.1.9', podIPs: [{ ip: '10.244.1.9' }, { ip: 'fd00::9' }], conditions: [{ type: 'Ready', status: 'False' }], phase: 'Running' },
  }, 'kind-dev');
  assert.equal(p.hostname, 'a-app-0');
  assert.equal(p.subdomain, 'a-app');
  assert.deepEqual(p.ips, ['10.244.1.9', 'fd00::9']);
  assert.equal(p.ready, false);
  assert.deepEqual(p.owner, { kind: 'StatefulSet', namespace: 'default', name: 'a-app' });
  assert.deepEqual(p.containers, [{ name: 'nginx', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] }]);
  assert.equal(p.evidence[0].uri, 'cluster://kind-dev/Pod/default/a-app-0');
});

test('a pending pod without IP or conditions yields only what is known', () => {
  const p = podFact({ metadata: { name: 'x', namespace: 'default' }, spec: { containers: [] }, status: { phase: 'Pending' } }, 'c');
  assert.deepEqual(Object.keys(p).sort(), ['evidence', 'kind', 'name', 'namespace', 'phase']);
});

test('node: malformed Flannel backend-data is ignored, the rest is kept', () => {
  const n = nodeFact({ metadata: { name: 'n1', annotations: { 'flannel.alpha.coreos.com/backend-data': 'null{', 'flannel.alpha.coreos.com/backend-type': 'host-gw' } }, spec: {}, status: {} }, 'c');
  assert.deepEqual(n.flannel, { backendType: 'host-gw' });
  assert.equal(n.podCIDR, undefined);
});

test('EndpointSlice: FQDN-less conditions, terminating endpoint, port without number is skipped', () => {
  const s = endpointSliceFact({
    metadata: { name: 'a-app-xyz', namespace: 'default', labels: { 'kubernetes.io/service-name': 'a-app' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.9'], conditions: { ready: false, serving: true, terminating: true }, hostname: 'a-app-0', targetRef: { kind: 'Pod', name: 'a-app-0' } }],
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }, { name: 'all' }],
  }, 'c');
  assert.equal(s.serviceName, 'a-app');
  assert.deepEqual(s.ports, [{ name: 'web', port: 80, protocol: 'TCP' }]);
  assert.deepEqual(s.endpoints[0], { addresses: ['10.244.0.9'], ready: false, serving: true, terminating: true, hostname: 'a-app-0', targetRef: { kind: 'Pod', name: 'a-app-0' } });
});

test('StatefulSet workload keeps its governing Service', () => {
  const w = workloadFact('StatefulSet', { metadata: { name: 'a-app', namespace: 'default' }, spec: { replicas: 3, serviceName: 'a-app', selector: { matchLabels: { app: 'a-app' } }, template: { metadata: { labels: { app: 'a-app' } }, spec: { containers: [{ name: 'nginx', ports: [{ name: 'web', containerPort: 80 }] }] } } } }, 'c');
  assert.equal(w.kind, 'StatefulSet');
  assert.equal(w.serviceName, 'a-app');
  assert.equal(w.replicas, 3);
  assert.deepEqual(w.podLabels, { app: 'a-app' });
});

const cm = (namespace: string, name: string, data: Record<string, string>) => ({ metadata: { namespace, name }, data });

test('kube-proxy ConfigMap: explicit ipvs mode, unsupported mode, missing key', () => {
  const ipvs = kubeProxyFromConfigMap(cm('kube-system', 'kube-proxy', { 'config.conf': 'kind: KubeProxyConfiguration\nmode: "ipvs"\nclusterCIDR: ""\n' }), 'c');
  assert.equal(ipvs.fact?.mode, 'ipvs');
  assert.equal(ipvs.fact?.evidence[0].excerpt, 'mode: "ipvs"');
  assert.match(ipvs.notes[0], /clusterCIDR is empty/);
  assert.match(kubeProxyFromConfigMap(cm('kube-system', 'kube-proxy', { 'config.conf': 'mode: kernelspace\n' }), 'c').notes[0], /'kernelspace' is not supported/);
  assert.equal(kubeProxyFromConfigMap(cm('kube-system', 'kube-proxy', {}), 'c').fact, undefined);
  assert.match(kubeProxyFromConfigMap(cm('kube-system', 'kube-proxy', { 'config.conf': 'mode: [' }), 'c').notes[0], /not valid YAML/);
});

test('Flannel net-conf.json with VNI and port; invalid JSON is a note', () => {
  const r = flannelFromConfigMap(cm('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': '{ "Network": "10.42.0.0/16", "Backend": { "Type": "vxlan", "VNI": 4096, "Port": 4789 } }' }), 'c');
  assert.deepEqual({ ...r.fact, evidence: undefined }, { kind: 'Cni', plugin: 'flannel', network: '10.42.0.0/16', backend: 'vxlan', vni: 4096, port: 4789, evidence: undefined });
  assert.match(flannelFromConfigMap(cm('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': '{' }), 'c').notes[0], /not valid JSON/);
});

test('Corefile: custom cluster domain, reverse zones skipped, no loadbalance, comments ignored', () => {
  const r = clusterDnsFromConfigMap(cm('kube-system', 'coredns', { Corefile: '.:53 {\n  # loadbalance\n  kubernetes in-addr.arpa corp.internal. {\n    pods insecure\n  }\n  forward . /etc/resolv.conf\n}\n' }), 'c');
  assert.equal(r.fact?.domain, 'corp.internal');
  assert.equal(r.fact?.loadbalance, false);
  assert.equal(r.fact?.evidence[0].excerpt, 'kubernetes in-addr.arpa corp.internal. {');
  assert.match(clusterDnsFromConfigMap(cm('kube-system', 'coredns', { Corefile: '.:53 {\n forward . 8.8.8.8\n}' }), 'c').notes[0], /no 'kubernetes' plugin/);
});

test('cluster:// URIs escape context names and parse back', () => {
  const p = podFact({ metadata: { name: 'a', namespace: 'default' } }, 'arn:aws:eks:eu-west-1:123:cluster/prod');
  assert.equal(p.evidence[0].uri, 'cluster://arn%3Aaws%3Aeks%3Aeu-west-1%3A123%3Acluster%2Fprod/Pod/default/a');
  assert.deepEqual(parseClusterUri(p.evidence[0].uri), { context: 'arn:aws:eks:eu-west-1:123:cluster/prod', kind: 'Pod', namespace: 'default', name: 'a' });
  assert.deepEqual(parseClusterUri('cluster://c/Node/n1'), { context: 'c', kind: 'Node', name: 'n1' });
});
