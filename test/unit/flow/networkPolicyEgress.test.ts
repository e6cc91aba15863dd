// Egress NetworkPolicy: what the manifest reader keeps of each rule, and how a client's egress to a
// pod, port and protocol is judged (allowed, denied, or not known from what was pasted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpec } from '../../../src/ingest/registry';
import { ClusterModel, type NetworkPolicy, type Pod } from '../../../src/model';
import { egressDenied, type EgressTarget } from '../../../src/flow/findings/networkPolicyEgress';

const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: egress, namespace: default }
spec:
  podSelector: { matchLabels: { role: client } }
  policyTypes: [Egress]
  egress:
  - to: [ { podSelector: { matchLabels: { app: web } } } ]
    ports: [ { protocol: TCP, port: 80 } ]
  - to:
    - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
      podSelector: { matchLabels: { k8s-app: kube-dns } }
    ports: [ { protocol: UDP, port: 53 } ]
  - to: [ { ipBlock: { cidr: 192.0.2.0/24, except: [ 192.0.2.128/25 ] } } ]
    ports: [ { port: 8000, endPort: 8080 } ]
  - to: [ { namespaceSelector: { matchLabels: { team: a } } } ]
  - to: [ { podSelector: { matchExpressions: [ { key: app, operator: In, values: [ db ] } ] } } ]
    ports: [ { port: postgres } ]
`;

function model(policy = POLICY): ClusterModel {
  const m = new ClusterModel();
  m.add(formatSpec('manifest')!.parse({ text: policy, uri: 'policy.yaml' }).facts);
  return m;
}

const pod = (name: string, namespace: string, labels?: Record<string, string>, ip = '10.244.0.9'): Pod => ({
  kind: 'Pod',
  name,
  namespace,
  ip,
  labels,
  evidence: [],
});
const client = pod('client', 'default', { role: 'client' }, '10.244.0.10');
const to = (target: Partial<EgressTarget>): EgressTarget => ({
  ip: '10.244.0.9',
  port: 80,
  protocol: 'TCP',
  ...target,
});
const verdict = (m: ClusterModel, who: Pod, target: EgressTarget) =>
  egressDenied(m, who, target) ? 'denied' : 'allowed or unknown';

test('the reader keeps each egress rule: peers (pods, namespaces, address blocks) and ports', () => {
  const [policy] = model().all('NetworkPolicy') as NetworkPolicy[];
  assert.deepEqual(policy.policyTypes, ['Egress']);
  assert.deepEqual(policy.egress, [
    { to: [{ podSelector: { app: 'web' } }], ports: [{ protocol: 'TCP', port: 80 }] },
    {
      to: [
        { namespaceSelector: { 'kubernetes.io/metadata.name': 'kube-system' }, podSelector: { 'k8s-app': 'kube-dns' } },
      ],
      ports: [{ protocol: 'UDP', port: 53 }],
    },
    {
      to: [{ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] } }],
      ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }],
    },
    { to: [{ namespaceSelector: { team: 'a' } }], ports: [] },
    { to: [{ unevaluated: true }], ports: [{ protocol: 'TCP', port: 'postgres' }] },
  ]);
});

/** The policy without its last two rules (a namespace chosen by other labels, a matchExpressions peer). */
const STRICT = POLICY.split('  - to: [ { namespaceSelector: { matchLabels: { team: a } } } ]')[0];

test('a rule admits by peer and port together; what no rule admits is denied', () => {
  const m = model(STRICT);
  const web = pod('web-1', 'default', { app: 'web' });
  const dns = pod('coredns', 'kube-system', { 'k8s-app': 'kube-dns' });
  assert.equal(verdict(m, client, to({ pod: web })), 'allowed or unknown');
  assert.equal(verdict(m, client, to({ pod: web, port: 8080 })), 'denied', 'web, another port');
  assert.equal(verdict(m, client, to({ pod: web, protocol: 'UDP' })), 'denied', 'web, another protocol');
  assert.equal(verdict(m, client, to({ pod: dns, port: 53, protocol: 'UDP' })), 'allowed or unknown');
  assert.equal(verdict(m, client, to({ pod: dns, port: 53, protocol: 'TCP' })), 'denied', 'DNS over TCP not allowed');
  // an app=kube-dns pod of another namespace is not the one the namespaceSelector names
  const elsewhere = pod('coredns', 'default', { 'k8s-app': 'kube-dns' });
  assert.equal(verdict(m, client, to({ pod: elsewhere, port: 53, protocol: 'UDP' })), 'denied');
  // address blocks, with their exceptions and port ranges
  assert.equal(verdict(m, client, to({ ip: '192.0.2.10', port: 8042 })), 'allowed or unknown');
  assert.equal(verdict(m, client, to({ ip: '192.0.2.200', port: 8042 })), 'denied', 'in the except block');
  assert.equal(verdict(m, client, to({ ip: '192.0.2.10', port: 8081 })), 'denied', 'past endPort');
});

test('what is not known is never called denied', () => {
  const m = model();
  const web = pod('web-1', 'default', { app: 'web' });
  // denied by the strict policy, unknown here: a rule admits namespaces labelled team=a, and the
  // labels of default are not known
  assert.equal(verdict(model(STRICT), client, to({ pod: web, port: 8080 })), 'denied');
  assert.equal(verdict(m, client, to({ pod: web, port: 8080 })), 'allowed or unknown');
  // the target's labels unknown
  assert.equal(
    verdict(model(STRICT), client, to({ pod: pod('y', 'default', undefined), port: 80 })),
    'allowed or unknown',
  );
  // the client's labels unknown: whether a policy isolates it is not known
  assert.equal(verdict(m, pod('client', 'default', undefined), to({ port: 9 })), 'allowed or unknown');
  // a client no policy selects is not isolated
  assert.equal(verdict(m, pod('other', 'default', { role: 'other' }), to({ port: 9 })), 'allowed or unknown');
  // an address no pod has is in no pod or namespace selector: only the address blocks can admit it
  assert.equal(verdict(model(STRICT), client, to({ ip: '198.51.100.7', port: 443 })), 'denied');
});
