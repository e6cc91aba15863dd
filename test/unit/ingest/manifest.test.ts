import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type {
  ClusterDns,
  CniConfig,
  EndpointSlice,
  Fact,
  KubeProxyConfig,
  Pod,
  Service,
  Workload,
} from '../../../src/model';
import { ClusterModel } from '../../../src/model';
import { fieldLine, manifestObjectRanges, parseManifest } from '../../../src/ingest/kube/manifest';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

const read = (p: string) => readFileSync(p, 'utf8');
const of = <K extends Fact['kind']>(facts: Fact[], kind: K) =>
  facts.filter((f) => f.kind === kind) as Extract<Fact, { kind: K }>[];

test('A.3 statefulset.yaml: StatefulSet and headless Service with positions of the fields', () => {
  const uri = 'samples/manifests/a3-headless-statefulset/statefulset.yaml';
  const text = read(uri);
  const r = parseManifest({ text, uri });
  assert.deepEqual(r.unparsed, []);
  assert.equal(r.records, 2);
  const [sts] = of(r.facts, 'StatefulSet') as Workload[];
  assert.equal(sts.serviceName, 'a-app');
  assert.equal(sts.replicas, 3);
  assert.deepEqual(sts.podLabels, { app: 'a-app' });
  assert.deepEqual(sts.selector, { app: 'a-app' });
  assert.deepEqual(sts.containers, [
    { name: 'my-container', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] },
  ]);
  const [svc] = of(r.facts, 'Service') as Service[];
  assert.equal(svc.clusterIP, 'None');
  assert.deepEqual(svc.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }]);
  // Evidence is manifest evidence covering the object's lines.
  const lines = text.split('\n');
  assert.equal(svc.evidence[0].source, 'manifest');
  assert.match(lines[svc.evidence[0].line! - 1], /^apiVersion: v1/);
  assert.ok(svc.evidence[0].endLine! >= svc.evidence[0].line! + 10);

  const { objects } = manifestObjectRanges(text);
  assert.deepEqual(
    objects.map((o) => [o.kind, o.name]),
    [
      ['StatefulSet', 'a-app'],
      ['Service', 'a-app'],
    ],
  );
  const lineOf = (o: number, path: string) => lines[fieldLine(objects[o], path)! - 1].trim();
  assert.equal(lineOf(0, 'spec.serviceName'), 'serviceName: "a-app"');
  assert.equal(lineOf(0, 'kind'), 'kind: StatefulSet');
  assert.equal(lineOf(0, 'metadata.name'), 'name: a-app');
  assert.equal(lineOf(0, 'spec.template.spec.containers[0].ports[0].name'), 'name: web');
  assert.equal(lineOf(1, 'spec.clusterIP'), 'clusterIP: None # headless: DNS answers the pod IPs');
  assert.equal(lineOf(1, 'spec.ports[0].targetPort'), 'targetPort: web');
  assert.equal(lineOf(1, 'spec.selector'), 'selector:');
  assert.equal(objects[1].fields.get('spec.ports[0].targetPort')!.text, 'web');
  // The second object's range starts after the separator and ends at the end of the file.
  assert.ok(objects[1].span.line > objects[0].span.endLine);
});

test('kube-dns Service: three ports with names and protocols', () => {
  const r = parseManifest({ text: read('samples/manifests/kube-system/kube-dns.yaml'), uri: 'k' });
  const [svc] = r.facts as Service[];
  assert.equal(svc.namespace, 'kube-system');
  assert.equal(svc.clusterIP, '10.96.0.10');
  assert.deepEqual(
    svc.ports.map((p) => `${p.name}:${p.port}/${p.protocol}->${p.targetPort}`),
    ['dns:53/UDP->53', 'dns-tcp:53/TCP->53', 'metrics:9153/TCP->9153'],
  );
  assert.equal(svc.labels?.['kubernetes.io/cluster-service'], 'true');
});

test('sample CoreDNS Deployment and Corefile: ports, selector, cluster domain, loadbalance line', () => {
  const text = read('samples/manifests/kube-system/coredns.yaml');
  const r = parseManifest({ text, uri: 'coredns.yaml' });
  assert.deepEqual(r.unparsed, []);
  const [dep] = of(r.facts, 'Deployment') as Workload[];
  assert.deepEqual(dep.podLabels, { 'k8s-app': 'kube-dns' });
  assert.deepEqual(
    dep.containers![0].ports.map((p) => `${p.name}:${p.containerPort}/${p.protocol}`),
    ['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP'],
  );
  const [dns] = of(r.facts, 'ClusterDns');
  assert.equal(dns.domain, 'cluster.local');
  assert.equal(dns.loadbalance, true);
  // The evidence points at the Corefile lines themselves, inside the block scalar.
  const lines = text.split('\n');
  assert.match(lines[dns.evidence[0].line! - 1], /kubernetes cluster\.local/);
  assert.equal(lines[dns.evidence[1].line! - 1].trim(), 'loadbalance');
});

test('all sample manifests parse without problems and merge into one model per lab', () => {
  for (const dir of ['a1-pod-to-pod', 'a2-clusterip-deployment', 'a3-headless-statefulset']) {
    const model = new ClusterModel();
    for (const f of ['pods.yaml', 'a-app.yaml', 'b-app.yaml', 'statefulset.yaml']) {
      let text: string;
      try {
        text = read(`samples/manifests/${dir}/${f}`);
      } catch {
        continue;
      }
      const r = parseManifest({ text, uri: f });
      assert.deepEqual(r.unparsed, [], `${dir}/${f}`);
      model.add(r.facts);
    }
    assert.deepEqual(model.conflicts, [], dir);
    assert.ok(model.pods.length > 0, dir);
  }
});

test('real kubectl --dry-run output (create deployment / expose / run / create service -o json) reads as manifests', () => {
  const dep = parseManifest({ text: read('test/fixtures/kubectl/create-deployment.yaml'), uri: 'd' });
  const [w] = dep.facts as Workload[];
  assert.deepEqual([w.kind, w.name, w.replicas, w.containers?.[0].image], ['Deployment', 'a-app', 2, 'nginx']);
  const exp = parseManifest({ text: read('test/fixtures/kubectl/expose-deployment.yaml'), uri: 'e' });
  const [svc] = exp.facts as Service[];
  assert.deepEqual(svc.selector, { app: 'a-app' });
  assert.deepEqual(svc.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  const run = parseManifest({ text: read('test/fixtures/kubectl/run-pod.yaml'), uri: 'r' });
  assert.equal((run.facts[0] as Pod).labels?.run, 'b-app');
  const json = parseManifest({ text: read('test/fixtures/kubectl/create-service.json'), uri: 's.json' });
  assert.equal((json.facts[0] as Service).ports[0].port, 80);
  assert.equal(json.facts[0].evidence[0].line, 1);
});

test('ConfigMaps: kube-proxy mode, Flannel net-conf.json, CoreDNS Corefile (real kubectl create configmap output)', () => {
  const kp = parseManifest({ text: read('test/fixtures/kubectl/configmap-kube-proxy.yaml'), uri: 'kp.yaml' });
  const [proxy] = kp.facts as KubeProxyConfig[];
  assert.equal(proxy.mode, 'iptables');
  assert.equal(proxy.clusterCIDR, '10.244.0.0/16');
  assert.ok(
    proxy.evidence.some((e) => e.source === 'derived'),
    'empty mode is marked as the default, not seen',
  );
  assert.match(proxy.evidence[0].excerpt!, /mode: ""/);

  const fl = parseManifest({ text: read('test/fixtures/kubectl/configmap-kube-flannel-cfg.yaml'), uri: 'fl.yaml' });
  const [cni] = fl.facts as CniConfig[];
  assert.deepEqual([cni.network, cni.backend, cni.vni, cni.port], ['10.244.0.0/16', 'vxlan', undefined, undefined]);
  const withVni = parseManifest({
    text: 'kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: kube-flannel-cfg\ndata:\n  net-conf.json: |\n    {"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan", "VNI": 1, "Port": 8472}}\n',
    uri: 'v',
  });
  assert.deepEqual([(withVni.facts[0] as CniConfig).vni, (withVni.facts[0] as CniConfig).port], [1, 8472]);

  const cd = parseManifest({ text: read('test/fixtures/kubectl/configmap-coredns.json'), uri: 'cd.json' });
  const [dns] = cd.facts as ClusterDns[];
  assert.equal(dns.domain, 'cluster.local');
  assert.equal(dns.loadbalance, true);
});

test('CoreDNS Corefile: the cluster domain is the zone that is not a reverse zone, trailing dot removed', () => {
  const corefile = (zones: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata:\n  Corefile: |\n    .:53 {\n        kubernetes ${zones} {\n          pods insecure\n        }\n    }\n`;
  const domain = (zones: string) =>
    (parseManifest({ text: corefile(zones), uri: 'c' }).facts[0] as ClusterDns | undefined)?.domain;
  assert.equal(domain('cluster.local in-addr.arpa ip6.arpa'), 'cluster.local');
  assert.equal(domain('in-addr.arpa corp.internal.'), 'corp.internal');
  assert.equal(domain('in-addr.arpa ip6.arpa'), undefined);
});

test('Endpoints become the EndpointSlice shape; EndpointSlices keep conditions', () => {
  const ep = parseManifest({ text: read('test/fixtures/kubectl/get-endpoints-a-app.yaml'), uri: 'ep' });
  const [slice] = ep.facts as EndpointSlice[];
  assert.equal(slice.serviceName, 'a-app');
  assert.deepEqual(
    slice.endpoints.map((e) => [e.addresses[0], e.ready, e.targetRef?.name]),
    [
      ['10.244.0.143', true, 'a-app-57974fdb4-mcz5n'],
      ['10.244.0.144', true, 'a-app-57974fdb4-mv7qn'],
    ],
  );
  assert.deepEqual(slice.ports, [{ port: 80, protocol: 'TCP' }]);
  const notReady = parseManifest({
    text: 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: x}\nsubsets:\n- notReadyAddresses: [{ip: 10.0.0.9}]\n  ports: [{port: 53, protocol: UDP, name: dns}]\n',
    uri: 'n',
  });
  assert.deepEqual((notReady.facts[0] as EndpointSlice).endpoints, [{ addresses: ['10.0.0.9'], ready: false }]);
  assert.deepEqual((notReady.facts[0] as EndpointSlice).ports, [{ name: 'dns', port: 53, protocol: 'UDP' }]);
});

test('broken YAML: good documents are kept, the broken one is reported with its line', () => {
  const text = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: good-1', // doc 1: lines 1-4
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: [broken',
    'spec: {}', // doc 2: lines 6-10
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: good-2', // doc 3: lines 12-15
    '---',
    'just a string', // doc 4: not a mapping
    '---',
    'apiVersion: v1',
    'metadata:',
    '  name: kindless', // doc 5: no kind
    '---',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources: [a.yaml]', // doc 6: other kind, no name: fine
    '---',
    'apiVersion: v1',
    'kind: Service',
    'spec: {}', // doc 7 (line 27): a Service without a name
  ].join('\n');
  const r = parseManifest({ text, uri: 'b.yaml' });
  assert.deepEqual(
    (r.facts as Pod[]).map((p) => p.name),
    ['good-1', 'good-2'],
  );
  const lines = r.unparsed.map((u) => u.line);
  assert.ok(
    lines.some((l) => l >= 6 && l <= 11),
    `broken document reported near its lines: ${JSON.stringify(r.unparsed)}`,
  );
  assert.ok(r.unparsed.some((u) => u.line === 17 && /not a mapping/.test(u.reason)));
  assert.ok(r.unparsed.some((u) => u.line === 19 && /no kind/.test(u.reason)));
  assert.ok(r.unparsed.some((u) => u.line === 27 && /Service without metadata.name/.test(u.reason)));
  assert.ok(!r.unparsed.some((u) => u.line === 23), 'a Kustomization is not a problem');
  const good2 = (r.facts as Pod[])[1];
  assert.equal(good2.evidence[0].line, 12);
});

test('a key that is a map or a list is reported at its line and read as its text; nothing goes to the process warnings', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web',
      '  labels:',
      '    { "hostNetwork": "true" }: x', // line 6: a map as a key
      '    ? [a, b]',
      '    : y', // line 7: a list as a key
      'spec:',
      '  selector:',
      '    app: web',
      '  ports:',
      '  - port: 80',
    ].join('\n');
    const r = parseManifest({ text, uri: 'k.yaml', firstLine: 3 });
    assert.deepEqual(
      of(r.facts, 'Service').map((x) => x.name),
      ['web'],
      'the object is kept',
    );
    assert.deepEqual(
      r.unparsed.map((u) => [u.line, u.reason]),
      [
        [8, 'a key that is a map is read as its text'],
        [9, 'a key that is a list is read as its text'],
      ],
    );
    // process warnings are emitted on a later tick
    await new Promise((done) => setImmediate(done));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('kind: List and firstLine offsets; kind not first in the document; other kinds ignored quietly', () => {
  const text =
    'apiVersion: v1\nitems:\n- metadata:\n    name: p1\n  apiVersion: v1\n  kind: Pod\n  status:\n    podIP: 10.244.0.9\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\nkind: List\n';
  const r = parseManifest({ text, uri: 'l', firstLine: 100 });
  assert.deepEqual(r.unparsed, []);
  const [p] = r.facts as Pod[];
  assert.equal(p.ip, '10.244.0.9');
  assert.equal(p.evidence[0].line, 102);
  const { objects } = manifestObjectRanges(text, 100);
  assert.equal(objects[0].itemIndex, 0);
  assert.equal(fieldLine(objects[0], 'kind'), 105);
});

test('manifest command and sniffing', () => {
  assert.equal(formatForCommand('cat statefulset.yaml')?.id, 'manifest');
  assert.equal(sniffFormat(read('samples/manifests/a2-clusterip-deployment/a-app.yaml').split('\n'))?.id, 'manifest');
});
