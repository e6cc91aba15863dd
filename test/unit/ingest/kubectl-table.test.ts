import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EndpointSlice, Fact, K8sNode, Pod, Service, Workload } from '../../../src/model';
import { parseKubectlTable, readTables } from '../../../src/ingest/kube/kubectlTable';
import { splitGluedIpPort } from '../../../src/ingest/kube/tableValues';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';
import { parseDocument } from '../../../src/ingest/document';

const fx = (name: string) => readFileSync(`test/fixtures/kubectl/${name}`, 'utf8');
const seedLines = readFileSync('test/fixtures/seed/flannel-network-flows-part1.ko.txt', 'utf8').split('\n');
/** A seed output line (1-based) with the command shown on the line before its output block. */
const seed = (line: number) => seedLines[line - 1];
const table = (name: string, command: string) => parseKubectlTable({ text: fx(name), uri: name, command });
const of = <K extends Fact['kind']>(facts: Fact[], kind: K) =>
  facts.filter((f) => f.kind === kind) as Extract<Fact, { kind: K }>[];

test('get pods -o wide (real kubectl): IP, node, readiness, phase; <none> IP stays unknown', () => {
  const r = table('get-pods-wide.txt', 'kubectl get pods -o wide');
  assert.deepEqual(r.unparsed, []);
  const pods = r.facts as Pod[];
  assert.equal(pods.length, 4);
  const a = pods.find((p) => p.name === 'a-app-57974fdb4-mcz5n')!;
  assert.deepEqual([a.ip, a.nodeName, a.ready, a.phase], ['10.244.0.143', 'node1', true, 'Running']);
  const pending = pods.find((p) => p.name === 'pending-pod')!;
  assert.deepEqual(
    [pending.ip, pending.nodeName, pending.ready, pending.phase],
    [undefined, undefined, false, 'Pending'],
  );
  // RESTARTS with spaces `55 (22m ago)` does not shift the other columns.
  assert.equal(pods.find((p) => p.name === 'b-app')!.ip, '10.244.0.147');
  assert.equal(a.evidence[0].line, 2);
  assert.equal(a.evidence[0].format, 'kubectl-table');
});

test('get pods -A and --show-labels (real)', () => {
  const all = table('get-pods-A.txt', 'kubectl get pods -A').facts as Pod[];
  assert.deepEqual(
    all.filter((p) => p.namespace === 'kube-system').map((p) => p.name),
    ['coredns-7c65d6cfc9-g2qxv', 'coredns-7c65d6cfc9-sscfz'],
  );
  const wide = table('get-pods-A-wide.txt', 'kubectl get pods -A -o wide').facts as Pod[];
  assert.equal(wide.find((p) => p.name === 'coredns-7c65d6cfc9-sscfz')!.ip, '10.244.0.107');
  const labelled = table('get-pods-show-labels.txt', 'kubectl get pods --show-labels').facts as Pod[];
  assert.deepEqual(labelled[0].labels, { app: 'a-app', 'pod-template-hash': '57974fdb4' });
});

test('get svc -o wide (real): ClusterIP, ports incl. NodePort, selector', () => {
  const r = table('get-svc-wide.txt', 'kubectl get svc -o wide');
  assert.deepEqual(r.unparsed, []);
  const svcs = r.facts as Service[];
  const a = svcs.find((s) => s.name === 'a-app')!;
  assert.deepEqual(
    [a.type, a.clusterIP, a.externalIPs, a.selector],
    ['ClusterIP', '10.103.129.86', undefined, { app: 'a-app' }],
  );
  assert.deepEqual(a.ports, [{ port: 80, protocol: 'TCP' }]);
  assert.deepEqual(svcs.find((s) => s.name === 'a-app-nodeport')!.ports, [
    { port: 80, nodePort: 30080, protocol: 'TCP' },
  ]);
  assert.equal(svcs.find((s) => s.name === 'kubernetes')!.selector, undefined);
  // A LoadBalancer's EXTERNAL-IP lists ingress IPs then spec.externalIPs; the table cannot tell them apart.
  const [lb] = table('get-svc-web-lb.txt', 'kubectl get svc web-lb -n lb-ns -o wide').facts as Service[];
  assert.deepEqual(
    [lb.namespace, lb.type, lb.loadBalancerIPs, lb.ports[0].nodePort],
    ['lb-ns', 'LoadBalancer', ['192.0.2.20', '192.0.2.10'], 31080],
  );
});

test('get endpoints -A (real): pairs become endpoints and ports; truncated lists are marked', () => {
  const r = table('get-endpoints-A.txt', 'kubectl get endpoints -A');
  assert.deepEqual(r.unparsed, []);
  const slices = r.facts as EndpointSlice[];
  const a = slices.find((s) => s.name === 'a-app')!;
  assert.deepEqual(
    a.endpoints.map((e) => e.addresses[0]),
    ['10.244.0.143', '10.244.0.144'],
  );
  assert.deepEqual(
    a.ports.map((p) => p.port),
    [80],
  );
  assert.equal(a.serviceName, 'a-app');
  const dns = slices.find((s) => s.name === 'kube-dns')!;
  assert.equal(dns.namespace, 'kube-system');
  assert.ok(dns.evidence.some((e) => e.source === 'derived' && /\+ 3 more/.test(e.excerpt!)));
});

test('get endpointslices, deploy -o wide, sts, nodes -o wide (real)', () => {
  const es = table('get-endpointslices-A.txt', 'kubectl get endpointslices -A').facts as EndpointSlice[];
  assert.deepEqual(
    es.find((s) => s.name === 'kube-dns-q8wzd')!.ports.map((p) => p.port),
    [53, 9153],
  );
  assert.equal(es[0].addressType, 'IPv4');
  const [dep] = table('get-deploy-wide.txt', 'kubectl get deploy -o wide').facts as Workload[];
  assert.deepEqual(
    [dep.kind, dep.replicas, dep.containers?.[0].image, dep.selector],
    ['Deployment', 2, 'nginx', { app: 'a-app' }],
  );
  const [sts] = table('get-sts.txt', 'kubectl get sts').facts as Workload[];
  assert.deepEqual([sts.kind, sts.name, sts.replicas], ['StatefulSet', 'web', 3]);
  const [stsw] = table('get-sts-wide.txt', 'kubectl get sts -o wide').facts as Workload[];
  assert.equal(stsw.containers?.[0].image, 'nginx:1.20');
  const nodes = table('get-nodes-wide.txt', 'kubectl get nodes -o wide');
  assert.deepEqual(nodes.unparsed, []);
  assert.equal((nodes.facts[0] as K8sNode).internalIP, '172.30.1.48');
});

test('several kinds in one get (real): blank-line separated sections, kind/name rows, even without the command', () => {
  for (const command of ['kubectl get svc,endpoints,deploy,pod', undefined]) {
    const r = parseKubectlTable({ text: fx('get-svc-ep-deploy-pod.txt'), uri: 'm', command });
    assert.deepEqual(r.unparsed, []);
    assert.deepEqual(
      [
        of(r.facts, 'Service').length,
        of(r.facts, 'EndpointSlice').length,
        of(r.facts, 'Deployment').length,
        of(r.facts, 'Pod').length,
      ],
      [3, 2, 1, 4],
    );
    assert.ok(r.facts.every((f) => !('name' in f) || !f.name.includes('/')));
  }
  // Without blank lines (after `| grep`), each header still starts a new section.
  const grepped = fx('get-svc-ep-deploy-pod.txt')
    .split('\n')
    .filter((l) => l.trim())
    .join('\n');
  assert.equal(parseKubectlTable({ text: grepped, uri: 'g' }).records, 10);
});

test('custom-columns (real): NAME/IP, TYPE:.kind, NAMESPACE', () => {
  const ips = table('get-pods-custom-ip.txt', 'kubectl get pods -o=custom-columns=NAME:.metadata.name,IP:.status.podIP')
    .facts as Pod[];
  assert.deepEqual(
    ips.map((p) => p.ip),
    ['10.244.0.143', '10.244.0.144', '10.244.0.147', undefined],
  );
  const kinds = table(
    'get-kinds-custom.txt',
    'kubectl get svc,endpoints,deploy,pod -o=custom-columns=TYPE:.kind,NAME:.metadata.name',
  );
  assert.deepEqual(
    kinds.facts.map((f) => f.kind),
    ['Service', 'Service', 'Service', 'EndpointSlice', 'EndpointSlice', 'Deployment', 'Pod', 'Pod', 'Pod', 'Pod'],
  );
  const ns = table(
    'get-svc-A-custom.txt',
    'kubectl get svc -A -o=custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,CLUSTER-IP:.spec.clusterIP',
  ).facts as Service[];
  assert.deepEqual(ns.find((s) => s.name === 'kube-dns')!.clusterIP, '10.96.0.10');
});

test('seed (flattened) custom-columns lines: NAME IP … and TYPE NAME …', () => {
  const r = parseKubectlTable({ text: seed(48), uri: 'seed', firstLine: 48, command: seed(47) });
  assert.deepEqual(r.unparsed, []);
  assert.deepEqual(
    (r.facts as Pod[]).map((p) => [p.name, p.ip]),
    [
      ['a-pod', '10.244.0.53'],
      ['b-pod', '10.244.0.54'],
    ],
  );
  // Each row's evidence points at the row inside the flattened line.
  assert.equal(r.facts[1].evidence[0].line, 48);
  assert.equal(
    seed(48)
      .slice(r.facts[1].evidence[0].column! - 1)
      .split(' ')[0],
    'b-pod',
  );

  const k = parseKubectlTable({ text: seed(131), uri: 'seed', command: seed(130) });
  assert.deepEqual(
    k.facts.map((f) => `${f.kind}:${(f as Pod).name}`),
    [
      'Service:a-app',
      'EndpointSlice:a-app',
      'Deployment:a-app',
      'Pod:a-app-57974fdb4-mcz5n',
      'Pod:a-app-57974fdb4-mv7qn',
      'Pod:b-app',
    ],
  );

  // `-A` with custom columns that leave out the namespace: the rows' namespaces are unknown, and that is said.
  const coredns = parseKubectlTable({ text: seed(219), uri: 'seed', firstLine: 219, command: seed(218) });
  assert.deepEqual(
    (coredns.facts as Pod[]).map((p) => p.ip),
    ['10.244.0.105', '10.244.0.107'],
  );
  assert.equal(coredns.unparsed.length, 1);
  assert.match(coredns.unparsed[0].reason, /namespaces of these rows are unknown/);

  const ns = parseKubectlTable({ text: seed(201), uri: 'seed', command: seed(200) });
  assert.deepEqual(
    (ns.facts as Service[]).map((s) => [s.namespace, s.name, s.clusterIP]),
    [
      ['default', 'kubernetes', '10.96.0.1'],
      ['kube-system', 'kube-dns', '10.96.0.10'],
    ],
  );
});

test('seed `kubectl get svc a-app` with the lost space: 10.103.129.8680/TCP → 10.103.129.86 + 80/TCP', () => {
  const r = parseKubectlTable({ text: seed(173), uri: 'seed', command: seed(172) });
  const [svc] = r.facts as Service[];
  assert.equal(svc.clusterIP, '10.103.129.86');
  assert.deepEqual(svc.ports, [{ port: 80, protocol: 'TCP' }]);
  assert.equal(svc.type, 'ClusterIP');
  // The repair is ambiguous (10.103.129.8 + 680/TCP also fits) and is said so.
  assert.equal(r.unparsed.length, 1);
  assert.match(r.unparsed[0].reason, /10\.103\.129\.8 \+ 680\/TCP/);
});

test('seed multi-kind flattened line: sections restart at NAME …, `none` and `55 (22m ago)` survive', () => {
  const r = parseKubectlTable({ text: seed(313), uri: 'seed', command: seed(312) });
  assert.deepEqual(r.unparsed, []);
  const [svc] = of(r.facts, 'Service');
  assert.equal(svc.clusterIP, 'None');
  assert.deepEqual(svc.ports, [{ port: 80, protocol: 'TCP' }]);
  const [sts] = r.facts.filter((f) => f.kind === 'StatefulSet') as Workload[];
  assert.equal(sts.replicas, 3);
  assert.deepEqual(
    of(r.facts, 'Pod').map((p) => p.name),
    ['a-app-0', 'a-app-1', 'a-app-2', 'b-app'],
  );
});

test('real tables flattened by hand (newlines and padding lost) still give the same facts', () => {
  for (const [name, command] of [
    ['get-pods-wide.txt', 'kubectl get pods -o wide'],
    ['get-svc-wide.txt', 'kubectl get svc -o wide'],
    ['get-svc-ep-deploy-pod.txt', 'kubectl get svc,endpoints,deploy,pod'],
    ['get-nodes-wide.txt', 'kubectl get nodes -o wide'],
    ['get-all-A.txt', 'kubectl get all -A'],
    ['get-ds-A-wide.txt', 'kubectl get ds -A -o wide'],
  ]) {
    const normal = parseKubectlTable({ text: fx(name), uri: 'n', command });
    const flat = parseKubectlTable({ text: fx(name).split(/\s+/).filter(Boolean).join(' '), uri: 'n', command });
    const strip = (fs: Fact[]) => fs.map((f) => ({ ...f, evidence: undefined }));
    assert.deepEqual(strip(flat.facts), strip(normal.facts), name);
  }
});

test('glued IP+port splitting prefers well-known ports and says when it is ambiguous', () => {
  const k8s = splitGluedIpPort('10.96.0.1443/TCP')!;
  assert.deepEqual([k8s.ip, k8s.rest], ['10.96.0.1', '443/TCP']);
  assert.deepEqual([...k8s.ambiguous].sort(), ['10.96.0.14 + 43/TCP', '10.96.0.144 + 3/TCP']);
  // Octets above 255 and ports with a leading zero are never offered.
  assert.deepEqual(splitGluedIpPort('10.1.1.30800/TCP'), { ip: '10.1.1.30', rest: '800/TCP', ambiguous: [] });
  assert.equal(splitGluedIpPort('10.96.0.10'), undefined);
  assert.equal(splitGluedIpPort('10.103.129.8680:30080/TCP')?.ip, '10.103.129.86');
});

test('get ds -A -o wide, get rs, get all -A (real): DaemonSet vs Deployment columns, NODE SELECTOR kept whole', () => {
  const ds = table('get-ds-A-wide.txt', 'kubectl get ds -A -o wide');
  assert.deepEqual(ds.unparsed, []);
  const kp = (ds.facts as Workload[]).find((w) => w.name === 'kube-proxy')!;
  assert.deepEqual(
    [kp.kind, kp.namespace, kp.replicas, kp.selector, kp.containers?.[0].image],
    ['DaemonSet', 'kube-system', 1, { 'k8s-app': 'kube-proxy' }, 'registry.k8s.io/kube-proxy:v1.31.2'],
  );
  // Without the command the headers alone still say DaemonSet.
  assert.ok(parseKubectlTable({ text: fx('get-ds-A-wide.txt'), uri: 'd' }).facts.every((f) => f.kind === 'DaemonSet'));
  const sections = readTables(fx('get-ds-A-wide.txt').split('\n')).sections;
  assert.ok(sections[0].headers.includes('NODE SELECTOR'));
  assert.equal(sections[0].rows[0].cells.get('NODE SELECTOR'), 'kubernetes.io/os=linux');
  const [rs] = table('get-rs.txt', 'kubectl get rs').facts as Workload[];
  assert.deepEqual([rs.kind, rs.replicas], ['ReplicaSet', 2]);
  const all = table('get-all-A.txt', 'kubectl get all -A');
  assert.deepEqual(all.unparsed, []);
  const count = (k: string) => all.facts.filter((f) => f.kind === k).length;
  assert.deepEqual(
    ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'].map(count),
    [6, 5, 2, 1, 1, 1],
  );
  assert.equal((all.facts.find((f) => f.kind === 'Service' && f.name === 'kube-dns') as Service).ports.length, 3);
});

test('-o name (real): bare kind/name lines', () => {
  const r = table('get-o-name.txt', 'kubectl get svc,pods -o name');
  assert.deepEqual(r.unparsed, []);
  assert.deepEqual(r.facts.map((f) => `${f.kind}:${(f as Pod).name}`).slice(0, 2), [
    'Service:kubernetes',
    'Service:a-app',
  ]);
  assert.equal(of(r.facts, 'Pod').length, 4);
});

test('-o name output pasted without its command is recognised; paths that are no kubectl kinds are not', () => {
  const lines = fx('get-o-name.txt').split('\n');
  assert.equal(sniffFormat(lines)?.id, 'kubectl-table');
  const strip = (fs: Fact[]) => fs.map((f) => ({ ...f, evidence: undefined }));
  const doc = parseDocument(fx('get-o-name.txt'), 'n');
  assert.deepEqual(
    doc.blocks.map((b) => b.format),
    ['kubectl-table'],
  );
  assert.deepEqual(strip(doc.facts), strip(table('get-o-name.txt', 'kubectl get svc,pods -o name').facts));
  assert.equal(sniffFormat(['usr/bin', 'etc/hosts', 'var/log'])?.id, undefined);
});

test('--no-headers (real): columns come from the command; the same facts as with headers', () => {
  const strip = (fs: Fact[]) => fs.map((f) => ({ ...f, evidence: undefined }));
  const pods = table('get-pods-wide-no-headers.txt', 'kubectl get pods -o wide --no-headers');
  assert.deepEqual(pods.unparsed, []);
  assert.deepEqual(strip(pods.facts), strip(table('get-pods-wide.txt', 'kubectl get pods -o wide').facts));
  const svcs = table('get-svc-A-no-headers.txt', 'kubectl get svc -A --no-headers');
  assert.deepEqual(svcs.unparsed, []);
  assert.deepEqual(strip(svcs.facts), strip(table('get-svc-A.txt', 'kubectl get svc -A').facts));
  const custom = table(
    'get-pods-custom-no-headers.txt',
    'kubectl get pods --no-headers -o=custom-columns=NAME:.metadata.name,IP:.status.podIP',
  );
  assert.deepEqual(
    (custom.facts as Pod[]).map((p) => p.ip),
    ['10.244.0.143', '10.244.0.144', '10.244.0.147', undefined],
  );
  // Without the command nothing says what the columns are: reported, not guessed.
  const blind = parseKubectlTable({ text: fx('get-pods-wide-no-headers.txt'), uri: 'b' });
  assert.deepEqual([blind.records, blind.unparsed.length], [0, 4]);
});

test('an empty list (real: "No resources found in … namespace.") is understood, not reported', () => {
  const r = table('get-pods-empty.txt', 'kubectl get pods -n empty-ns');
  assert.deepEqual([r.records, r.facts.length, r.unparsed.length], [0, 0, 0]);
});

test('rows of unknown kinds and text outside tables are reported', () => {
  const r = parseKubectlTable({
    text: 'some text\nNAME     CLASS   HOSTS\ning-a    nginx   a.example\n',
    uri: 'x',
    command: 'kubectl get ingress',
  });
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [1, 3],
  );
  assert.equal(r.records, 0);
  assert.equal(readTables(['NAME   AGE', 'x      1d']).sections[0].rows[0].cells.get('AGE'), '1d');
});

test('flags after a pipe belong to the next command', async () => {
  const { readGetCommand } = await import('../../../src/ingest/kube/tableRows');
  assert.deepEqual(readGetCommand('kubectl get pods | grep -A 3 app'), { kinds: ['Pod'], allNamespaces: false });
  assert.deepEqual(readGetCommand('kubectl -n kube-system get svc,ep'), {
    kinds: ['Service', 'Endpoints'],
    allNamespaces: false,
    namespace: 'kube-system',
  });
});

test('kubectl-table command and sniffing', () => {
  assert.equal(formatForCommand('kubectl get pods -o wide')?.id, 'kubectl-table');
  assert.equal(formatForCommand('kubectl -n kube-system get svc')?.id, 'kubectl-table');
  assert.equal(formatForCommand('kubectl get pods -o=custom-columns=NAME:.metadata.name')?.id, 'kubectl-table');
  assert.equal(formatForCommand('kubectl get svc a-app -o yaml')?.id, 'kubectl-yaml');
  assert.equal(formatForCommand('kubectl get pods -o name')?.id, 'kubectl-table');
  assert.equal(formatForCommand('kubectl get svc -o json')?.id, 'kubectl-json');
  assert.equal(sniffFormat(fx('get-svc.txt').split('\n'))?.id, 'kubectl-table');
});
