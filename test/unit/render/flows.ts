// Hand-built Flow objects for every flow family, with the names and addresses of the
// seed report (single-node Flannel cluster: a-pod/b-pod, cni0, kube-proxy iptables,
// CoreDNS 10.96.0.10). They stand in for the flow engine's output in renderer tests.
import type { Actor, Flow, FlowStep, TraceResult } from '../../../src/flow/types';
import type { Evidence } from '../../../src/model';

const SEED = 'file:///work/samples/seed/flannel-network-flows-part1.ko.txt';

export const ev = (line: number, excerpt: string, format = 'tcpdump', uri = SEED): Evidence => ({
  source: 'log',
  uri,
  line,
  excerpt,
  format,
});
export const derived = (why: string): Evidence => ({ source: 'derived', uri: 'derived:', excerpt: why });

const pod = (name: string, ip: string): Actor => ({
  id: `pod:default/${name}`,
  kind: 'pod',
  name,
  group: `Pod ${name} netns`,
  addresses: [ip],
});
const root = (kind: Actor['kind'], id: string, name: string, node = 'node1'): Actor => ({
  id,
  kind,
  name,
  group: `root netns of ${node}`,
});

export function step(from: string, to: string, label: string, extra: Partial<FlowStep> = {}): FlowStep {
  return { from, to, label, explanation: `${label}.`, status: 'observed', kind: 'packet', evidence: [], ...extra };
}

const A_POD = pod('a-pod', '10.244.0.53');
const B_POD = pod('b-pod', '10.244.0.54');
const VETH_B = root('veth', 'veth:node1/vethded7ef9f', 'vethded7ef9f');
const VETH_A = root('veth', 'veth:node1/veth75a7f7d6', 'veth75a7f7d6');
const CNI0 = root('bridge', 'bridge:node1/cni0', 'cni0');

/** A.1: b-pod pings a-pod on the same node, every hop seen by tcpdump. */
export function podToPod(): Flow {
  return {
    title: 'b-pod → a-pod (same node)',
    family: 'pod-to-pod',
    actors: [B_POD, VETH_B, CNI0, VETH_A, A_POD],
    phases: [
      {
        name: 'ICMP echo',
        steps: [
          step(B_POD.id, VETH_B.id, 'ICMP echo request 10.244.0.54 → 10.244.0.53', {
            evidence: [ev(120, 'vethded7ef9f P IP 10.244.0.54 > 10.244.0.53: ICMP echo request')],
          }),
          step(VETH_B.id, CNI0.id, 'bridged on cni0', {
            status: 'predicted',
            evidence: [ev(131, 'vethded7ef9f@if2: mtu 1450 master cni0', 'ip-link')],
          }),
          step(CNI0.id, VETH_A.id, 'forward to veth75a7f7d6', {
            status: 'predicted',
            evidence: [derived('FDB learns a-pod MAC on veth75a7f7d6')],
          }),
          step(VETH_A.id, A_POD.id, 'ICMP echo request 10.244.0.54 → 10.244.0.53', {
            evidence: [ev(121, 'veth75a7f7d6 Out IP 10.244.0.54 > 10.244.0.53: ICMP echo request')],
          }),
        ],
      },
      {
        name: 'reply',
        steps: [
          step(A_POD.id, B_POD.id, 'ICMP echo reply 10.244.0.53 → 10.244.0.54', {
            kind: 'reply',
            evidence: [ev(122, 'veth75a7f7d6 P IP 10.244.0.53 > 10.244.0.54: ICMP echo reply')],
          }),
        ],
      },
    ],
    findings: [],
    unresolved: [],
  };
}

/** Cross-node pod to pod through flannel.1 (VXLAN), with one hop contradicted by a capture. */
export function podToPodVxlan(): Flow {
  const FL1 = root('vxlan', 'vxlan:node1/flannel.1', 'flannel.1');
  const ETH1 = root('underlay', 'nic:node1/eth0', 'eth0 172.30.1.48');
  const FL2 = root('vxlan', 'vxlan:node2/flannel.1', 'flannel.1', 'node2');
  const C = pod('c-pod', '10.244.1.20');
  return {
    title: 'b-pod → c-pod (node1 → node2, VXLAN)',
    family: 'pod-to-pod-vxlan',
    actors: [B_POD, VETH_B, CNI0, FL1, ETH1, FL2, C],
    phases: [
      {
        name: 'connect',
        steps: [
          step(B_POD.id, VETH_B.id, 'SYN 10.244.0.54:40000 → 10.244.1.20:80'),
          step(VETH_B.id, CNI0.id, 'to gateway 10.244.0.1', { kind: 'route' }),
          step(CNI0.id, FL1.id, 'route 10.244.1.0/24 via flannel.1', { kind: 'route', status: 'predicted' }),
          step(FL1.id, ETH1.id, 'VXLAN VNI 1 UDP 8472 → 172.30.1.49', { kind: 'encap', status: 'predicted' }),
          step(ETH1.id, FL2.id, 'UDP 8472 not seen on eth0', {
            kind: 'decap',
            status: 'contradicted',
            evidence: [ev(7, 'no packets on eth0 port 8472')],
          }),
          step(FL2.id, C.id, 'SYN 10.244.0.54:40000 → 10.244.1.20:80', { status: 'predicted' }),
        ],
      },
    ],
    findings: [
      {
        id: 'mtu-mss',
        severity: 'info',
        title: 'MTU 1450',
        message: 'VXLAN adds 50 bytes, so pod MTU is 1450.',
        evidence: [],
      },
    ],
    unresolved: ['No capture on node2: run `tcpdump -i flannel.1 -nn` on node2.'],
  };
}

const B_APP: Actor = {
  id: 'pod:default/b-app',
  kind: 'pod',
  name: 'b-app',
  group: 'Pod b-app netns',
  addresses: ['10.244.0.147'],
};
const VETH_BAPP = root('veth', 'veth:node1/vetha999267c', 'vetha999267c');
const KUBE_SERVICES = root('netfilter', 'chain:node1/KUBE-SERVICES', 'KUBE-SERVICES');
const SVC_DNS = root('netfilter', 'chain:node1/KUBE-SVC-TCOU7JCQXEZGVUNU', 'KUBE-SVC-TCOU7JCQXEZGVUNU');
const SVC_APP = root('netfilter', 'chain:node1/KUBE-SVC-CHTNYTLOWMWCGZWR', 'KUBE-SVC-CHTNYTLOWMWCGZWR');
const COREDNS: Actor = {
  id: 'pod:kube-system/coredns-1',
  kind: 'dns',
  name: 'coredns',
  group: 'Pod coredns netns',
  addresses: ['10.244.0.105'],
};
const A_APP_1: Actor = {
  id: 'pod:default/a-app-1',
  kind: 'pod',
  name: 'a-app-7d9c',
  group: 'Pod a-app-7d9c netns',
  addresses: ['10.244.0.143'],
};

/** A.2: DNS lookup through kube-dns, then TCP to the ClusterIP, DNAT to a random endpoint. */
export function podToService(): Flow {
  return {
    title: 'b-app → a-app.default.svc.cluster.local:80 (ClusterIP)',
    family: 'pod-to-service',
    actors: [B_APP, VETH_BAPP, KUBE_SERVICES, SVC_DNS, COREDNS, SVC_APP, CNI0, A_APP_1],
    phases: [
      {
        name: 'DNS',
        steps: [
          step(B_APP.id, KUBE_SERVICES.id, 'A? a-app.default.svc.cluster.local → 10.96.0.10:53', {
            kind: 'dns-query',
            evidence: [ev(300, 'nameserver 10.96.0.10', 'resolv.conf')],
          }),
          step(KUBE_SERVICES.id, SVC_DNS.id, 'match 10.96.0.10 udp dpt:53', {
            kind: 'nat',
            status: 'predicted',
            evidence: [ev(310, 'KUBE-SVC-TCOU7JCQXEZGVUNU udp -- 0.0.0.0/0 10.96.0.10', 'iptables')],
          }),
          step(SVC_DNS.id, COREDNS.id, 'DNAT to a CoreDNS pod', {
            kind: 'nat',
            status: 'predicted',
            nat: { type: 'DNAT', before: '10.96.0.10:53', after: '10.244.0.105:53' },
            alternatives: [
              { label: 'KUBE-SEP-IT2ZTR26TO4XFPTO → 10.244.0.105:53', probability: 0.5, evidence: [] },
              { label: 'KUBE-SEP-N4G2XR5TDX7PQE7P → 10.244.0.107:53', probability: 0.5, evidence: [] },
            ],
          }),
          step(COREDNS.id, B_APP.id, 'A 10.103.129.86', {
            kind: 'dns-answer',
            dns: { question: 'a-app.default.svc.cluster.local', answers: ['10.103.129.86'], rcode: 'NOERROR' },
            evidence: [ev(330, 'Address 1: 10.103.129.86', 'nslookup')],
          }),
        ],
      },
      {
        name: 'connect',
        steps: [
          step(B_APP.id, VETH_BAPP.id, 'SYN 10.244.0.147:43712 → 10.103.129.86:80', {
            evidence: [ev(400, 'vetha999267c P IP 10.244.0.147.43712 > 10.103.129.86.80: Flags [S]')],
          }),
          step(VETH_BAPP.id, KUBE_SERVICES.id, 'PREROUTING → KUBE-SERVICES', { kind: 'nat', status: 'predicted' }),
          step(KUBE_SERVICES.id, SVC_APP.id, 'match 10.103.129.86 tcp dpt:80', {
            kind: 'nat',
            evidence: [ev(320, 'KUBE-SVC-CHTNYTLOWMWCGZWR tcp -- 0.0.0.0/0 10.103.129.86', 'iptables')],
          }),
          step(SVC_APP.id, CNI0.id, 'DNAT 10.103.129.86:80 → 10.244.0.143:80', {
            kind: 'nat',
            nat: { type: 'DNAT', before: '10.103.129.86:80', after: '10.244.0.143:80' },
            alternatives: [
              {
                label: 'KUBE-SEP-ZZRQGRW2BIJ6VNXP → 10.244.0.143:80',
                probability: 0.5,
                chosen: true,
                evidence: [ev(410, 'cni0 Out IP 10.244.0.147.43712 > 10.244.0.143.80')],
              },
              { label: 'KUBE-SEP-BJVKNWLDIWYBU2WJ → 10.244.0.144:80', probability: 0.5, evidence: [] },
            ],
            evidence: [ev(410, 'cni0 Out IP 10.244.0.147.43712 > 10.244.0.143.80: Flags [S]')],
          }),
          step(CNI0.id, A_APP_1.id, 'SYN 10.244.0.147:43712 → 10.244.0.143:80', {
            evidence: [ev(411, 'vethedfea565 Out IP 10.244.0.147.43712 > 10.244.0.143.80: Flags [S]')],
          }),
        ],
      },
      {
        name: 'reply',
        steps: [
          step(A_APP_1.id, B_APP.id, 'SYN-ACK 10.103.129.86:80 → 10.244.0.147:43712', {
            kind: 'reply',
            status: 'predicted',
            nat: { type: 'un-DNAT', before: '10.244.0.143:80', after: '10.103.129.86:80' },
          }),
        ],
      },
    ],
    findings: [
      {
        id: 'clusterip-traceroute',
        severity: 'info',
        title: 'traceroute to a ClusterIP leaves the cluster',
        message: 'The ClusterIP exists only as a TCP/80 DNAT rule; UDP and ICMP probes follow the default route.',
        evidence: [ev(350, 'traceroute to a-app.default.svc.cluster.local (10.103.129.86)', 'traceroute')],
      },
      {
        id: 'bridge-flooding',
        severity: 'warning',
        title: 'Bridge flooding',
        message: 'The SYN left on about thirty veths before ARP.',
        evidence: [],
      },
    ],
    unresolved: [],
  };
}

/** A.3: headless Service: DNS answers pod IPs, no NAT. */
export function podToHeadless(): Flow {
  const A0: Actor = {
    id: 'pod:default/a-app-0',
    kind: 'pod',
    name: 'a-app-0',
    group: 'Pod a-app-0 netns',
    addresses: ['10.244.0.150'],
  };
  return {
    title: 'b-app → a-app (headless)',
    family: 'pod-to-headless',
    actors: [B_APP, COREDNS, VETH_BAPP, CNI0, A0],
    phases: [
      {
        name: 'DNS',
        steps: [
          step(B_APP.id, COREDNS.id, 'A? a-app.default.svc.cluster.local', { kind: 'dns-query', status: 'predicted' }),
          step(COREDNS.id, B_APP.id, '3 A records', {
            kind: 'dns-answer',
            dns: {
              question: 'a-app.default.svc.cluster.local',
              answers: ['10.244.0.150', '10.244.0.151', '10.244.0.152'],
            },
            alternatives: [
              { label: 'a-app-0.a-app.default.svc.cluster.local 10.244.0.150', chosen: true, evidence: [] },
              { label: 'a-app-1.a-app.default.svc.cluster.local 10.244.0.151', evidence: [] },
              { label: 'a-app-2.a-app.default.svc.cluster.local 10.244.0.152', evidence: [] },
            ],
          }),
        ],
      },
      {
        name: 'connect',
        steps: [
          step(B_APP.id, VETH_BAPP.id, 'SYN → 10.244.0.150:80 (no NAT)'),
          step(VETH_BAPP.id, CNI0.id, 'bridged', { status: 'predicted' }),
          step(CNI0.id, A0.id, 'SYN → 10.244.0.150:80', { status: 'predicted' }),
        ],
      },
    ],
    findings: [
      {
        id: 'headless-dns-spread',
        severity: 'info',
        title: 'Headless spreading comes from DNS',
        message: 'CoreDNS rotates A records.',
        evidence: [],
      },
    ],
    unresolved: [],
  };
}

/** NodePort: a client outside reaches node1:30080, masqueraded, DNAT to a pod; the mark rule is an `opt`. */
export function nodePort(): Flow {
  const CLIENT: Actor = { id: 'ext:172.30.1.10', kind: 'external', name: 'client 172.30.1.10' };
  const NODE = root('node', 'node:node1', 'node1 eth0 172.30.1.48');
  const NP = root('netfilter', 'chain:node1/KUBE-NODEPORTS', 'KUBE-NODEPORTS');
  return {
    title: 'client → node1:30080 (NodePort a-app)',
    family: 'nodeport',
    actors: [CLIENT, NODE, NP, SVC_APP, CNI0, A_APP_1],
    phases: [
      {
        name: 'connect',
        steps: [
          step(CLIENT.id, NODE.id, 'SYN 172.30.1.10:51000 → 172.30.1.48:30080', { status: 'predicted' }),
          step(NODE.id, NP.id, 'KUBE-SERVICES → KUBE-NODEPORTS tcp dpt:30080', { kind: 'nat', status: 'predicted' }),
          step(NP.id, SVC_APP.id, 'KUBE-MARK-MASQ', {
            kind: 'nat',
            status: 'predicted',
            nat: { type: 'MASQUERADE', before: '172.30.1.10:51000', after: '10.244.0.1:51000' },
            alternatives: [
              { label: 'source outside 10.244.0.0/16 → mark for masquerade', probability: 1, evidence: [] },
            ],
          }),
          step(SVC_APP.id, A_APP_1.id, 'DNAT 172.30.1.48:30080 → 10.244.0.143:80', {
            kind: 'nat',
            status: 'predicted',
            nat: { type: 'DNAT', before: '172.30.1.48:30080', after: '10.244.0.143:80' },
          }),
        ],
      },
    ],
    findings: [],
    unresolved: [],
  };
}

/** ExternalName: DNS answers a CNAME, traffic leaves the cluster. */
export function externalName(): Flow {
  const GW: Actor = { id: 'gw:172.30.1.254', kind: 'gateway', name: 'gateway 172.30.1.254' };
  const EXT: Actor = { id: 'ext:example.com', kind: 'external', name: 'example.com' };
  return {
    title: 'b-app → db.default.svc.cluster.local (ExternalName example.com)',
    family: 'external-name',
    actors: [B_APP, COREDNS, GW, EXT],
    phases: [
      {
        name: 'DNS',
        steps: [
          step(B_APP.id, COREDNS.id, 'A? db.default.svc.cluster.local', { kind: 'dns-query', status: 'predicted' }),
          step(COREDNS.id, B_APP.id, 'CNAME example.com', {
            kind: 'dns-answer',
            status: 'predicted',
            dns: { question: 'db.default.svc.cluster.local', answers: ['CNAME example.com'] },
          }),
        ],
      },
      {
        name: 'connect',
        steps: [
          step(B_APP.id, GW.id, 'SYN → example.com:443', { status: 'predicted', kind: 'route' }),
          step(GW.id, EXT.id, 'out of the cluster', { status: 'predicted' }),
        ],
      },
    ],
    findings: [],
    unresolved: [],
  };
}

/** A Service without endpoints: kube-proxy rejects. */
export function noEndpoints(): Flow {
  return {
    title: 'b-app → empty-svc:80 (no endpoints)',
    family: 'pod-to-service',
    actors: [B_APP, KUBE_SERVICES],
    phases: [
      {
        name: 'connect',
        steps: [
          step(B_APP.id, KUBE_SERVICES.id, 'SYN → 10.103.0.9:80', { status: 'predicted' }),
          step(KUBE_SERVICES.id, B_APP.id, 'REJECT icmp-port-unreachable (no endpoints)', {
            kind: 'reject',
            status: 'predicted',
            evidence: [
              ev(12, 'REJECT tcp -- 0.0.0.0/0 10.103.0.9 /* default/empty-svc has no endpoints */', 'iptables'),
            ],
          }),
        ],
      },
    ],
    findings: [
      {
        id: 'service-no-endpoints',
        severity: 'error',
        title: 'Service has no endpoints',
        message: 'No ready pod matches the selector app=empty.',
        evidence: [],
      },
    ],
    unresolved: ['Which pods should match? run `kubectl get pods -l app=empty -o wide`.'],
  };
}

export const FAMILIES: Record<string, () => Flow> = {
  podToPod,
  podToPodVxlan,
  podToService,
  podToHeadless,
  nodePort,
  externalName,
  noEndpoints,
};

export const result = (...flows: Flow[]): TraceResult => ({ flows, unresolved: [] });
