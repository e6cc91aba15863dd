/**
 * `cluster://` evidence names the field that proves the hop (set by the cluster layer,
 * src/cluster/convert/evidence.ts), and the object's read-only YAML document opens at that
 * field's line. Objects: the seed cluster in the API's wire format (test/fixtures/cluster/seed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiObjectFacts } from '../../../src/cluster/convert';
import { clusterEvidenceLine, factsYaml, fieldLine, fieldSegments } from '../../../src/editor/cluster/objectLine.pure';

const SEED = 'test/fixtures/cluster/seed';
const items = (resource: string) =>
  (JSON.parse(readFileSync(`${SEED}/${resource}.json`, 'utf8')) as { items: Record<string, unknown>[] }).items;
const named = (resource: string, name: string) =>
  items(resource).find((item) => (item.metadata as { name?: string }).name === name)!;

/** The document clusterObjectText shows: two comment lines, then the facts. */
function documentOf(kind: string, item: Record<string, unknown>) {
  const facts = apiObjectFacts(kind, item, 'kind-seed').facts;
  return { facts, text: `# ${kind}\n# as read\n${factsYaml(facts)}` };
}

test('field paths split into keys and indexes; anything else is refused', () => {
  assert.deepEqual(fieldSegments('endpoints[1].addresses[0]'), ['endpoints', 1, 'addresses', 0]);
  assert.deepEqual(fieldSegments('clusterIP'), ['clusterIP']);
  for (const bad of ['', 'endpoints..x', 'a[x]', '[0', 'a b']) assert.equal(fieldSegments(bad), undefined, bad);
});

test('an EndpointSlice with two endpoints opens at its endpoints, one with one address at that address', () => {
  const slice = named('endpointslices', 'a-app-9xk4m');
  const two = documentOf('EndpointSlice', slice);
  const evidence = two.facts[0].evidence[0];
  assert.equal(evidence.field, 'endpoints');
  const lines = two.text.split('\n');
  assert.equal(lines[clusterEvidenceLine(two.text, evidence)], 'endpoints:');
  const endpoints = slice.endpoints as unknown[];
  const one = documentOf('EndpointSlice', { ...slice, endpoints: [endpoints[1]] });
  const single = one.facts[0].evidence[0];
  assert.equal(single.field, 'endpoints[0].addresses[0]');
  assert.equal(one.text.split('\n')[clusterEvidenceLine(one.text, single)].trim(), '- 10.244.0.144');
});

test('a Service opens at its ClusterIP, a Pod at its IP', () => {
  const service = documentOf('Service', items('services')[0]);
  const serviceLine = service.text.split('\n')[clusterEvidenceLine(service.text, service.facts[0].evidence[0])];
  assert.match(serviceLine, /^clusterIP: \d+\.\d+\.\d+\.\d+$/);
  const pod = documentOf('Pod', items('pods')[0]);
  assert.match(pod.text.split('\n')[clusterEvidenceLine(pod.text, pod.facts[0].evidence[0])], /^ip: \d+\./);
});

test('an excerpt (a Corefile line) still wins; a field the document lacks falls back to the name', () => {
  const text = 'kind: DnsConfig\nname: coredns\ncorefile: |\n  .:53 {\n      loadbalance\n';
  const uri = 'cluster://kind-seed/ConfigMap/kube-system/coredns';
  assert.equal(clusterEvidenceLine(text, { uri, excerpt: 'loadbalance', field: 'name' }), 4);
  assert.equal(clusterEvidenceLine(text, { uri, field: 'endpoints[3]' }), 1);
  assert.equal(fieldLine(text, 'name'), 1);
});
