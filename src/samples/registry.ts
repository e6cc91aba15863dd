/**
 * The samples shipped in `samples/`: the seed report's outputs, one file per command,
 * cut from the report as-is (flattened lines included), plus the manifests in
 * `samples/manifests/`. Each input names the command that produced it, as the report
 * shows it, so the right parser reads it.
 */

export interface SampleInput {
  /** Path relative to the samples folder. */
  file: string;
  /** The command as the report ran it. */
  command: string;
  /** Where it ran (pod name for `kubectl exec`), when it matters. */
  host?: string;
  /** Line of test/fixtures/seed/flannel-network-flows-part1.ko.txt it was cut from. */
  seedLine: number;
}

export interface Sample {
  name: string;
  title: string;
  /** What `trace --sample NAME` traces. */
  from: string;
  to: string;
  description: string;
  logs: SampleInput[];
  /** Manifest files, relative to the samples folder. */
  manifests: string[];
}

const PODS = 'kubectl get pods -o=custom-columns=NAME:.metadata.name,IP:.status.podIP';

export const SAMPLES: Sample[] = [
  {
    name: 'a1-pod-to-pod',
    title: 'A.1 pod to pod on one node (ping b-pod → a-pod)',
    from: 'b-pod',
    to: 'a-pod',
    description:
      'Two busybox pods on one node: eth0 → host veth → cni0 → veth → eth0, proven by `tcpdump -i any` and `ip link`.',
    logs: [
      { file: 'a1-pod-to-pod/get-pods.txt', command: PODS, seedLine: 78 },
      { file: 'a1-pod-to-pod/capture.txt', command: 'tcpdump -i any host 10.244.0.53', seedLine: 92 },
      { file: 'a1-pod-to-pod/ip-link.txt', command: 'ip link', seedLine: 98 },
    ],
    manifests: ['manifests/a1-pod-to-pod/pods.yaml'],
  },
  {
    name: 'a2-pod-to-service',
    title: 'A.2 pod to ClusterIP Service (wget b-app → a-app.default.svc.cluster.local)',
    from: 'b-app',
    to: 'a-app.default.svc.cluster.local:80',
    description:
      'Deployment a-app (2 nginx) behind ClusterIP 10.103.129.86: DNS search list, kube-dns, KUBE-SVC/KUBE-SEP DNAT, ' +
      'bridge flooding, conntrack reply.',
    logs: [
      {
        file: 'a2-pod-to-service/traceroute.txt',
        command: 'traceroute -m 10 a-app.default.svc.cluster.local',
        host: 'b-app',
        seedLine: 141,
      },
      { file: 'a2-pod-to-service/get-svc.txt', command: 'kubectl get svc a-app', seedLine: 173 },
      { file: 'a2-pod-to-service/get-pods.txt', command: PODS, seedLine: 178 },
      { file: 'a2-pod-to-service/hosts.txt', command: 'cat /etc/hosts', host: 'b-app', seedLine: 184 },
      { file: 'a2-pod-to-service/resolv.conf.txt', command: 'cat /etc/resolv.conf', host: 'b-app', seedLine: 189 },
      {
        file: 'a2-pod-to-service/get-svc-cluster-ips.txt',
        command:
          'kubectl get svc -A ' +
          '-o=custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,CLUSTER-IP:.spec.clusterIP',
        seedLine: 201,
      },
      {
        file: 'a2-pod-to-service/iptables-kube-services-10.96.0.1.txt',
        command: 'iptables -t nat -L KUBE-SERVICES -n',
        seedLine: 207,
      },
      { file: 'a2-pod-to-service/iptables-kube-svc-chains.txt', command: 'iptables -t nat -L -n', seedLine: 213 },
      { file: 'a2-pod-to-service/get-pods-coredns.txt', command: `${PODS} -A`, seedLine: 219 },
      {
        file: 'a2-pod-to-service/nslookup.txt',
        command: 'nslookup a-app.default.svc.cluster.local',
        host: 'b-app',
        seedLine: 225,
      },
      {
        file: 'a2-pod-to-service/iptables-kube-services-a-app.txt',
        command: 'iptables -t nat -L KUBE-SERVICES -n',
        seedLine: 231,
      },
      {
        file: 'a2-pod-to-service/iptables-kube-svc-a-app.txt',
        command: 'iptables -t nat -L KUBE-SVC-CHTNYTLOWMWCGZWR -n',
        seedLine: 236,
      },
      { file: 'a2-pod-to-service/capture-pod.txt', command: 'tcpdump -i any host 10.244.0.144 -n', seedLine: 264 },
      { file: 'a2-pod-to-service/capture-service.txt', command: 'tcpdump -i any host 10.103.129.86 -n', seedLine: 268 },
    ],
    manifests: [
      'manifests/a2-clusterip-deployment/a-app.yaml',
      'manifests/a2-clusterip-deployment/b-app.yaml',
      'manifests/kube-system/kube-dns.yaml',
    ],
  },
  {
    name: 'a3-headless',
    title: 'A.3 pod to headless Service (StatefulSet a-app ×3)',
    from: 'b-app',
    to: 'a-app',
    description:
      'Headless Service a-app (clusterIP: None): DNS answers every pod IP, the client takes the first; per-pod names ' +
      'a-app-N.a-app.default.svc.cluster.local.',
    logs: [
      { file: 'a3-headless/get-svc-sts-pod.txt', command: 'kubectl get svc,statefulset,pod', seedLine: 313 },
      { file: 'a3-headless/nslookup.txt', command: 'nslookup a-app.default.svc.cluster.local', seedLine: 360 },
      { file: 'a3-headless/dig.txt', command: 'dig a-app.default.svc.cluster.local', seedLine: 366 },
    ],
    manifests: [
      'manifests/a3-headless-statefulset/statefulset.yaml',
      'manifests/a3-headless-statefulset/b-app.yaml',
      'manifests/kube-system/kube-dns.yaml',
    ],
  },
];

export function findSample(name: string): Sample | undefined {
  return SAMPLES.find((sample) => sample.name === name);
}
