/**
 * The seed report's three labs as ClusterModels. Every fact comes from a line of
 * test/fixtures/seed/flannel-network-flows-part1.ko.txt: through the real parsers where
 * they exist (iptables -L, ip link, kubectl tables, tcpdump …) and otherwise built here
 * from the values on that line, with evidence whose excerpt is checked to be on it.
 */
import { readFileSync } from 'node:fs';
import { formatSpec } from '../../../src/ingest/registry';
import type { FormatId } from '../../../src/ingest/types';
import { ClusterModel, packetsOf, type Evidence, type Fact, type Packet } from '../../../src/model';

export const SEED = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
export const seedLines = readFileSync(SEED, 'utf8').split('\n');

/** Log evidence for `excerpt` on seed line `line`; throws if the text is not there. */
export function ev(line: number, excerpt: string): Evidence[] {
  if (!seedLines[line - 1].includes(excerpt)) throw new Error(`seed line ${line} does not contain '${excerpt}'`);
  return [{ source: 'log', uri: SEED, line, excerpt }];
}

/** Runs a registered parser on one seed line; undefined when that parser has not landed. */
export function parseSeed(format: FormatId, line: number, command?: string): Fact[] | undefined {
  const spec = formatSpec(format);
  if (!spec) return undefined;
  const r = spec.parse({ text: seedLines[line - 1], uri: SEED, firstLine: line, command });
  return r.records > 0 ? r.facts : undefined;
}

/** Runs a parser that must exist and must understand the line. */
function required(format: FormatId, line: number, command: string): Fact[] {
  const facts = parseSeed(format, line, command);
  if (!facts) throw new Error(`${format} did not parse seed line ${line}`);
  return facts;
}

/** Packets of a flattened `tcpdump -i any` line, through the real tcpdump parser. */
export function seedCapture(line: number): Packet[] {
  return packetsOf(required('tcpdump', line, 'tcpdump -i any -n'));
}

const PODS_CMD = 'kubectl get pods -o=custom-columns=NAME:.metadata.name,IP:.status.podIP';

const pod = (name: string, ip: string, line: number, namespace = 'default'): Fact => ({
  kind: 'Pod',
  name,
  namespace,
  ip,
  evidence: ev(line, `${name} ${ip}`),
});

/** A.1: `kubectl run a-pod/b-pod`, their IPs, `ip link` of b's veth, the ping capture. */
export function labA1(): ClusterModel {
  const m = new ClusterModel();
  m.add(parseSeed('kubectl-table', 78, PODS_CMD) ?? [pod('a-pod', '10.244.0.53', 78), pod('b-pod', '10.244.0.54', 78)]);
  m.add(parseSeed('ip-link', 98) ?? []);
  m.add(seedCapture(92));
  return m;
}

/** The kube-dns and kube-proxy facts A.2 shows (lines 201–219). */
function clusterDnsFacts(m: ClusterModel): void {
  m.add(
    parseSeed(
      'kubectl-table',
      201,
      'kubectl get svc -A -o=custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,CLUSTER-IP:.spec.clusterIP',
    ) ?? [
      {
        kind: 'Service',
        name: 'kubernetes',
        namespace: 'default',
        clusterIP: '10.96.0.1',
        ports: [],
        evidence: ev(201, 'default kubernetes 10.96.0.1'),
      },
      {
        kind: 'Service',
        name: 'kube-dns',
        namespace: 'kube-system',
        clusterIP: '10.96.0.10',
        ports: [],
        evidence: ev(201, 'kube-system kube-dns 10.96.0.10'),
      },
    ],
  );
  // Its ports are in the KUBE-SERVICES comments (line 207: dns UDP 53, dns-tcp, metrics).
  m.add({
    kind: 'Service',
    name: 'kube-dns',
    namespace: 'kube-system',
    ports: [{ name: 'dns', protocol: 'UDP', port: 53 }],
    evidence: ev(
      207,
      'KUBE-SVC-TCOU7JCQXEZGVUNU udp -- 0.0.0.0/0 10.96.0.10 /* kube-system/kube-dns:dns cluster IP */',
    ),
  });
  m.add(
    parseSeed('kubectl-table', 219, `${PODS_CMD} -A`) ?? [
      pod('coredns-7c65d6cfc9-g2qxv', '10.244.0.105', 219, 'kube-system'),
      pod('coredns-7c65d6cfc9-sscfz', '10.244.0.107', 219, 'kube-system'),
    ],
  );
  m.add(parseSeed('iptables-list', 207, 'sudo iptables -t nat -L KUBE-SERVICES -n') ?? []);
  m.add(parseSeed('iptables-list', 213, 'sudo iptables -t nat -L KUBE-SVC-TCOU7JCQXEZGVUNU -n') ?? []);
}

/** b-app's resolv.conf (line 189), read by the resolv.conf parser as `kubectl exec b-app -- cat /etc/resolv.conf`. */
function resolvConf(line: number): Fact[] {
  const spec = formatSpec('resolv-conf');
  if (!spec) throw new Error('resolv-conf parser not registered');
  return spec
    .parse({ text: seedLines[line - 1], uri: SEED, firstLine: line, command: 'cat /etc/resolv.conf', host: 'b-app' })
    .facts.map((f) => (f.kind === 'DnsConfig' ? { ...f, owner: f.owner ?? 'b-app' } : f));
}

export interface A2Options {
  captures?: boolean;
  rules?: boolean;
  lookup?: boolean;
  traceroute?: boolean;
}

/** A.2: Deployment a-app ×2 behind ClusterIP 10.103.129.86, client b-app, DNS, rules, both captures. */
export function labA2(o: A2Options = {}): ClusterModel {
  const { captures = true, rules = true, lookup = true, traceroute = false } = o;
  const m = new ClusterModel();
  m.add(
    parseSeed('kubectl-table', 173, 'kubectl get svc a-app') ?? [
      {
        kind: 'Service',
        name: 'a-app',
        namespace: 'default',
        clusterIP: '10.103.129.86',
        ports: [{ protocol: 'TCP', port: 80 }],
        evidence: ev(173, 'a-app ClusterIP 10.103.129.8680/TCP'),
      },
    ],
  );
  m.add([
    {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      selector: { app: 'a-app' },
      ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }],
      evidence: ev(168, 'kubectl expose deployment a-app --port=80 --target-port=80 --type=ClusterIP'),
    },
    {
      kind: 'Deployment',
      name: 'a-app',
      namespace: 'default',
      replicas: 2,
      selector: { app: 'a-app' },
      podLabels: { app: 'a-app' },
      evidence: ev(168, 'kubectl create deploy a-app --image=nginx --replicas=2'),
    },
  ]);
  m.add(resolvConf(189));
  m.add(
    parseSeed('kubectl-table', 178, PODS_CMD) ?? [
      pod('a-app-57974fdb4-mcz5n', '10.244.0.143', 178),
      pod('a-app-57974fdb4-mv7qn', '10.244.0.144', 178),
      pod('b-app', '10.244.0.147', 178),
    ],
  );
  clusterDnsFacts(m);
  if (lookup) m.add(required('nslookup', 225, 'nslookup a-app.default.svc.cluster.local'));
  if (rules) {
    m.add(parseSeed('iptables-list', 231, 'sudo iptables -t nat -L KUBE-SERVICES -n') ?? []);
    m.add(parseSeed('iptables-list', 236, 'sudo iptables -t nat -L KUBE-SVC-CHTNYTLOWMWCGZWR -n') ?? []);
  }
  if (captures) {
    m.add(seedCapture(268)); // tcpdump host 10.103.129.86: the client side, before DNAT
    m.add(seedCapture(264)); // tcpdump host 10.244.0.144: after DNAT, flooded by cni0
  }
  if (traceroute) m.add(required('traceroute', 141, 'traceroute -m 10 a-app.default.svc.cluster.local'));
  return m;
}

/** A.3: StatefulSet a-app ×3 behind headless Service a-app (line 308), b-app, the nslookup/dig answers (360, 366). */
export function labA3(o: { lookups?: boolean } = {}): ClusterModel {
  const m = new ClusterModel();
  const manifest = 308;
  m.add([
    {
      kind: 'StatefulSet',
      name: 'a-app',
      namespace: 'default',
      replicas: 3,
      serviceName: 'a-app',
      selector: { app: 'a-app' },
      podLabels: { app: 'a-app' },
      containers: [
        { name: 'my-container', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] },
      ],
      evidence: ev(manifest, 'kind: StatefulSet metadata: name: a-app'),
    },
    {
      kind: 'Service',
      name: 'a-app',
      namespace: 'default',
      clusterIP: 'None',
      selector: { app: 'a-app' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'web' }],
      evidence: ev(manifest, 'clusterIP: None'),
    },
    pod('b-app', '10.244.0.147', 178),
  ]);
  m.add(resolvConf(189));
  m.add(
    parseSeed('kubectl-table', 313, 'kubectl get svc,statefulset,pod') ??
      [0, 1, 2].map((i): Fact => ({
        kind: 'Pod',
        name: `a-app-${i}`,
        namespace: 'default',
        ready: true,
        phase: 'Running',
        evidence: ev(313, `pod/a-app-${i} 1/1 Running`),
      })),
  );
  clusterDnsFacts(m);
  if (o.lookups !== false) {
    // `kubectl logs` of the four busybox nslookup pods (line 360) and of the four dig pods (line 366).
    m.add(required('nslookup', 360, 'kubectl logs nslookup-pod'));
    m.add(required('dig', 366, 'kubectl logs dig-pod'));
  }
  return m;
}
