/**
 * The seed report's three labs as ClusterModels. Every fact comes from a line of
 * test/fixtures/seed/flannel-network-flows-part1.ko.txt: through the real parsers where
 * they exist (iptables -L, ip link, kubectl tables, tcpdump …) and otherwise built here
 * from the values on that line, with evidence whose excerpt is checked to be on it.
 */
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { formatSpec } from '../../../src/ingest/registry';
import type { FormatId } from '../../../src/ingest/types';
import { ClusterModel, type Evidence, type Fact, type Packet } from '../../../src/model';

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

const TS = /(\d{2}:\d{2}:\d{2}\.\d{6}) /g;

/**
 * Stand-in for the tcpdump parser while it is being written: splits a flattened
 * `tcpdump -i any` line at its timestamps and reads the fields the flow engine uses.
 */
function splitCapture(line: number): Packet[] {
  const text = seedLines[line - 1];
  const starts = [...text.matchAll(TS)].map((m) => m.index!);
  const out: Packet[] = [];
  starts.forEach((s, i) => {
    const rec = text.slice(s, starts[i + 1] ?? text.length).trim();
    const m = /^(\S+) (\S+) (In|Out|P|B|M) (.*)$/.exec(rec);
    if (!m) return;
    const [, time, iface, dir, rest] = m;
    const [h, mi, se] = time.split(':');
    const base = { kind: 'Packet' as const, time, t: Number(h) * 3600 + Number(mi) * 60 + Number(se), interface: iface, direction: dir as Packet['direction'], evidence: ev(line, rec.slice(0, 200)) };
    const arp = /^ARP, (Request who-has (\S+) tell (\S+)|Reply (\S+) is-at (\S+))/.exec(rest);
    if (arp) {
      out.push({ ...base, network: 'arp', protocol: 'arp', arp: arp[2] ? { op: 'request', targetIp: arp[2], senderIp: arp[3].replace(/,$/, '') } : { op: 'reply', senderIp: arp[4], mac: arp[5] } });
      return;
    }
    const ip = /^IP (\S+) > ([^:\s]+):? ?(.*)$/.exec(rest);
    if (!ip) return;
    const ep = (x: string, icmp: boolean) => {
      if (icmp) return { ip: x };
      const parts = x.split('.');
      return parts.length === 5 ? { ip: parts.slice(0, 4).join('.'), port: Number(parts[4]) } : { ip: x };
    };
    const body = ip[3];
    if (body.startsWith('ICMP')) {
      const im = /^ICMP (echo request|echo reply), id (\d+), seq (\d+), length (\d+)/.exec(body);
      out.push({ ...base, network: 'ip', protocol: 'icmp', src: ep(ip[1], true), dst: ep(ip[2], true), icmp: { type: im?.[1] ?? 'icmp', id: Number(im?.[2]), seq: Number(im?.[3]) }, length: Number(im?.[4]) });
      return;
    }
    const tm = /^Flags \[([^\]]+)\](?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?(?:, win (\d+))?(?:, options \[([^\]]*)\])?, length (\d+)(?:: (HTTP.*))?/.exec(body);
    if (!tm) return;
    const mss = /mss (\d+)/.exec(tm[6] ?? '');
    out.push({
      ...base, network: 'ip', protocol: 'tcp', src: ep(ip[1], false), dst: ep(ip[2], false), length: Number(tm[7]),
      tcp: { flags: tm[1], seq: tm[2] ? Number(tm[2]) : undefined, seqEnd: tm[3] ? Number(tm[3]) : undefined, ack: tm[4] ? Number(tm[4]) : undefined, win: tm[5] ? Number(tm[5]) : undefined, mss: mss ? Number(mss[1]) : undefined, options: tm[6], http: tm[8]?.replace(/^HTTP: /, '') },
    });
  });
  return out;
}

/** Packets of a flattened capture line: the real tcpdump parser when registered, else the stand-in. */
export function seedCapture(line: number): Packet[] {
  const real = parseSeed('tcpdump', line);
  return (real?.filter((f) => f.kind === 'Packet') as Packet[] | undefined) ?? splitCapture(line);
}

const PODS_CMD = 'kubectl get pods -o=custom-columns=NAME:.metadata.name,IP:.status.podIP';

const pod = (name: string, ip: string, line: number, namespace = 'default'): Fact => ({ kind: 'Pod', name, namespace, ip, evidence: ev(line, `${name} ${ip}`) });

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
  m.add(parseSeed('kubectl-table', 201, 'kubectl get svc -A -o=custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,CLUSTER-IP:.spec.clusterIP') ?? [
    { kind: 'Service', name: 'kubernetes', namespace: 'default', clusterIP: '10.96.0.1', ports: [], evidence: ev(201, 'default kubernetes 10.96.0.1') },
    { kind: 'Service', name: 'kube-dns', namespace: 'kube-system', clusterIP: '10.96.0.10', ports: [], evidence: ev(201, 'kube-system kube-dns 10.96.0.10') },
  ]);
  // Its ports are in the KUBE-SERVICES comments (line 207: dns UDP 53, dns-tcp, metrics).
  m.add({ kind: 'Service', name: 'kube-dns', namespace: 'kube-system', ports: [{ name: 'dns', protocol: 'UDP', port: 53 }], evidence: ev(207, 'KUBE-SVC-TCOU7JCQXEZGVUNU udp -- 0.0.0.0/0 10.96.0.10 /* kube-system/kube-dns:dns cluster IP */') });
  m.add(parseSeed('kubectl-table', 219, `${PODS_CMD} -A`) ?? [
    pod('coredns-7c65d6cfc9-g2qxv', '10.244.0.105', 219, 'kube-system'),
    pod('coredns-7c65d6cfc9-sscfz', '10.244.0.107', 219, 'kube-system'),
  ]);
  m.add(parseSeed('iptables-list', 207, 'sudo iptables -t nat -L KUBE-SERVICES -n') ?? []);
  m.add(parseSeed('iptables-list', 213, 'sudo iptables -t nat -L KUBE-SVC-TCOU7JCQXEZGVUNU -n') ?? []);
}

/** b-app's resolv.conf (line 189). */
function resolvConf(line: number): Fact {
  return { kind: 'DnsConfig', owner: 'b-app', nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5, options: ['ndots:5'], evidence: ev(line, 'search default.svc.cluster.local svc.cluster.local cluster.local nameserver 10.96.0.10 options ndots:5') };
}

export interface A2Options { captures?: boolean; rules?: boolean; lookup?: boolean; traceroute?: boolean }

/** A.2: Deployment a-app ×2 behind ClusterIP 10.103.129.86, client b-app, DNS, rules, both captures. */
export function labA2(o: A2Options = {}): ClusterModel {
  const { captures = true, rules = true, lookup = true, traceroute = false } = o;
  const m = new ClusterModel();
  m.add(parseSeed('kubectl-table', 173, 'kubectl get svc a-app') ?? [{ kind: 'Service', name: 'a-app', namespace: 'default', clusterIP: '10.103.129.86', ports: [{ protocol: 'TCP', port: 80 }], evidence: ev(173, 'a-app ClusterIP 10.103.129.8680/TCP') }]);
  m.add([
    { kind: 'Service', name: 'a-app', namespace: 'default', selector: { app: 'a-app' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], evidence: ev(168, 'kubectl expose deployment a-app --port=80 --target-port=80 --type=ClusterIP') },
    { kind: 'Deployment', name: 'a-app', namespace: 'default', replicas: 2, selector: { app: 'a-app' }, podLabels: { app: 'a-app' }, evidence: ev(168, 'kubectl create deploy a-app --image=nginx --replicas=2') },
    resolvConf(189),
  ]);
  m.add(parseSeed('kubectl-table', 178, PODS_CMD) ?? [pod('a-app-57974fdb4-mcz5n', '10.244.0.143', 178), pod('a-app-57974fdb4-mv7qn', '10.244.0.144', 178), pod('b-app', '10.244.0.147', 178)]);
  clusterDnsFacts(m);
  if (lookup) m.add({ kind: 'DnsLookup', tool: 'nslookup', client: 'b-app', server: '10.96.0.10', question: { name: 'a-app.default.svc.cluster.local', type: 'A' }, status: 'NOERROR', answers: [{ name: 'a-app.default.svc.cluster.local', type: 'A', data: '10.103.129.86' }], evidence: ev(225, 'Name: a-app.default.svc.cluster.local Address: 10.103.129.86') });
  if (rules) {
    m.add(parseSeed('iptables-list', 231, 'sudo iptables -t nat -L KUBE-SERVICES -n') ?? []);
    m.add(parseSeed('iptables-list', 236, 'sudo iptables -t nat -L KUBE-SVC-CHTNYTLOWMWCGZWR -n') ?? []);
  }
  if (captures) {
    m.add(seedCapture(268)); // tcpdump host 10.103.129.86: the client side, before DNAT
    m.add(seedCapture(264)); // tcpdump host 10.244.0.144: after DNAT, flooded by cni0
  }
  if (traceroute) {
    m.add({
      kind: 'Traceroute', client: 'b-app', target: 'a-app.default.svc.cluster.local', targetIp: '10.103.129.86', maxHops: 10,
      hops: [
        { ttl: 1, probes: [{ ip: '10.244.0.1' }] }, { ttl: 2, probes: [{ ip: '172.30.1.254' }] },
        { ttl: 3, probes: [{ ip: '61.77.108.1' }] }, { ttl: 4, probes: [{ ip: '125.141.249.140' }] },
      ],
      evidence: ev(141, 'traceroute to a-app.default.svc.cluster.local (10.103.129.86), 10 hops max, 46 byte packets 1 10.244.0.1 (10.244.0.1)'),
    });
  }
  return m;
}

/** A.3: StatefulSet a-app ×3 behind headless Service a-app (line 308), b-app, the nslookup/dig answers (360, 366). */
export function labA3(o: { lookups?: boolean } = {}): ClusterModel {
  const m = new ClusterModel();
  const manifest = 308;
  m.add([
    { kind: 'StatefulSet', name: 'a-app', namespace: 'default', replicas: 3, serviceName: 'a-app', selector: { app: 'a-app' }, podLabels: { app: 'a-app' }, containers: [{ name: 'my-container', image: 'nginx:1.20', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] }], evidence: ev(manifest, 'kind: StatefulSet metadata: name: a-app') },
    { kind: 'Service', name: 'a-app', namespace: 'default', clusterIP: 'None', selector: { app: 'a-app' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'web' }], evidence: ev(manifest, 'clusterIP: None') },
    pod('b-app', '10.244.0.147', 178),
    resolvConf(189),
  ]);
  m.add(parseSeed('kubectl-table', 313, 'kubectl get svc,statefulset,pod') ?? [0, 1, 2].map((i): Fact => ({ kind: 'Pod', name: `a-app-${i}`, namespace: 'default', ready: true, phase: 'Running', evidence: ev(313, `pod/a-app-${i} 1/1 Running`) })));
  clusterDnsFacts(m);
  if (o.lookups !== false) {
    const name = 'a-app.default.svc.cluster.local';
    m.add([
      { kind: 'DnsLookup', tool: 'dig', question: { name: 'a-app-0.a-app.default.svc.cluster.local', type: 'A' }, status: 'NOERROR', answers: [{ name: 'a-app-0.a-app.default.svc.cluster.local', type: 'A', ttl: 26, data: '10.244.0.219' }], evidence: ev(366, 'a-app-0.a-app.default.svc.cluster.local. 26 IN A 10.244.0.219') },
      { kind: 'DnsLookup', tool: 'dig', question: { name: 'a-app-1.a-app.default.svc.cluster.local', type: 'A' }, status: 'NOERROR', answers: [{ name: 'a-app-1.a-app.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.244.0.221' }], evidence: ev(366, 'a-app-1.a-app.default.svc.cluster.local. 30 IN A 10.244.0.221') },
      { kind: 'DnsLookup', tool: 'dig', question: { name: 'a-app-2.a-app.default.svc.cluster.local', type: 'A' }, status: 'NOERROR', answers: [{ name: 'a-app-2.a-app.default.svc.cluster.local', type: 'A', ttl: 25, data: '10.244.0.222' }], evidence: ev(366, 'a-app-2.a-app.default.svc.cluster.local. 25 IN A 10.244.0.222') },
      { kind: 'DnsLookup', tool: 'nslookup', server: '10.96.0.10', question: { name, type: 'A' }, status: 'NOERROR', answers: ['10.244.0.221', '10.244.0.222', '10.244.0.219'].map((data) => ({ name, type: 'A', data })), evidence: ev(360, '# nslookup a-app.default.svc.cluster.local Server: 10.96.0.10 Address: 10.96.0.10:53 Name: a-app.default.svc.cluster.local Address: 10.244.0.221') },
      { kind: 'DnsLookup', tool: 'dig', question: { name, type: 'A' }, status: 'NOERROR', answers: ['10.244.0.222', '10.244.0.219', '10.244.0.221'].map((data) => ({ name, type: 'A', ttl: 30, data })), evidence: ev(366, 'a-app.default.svc.cluster.local. 30 IN A 10.244.0.222 a-app.default.svc.cluster.local. 30 IN A 10.244.0.219') },
    ]);
  }
  return m;
}
