/**
 * The network lab's real transcripts (test/fixtures/lab, README there: the seed cluster
 * rebuilt in namespaces, kube-proxy's rules loaded into the kernel, real tcpdump/dig/nslookup/
 * conntrack output), through parseDocument and the lab's manifests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import { ClusterModel } from '../../../src/model';
import { trace } from '../../../src/flow';
import type { Flow, FlowStep } from '../../../src/flow/types';

const LAB = 'test/fixtures/lab';
function lab(file: string): ClusterModel {
  const manifest = formatSpec('manifest');
  assert.ok(manifest);
  return new ClusterModel()
    .add(
      manifest.parse({
        text: readFileSync(`${LAB}/manifests/cluster.yaml`, 'utf8'),
        uri: `${LAB}/manifests/cluster.yaml`,
      }).facts,
    )
    .add(parseDocument(readFileSync(`${LAB}/${file}`, 'utf8'), `${LAB}/${file}`).facts);
}
const phase = (f: Flow, name: string): FlowStep[] => f.phases.find((p) => p.name === name)!.steps;
const actor = (f: Flow, id: string) => f.actors.find((a) => a.id === id)!;
const from = (_flow: Flow, uri: string, s: FlowStep) => s.evidence.some((e) => e.uri === uri);

test('lab A.2: the search-list NXDOMAINs are observed in the capture, then DNAT to the endpoint conntrack and tcpdump agree on', () => {
  const uri = `${LAB}/a2-pod-to-service.txt`;
  const f = trace(lab('a2-pod-to-service.txt'), 'b-app', 'a-app.default.svc.cluster.local').flows[0];
  const nx = phase(f, 'DNS').filter((s) => s.dns?.rcode === 'NXDOMAIN');
  assert.equal(nx.length, 3);
  assert.ok(
    nx.every((s) => s.status === 'observed' && from(f, uri, s)),
    'each failing search name is in the capture',
  );
  const dnat = phase(f, 'connect').find((s) => s.nat?.type === 'DNAT')!;
  assert.equal(dnat.nat!.before, '10.103.129.86:80');
  assert.equal(dnat.status, 'observed');
  const delivered = phase(f, 'connect').at(-1)!;
  assert.equal(actor(f, delivered.to).addresses?.[0], dnat.nat!.after.split(':')[0]);
  assert.ok(f.findings.some((x) => x.id === 'clusterip-traceroute' && /172\.30\.1\.254/.test(x.message)));
});

// In the 2026-12-05 lab run dnsmasq rotated the three answers, so `dig` (151, 150, 152) and the
// wget's own lookup in the capture (150, 152, 151) differ: the flow's DNS answer is the client's own
// lookup, and the SYN goes to its first address (issue 13 item 4, "Evidence belongs to its flow").
test('lab A.3: headless `web` answers three pod IPs; the capture shows the SYN going straight to the first one', () => {
  const f = trace(lab('a3-headless.txt'), 'b-app', 'web').flows[0];
  assert.equal(f.family, 'pod-to-headless');
  const answer = phase(f, 'DNS').find((s) => s.kind === 'dns-answer')!;
  assert.equal(answer.dns!.answers.length, 3);
  assert.equal(answer.status, 'observed');
  const connect = phase(f, 'connect');
  assert.match(
    connect[0].label,
    new RegExp(`SYN 10\\.244\\.0\\.147:\\d+ → ${answer.dns!.answers[0].replace(/\./g, '\\.')}:80`),
  );
  assert.equal(connect[0].status, 'observed');
  assert.ok(connect.every((s) => actor(f, s.to).kind !== 'netfilter'));
});

test("lab cross-node: node1's half of the VXLAN path is observed (cni0 In, flannel.1 Out, OTV on eth0), node2's only configured", () => {
  const uri = `${LAB}/b-cross-node.txt`;
  const f = trace(lab('b-cross-node.txt'), 'a-pod', 'c-pod').flows[0];
  assert.equal(f.family, 'pod-to-pod-vxlan');
  const req = phase(f, 'request');
  const encap = req.find((s) => s.kind === 'encap')!;
  assert.equal(encap.status, 'observed');
  assert.ok(from(f, uri, encap));
  assert.match(encap.label, /VNI 1, UDP 8472, outer 172\.30\.1\.48 → 172\.30\.1\.49, MTU 1450/);
  // No capture on node2: its flannel.1 (ip -d link) says the decap happens, no packet shows it.
  const decap = req.find((s) => s.kind === 'decap')!;
  assert.equal(decap.status, 'configured');
  assert.ok(decap.evidence.every((e) => e.role !== 'packet'));
  const reply = phase(f, 'reply');
  assert.equal(reply.find((s) => s.kind === 'decap')!.status, 'observed');
  assert.ok(reply.slice(-2).every((s) => s.status === 'observed'));
});
