// Pure helpers of the editor features (src/editor/**/*.pure.ts), on real fixtures: the sample
// manifests, the network lab's manifests and transcript, and the e2e iptables-save dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { manifestLenses } from '../../../src/editor/codelens/manifestLenses.pure';
import { buildModel, logFacts, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { buildLineIndex } from '../../../src/editor/hover/captureIndex.pure';
import { annotatePacket, searchListTry, tcpFlagWords } from '../../../src/editor/hover/packetAnnotation.pure';
import { annotateRuleLine } from '../../../src/editor/hover/ruleAnnotation.pure';
import { chooseClient, podDnsNames, targetItems } from '../../../src/editor/trace/targets.pure';
import { checkManifest } from '../../../src/editor/diagnostics/manifestChecks.pure';
import { suggestFlows, summarizeBlocks } from '../../../src/editor/paste/analysis.pure';
import { parseDocument } from '../../../src/ingest/document';
import { trace } from '../../../src/flow';
import { labA2Lines } from '../../support/labA2';

const read = (p: string) => readFileSync(p, 'utf8');
const STS = 'samples/manifests/a3-headless-statefulset/statefulset.yaml';
const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const labModel = () => {
  const d = parseDocument(read(LAB), 'file:///lab/a2.txt');
  return {
    d,
    model: buildModel([
      manifestFacts(read('test/fixtures/lab/manifests/cluster.yaml'), 'file:///lab/cluster.yaml').facts,
      d.facts,
    ]),
  };
};

test('lenses: a StatefulSet and its headless Service get trace lenses at their kind lines, plus per-pod DNS names', () => {
  const lines = read(STS).split('\n');
  const lenses = manifestLenses(read(STS));
  assert.deepEqual(
    lenses.map((l) => [lines[l.line - 1], l.action, l.target.name]),
    [
      ['kind: StatefulSet', 'traceStatefulSet', 'a-app'],
      ['kind: Service', 'traceService', 'a-app'],
      ['kind: Service', 'podDnsNames', 'a-app'],
    ],
  );
});

test('lenses: a Deployment and a ClusterIP Service; broken YAML gives none and does not throw', () => {
  const lenses = manifestLenses(read('samples/manifests/a2-clusterip-deployment/a-app.yaml'));
  assert.deepEqual(
    lenses.map((l) => l.action),
    ['traceFromPod', 'traceService'],
  );
  assert.deepEqual(manifestLenses('kind: Service\nmetadata: [unclosed'), []);
});

test('client choice: the pod declared next to the Service manifest wins; its per-pod names are listed', () => {
  const dir = 'samples/manifests/a2-clusterip-deployment/';
  const model = buildModel(
    ['a-app.yaml', 'b-app.yaml']
      .map((f) => manifestFacts(read(dir + f), `file:///ws/${dir}${f}`).facts)
      .concat([
        manifestFacts(
          read('samples/manifests/a1-pod-to-pod/pods.yaml'),
          'file:///ws/samples/manifests/a1-pod-to-pod/pods.yaml',
        ).facts,
      ]),
  );
  const c = chooseClient(model, model.findService('a-app')!, `file:///ws/${dir}a-app.yaml`);
  assert.equal(c.pick?.name, 'b-app');
  assert.deepEqual(c.candidates.map((p) => p.name).sort(), ['a-pod', 'b-app', 'b-pod']);
  const sts = buildModel([manifestFacts(read(STS), 'file:///sts.yaml').facts]);
  assert.deepEqual(
    podDnsNames(sts, sts.findService('a-app')!).map((n) => n.name),
    [
      'a-app-0.a-app.default.svc.cluster.local',
      'a-app-1.a-app.default.svc.cluster.local',
      'a-app-2.a-app.default.svc.cluster.local',
    ],
  );
});

test('client choice: the pod the capture shows talking to the Service wins over the others', () => {
  const { model } = labModel();
  assert.equal(chooseClient(model, model.findService('a-app')!).pick?.name, 'b-app');
  assert.ok(targetItems(model, 'destination').some((t) => t.value === 'a-app.default.svc.cluster.local'));
});

test('capture hover: veth owner, direction P, CoreDNS Service port and the same packet after DNAT', () => {
  const { d, model } = labModel();
  const index = buildLineIndex(d.facts, 'file:///lab/a2.txt', model);
  // b-app's query to the kube-dns ClusterIP on its veth, and its first copy after DNAT to CoreDNS
  const { query, queryAfterDnat } = labA2Lines();
  const { iface, ip } = queryAfterDnat.groups;
  const text = annotatePacket(model, index, index.packets.get(query.line)![0]).join('\n');
  assert.match(text, /veth79f873bc: host side of the veth pair of pod default\/b-app/);
  assert.match(text, /P \(PACKET_OTHERHOST\)/);
  assert.match(text, /Service kube-system\/kube-dns .*CoreDNS/);
  assert.ok(
    text.includes(`Same packet as line ${queryAfterDnat.line} on ${iface} (after DNAT to ${ip}:53)`),
    `line ${queryAfterDnat.line} on ${iface} after DNAT to ${ip}:53 in:\n${text}`,
  );
  assert.match(
    text,
    /Search list: the resolver appended 'default\.svc\.cluster\.local' to 'a-app\.default\.svc\.cluster\.local'/,
  );
  assert.equal(searchListTry('a-app.default.svc.cluster.local.', 'cluster.local'), undefined);
  assert.equal(tcpFlagWords('S.'), 'SYN + ACK (the server accepts)');
});

test('rule hover: chains decoded to Service ports, probability 1/(n-i) and overall 1/n, DNAT target', () => {
  const path = 'test/e2e/fixtures/kube-proxy-nat.iptables-save';
  const text = read(path);
  const facts = logFacts(text, 'file:///x').facts;
  const model = buildModel([facts]);
  const index = buildLineIndex(facts, 'file:///x', model);
  const lines = text.split('\n');
  const n = lines.findIndex((l) => l.includes('--probability')) + 1;
  const said = annotateRuleLine(model, index.allRules, lines[n - 1], index.rules.get(n) ?? []).join('\n');
  assert.match(said, /KUBE-SVC-TCOU7JCQXEZGVUNU: Service chain .* kube-system\/kube-dns:dns/);
  assert.match(said, /1\/\(n−i\) = 1\/2 .* overall 1\/2 = 50\.0%/);
  const dnat = lines.findIndex((l) => l.includes('--to-destination 10.244.0.143:80')) + 1;
  assert.match(
    annotateRuleLine(model, index.allRules, lines[dnat - 1], index.rules.get(dnat) ?? []).join('\n'),
    /DNAT: rewrites the destination to 10\.244\.0\.143:80/,
  );
});

test('diagnostics: a not-headless governing Service and an unknown targetPort name, with their fixes', () => {
  const broken = read(STS)
    .replace('clusterIP: None', 'clusterIP: 10.96.0.50')
    .replace('targetPort: web', 'targetPort: webb');
  const problems = checkManifest(broken, 'untitled:x', buildModel([manifestFacts(broken, 'untitled:x').facts]));
  const byCode = new Map(problems.map((p) => [p.code, p]));
  assert.deepEqual([...byCode.keys()].sort(), ['statefulset-service-not-headless', 'targetport-name-missing']);
  const tp = byCode.get('targetport-name-missing')!;
  assert.equal(broken.split('\n')[tp.span.line - 1].trim(), 'targetPort: webb');
  assert.deepEqual(
    tp.fixes.map((f) => f.newText),
    ['web'],
  );
  const hl = byCode.get('statefulset-service-not-headless')!;
  assert.equal(broken.split('\n')[hl.span.line - 1].trim(), 'serviceName: "a-app"');
  const fix = hl.fixes[0];
  const line = broken.split('\n')[fix.line];
  assert.equal(
    line.slice(0, fix.start) + fix.newText + line.slice(fix.end),
    '  clusterIP: None # headless: DNS answers the pod IPs',
  );
});

test('diagnostics: a StatefulSet without serviceName; the fix names the headless Service that selects its pods', () => {
  const broken = read(STS).replace(/^ {2}serviceName: "a-app"\n/m, '');
  const [p] = checkManifest(broken, 'untitled:y', buildModel([manifestFacts(broken, 'untitled:y').facts]));
  assert.equal(p.code, 'statefulset-servicename-missing');
  assert.equal(p.fixes[0].newText, '  serviceName: a-app\n');
  assert.equal(broken.split('\n')[p.fixes[0].line - 1].trim(), 'spec:');
});

test('paste analysis: the lab transcript splits into blocks and offers b-app → a-app first', () => {
  const { d, model } = labModel();
  const blocks = summarizeBlocks(d);
  const packetLines = read(LAB)
    .split('\n')
    .filter((l) => /^\d\d:\d\d:\d\d\.\d+ /.test(l)).length;
  assert.ok(packetLines > 100);
  // every packet line is a record (so are tcpdump's own header and trailer lines)
  assert.ok(
    blocks.some((b) => b.format === 'tcpdump' && b.host === 'node1' && b.records >= packetLines && b.unparsed === 0),
  );
  assert.ok(blocks.some((b) => b.format === 'nslookup' && b.host === 'b-app'));
  const flows = suggestFlows(d, model);
  assert.deepEqual(flows[0], {
    from: 'default/b-app',
    to: 'a-app.default.svc.cluster.local',
    why: 'nslookup a-app.default.svc.cluster.local at line 14',
  });
  assert.ok(
    flows.every((f) => !/:(3[2-9]|[4-6]\d)\d{3}/.test(f.to)),
    'no reply (ephemeral port) offered as a flow',
  );
});

test('paste analysis: a node capture alone (no kubectl, no manifest) offers its connections, and each traces', () => {
  const file = 'test/fixtures/lab/c1-service-two-nodes.node1.txt';
  const d = parseDocument(read(file), file);
  const model = buildModel([d.facts]);
  const flows = suggestFlows(d, model);
  const offered = flows.find((f) => f.from === '10.244.0.170' && f.to === '10.106.37.21:80');
  assert.ok(offered, JSON.stringify(flows));
  assert.match(offered.why, /^connection 10\.244\.0\.170:\d+ → 10\.106\.37\.21:80 \(closed\) captured at line \d+$/);
  const traced = trace(model, offered.from, offered.to).flows;
  assert.equal(traced.length, 3, 'the three connections of the run');
  assert.ok(traced.every((f) => f.connection !== undefined && f.title.startsWith('pod 10.244.0.170 → Service api:80')));
});

test('capture hover on a flooded frame names a few sightings and counts the rest as flooding', () => {
  const d = parseDocument(read('test/fixtures/lab/a2-flooding.txt'), 'file:///lab/flood.txt');
  const model = buildModel([
    manifestFacts(read('test/fixtures/lab/manifests/cluster.yaml'), 'file:///lab/cluster.yaml').facts,
    d.facts,
  ]);
  const index = buildLineIndex(d.facts, 'file:///lab/flood.txt', model);
  const said = annotatePacket(model, index, index.packets.get(6)![0]);
  assert.equal(said.filter((s) => s.startsWith('Same packet as line')).length, 6);
  assert.match(said.at(-1)!, /^… and on \d+ more interfaces \(the bridge flooded it/);
});

test('rule hover on `iptables -L` in a transcript that also holds iptables-save: jump i of n counts its own listing', () => {
  const { d, model } = labModel();
  const index = buildLineIndex(d.facts, 'file:///lab/a2.txt', model);
  const lines = read(LAB).split('\n');
  const n =
    lines.findIndex((l) => l.startsWith('KUBE-SEP-ZZRQGRW2BIJ6VNXP') && l.includes('statistic mode random')) + 1;
  const said = annotateRuleLine(model, index.allRules, lines[n - 1], index.rules.get(n) ?? []).join('\n');
  assert.match(said, /→ 10\.244\.0\.143:80 \(pod default\/a-app-57974fdb4-mcz5n on node1\)/);
  assert.match(said, /endpoint jump 1 of 2 takes 1\/\(n−i\) = 1\/2 .* overall 1\/2 = 50\.0%/);
});

test('diagnostics: a Service whose selector matches no pod or workload template is flagged on its selector', () => {
  const text = read('samples/manifests/a2-clusterip-deployment/a-app.yaml');
  const at = text.lastIndexOf('app: a-app');
  const broken = text.slice(0, at) + 'app: a-ap' + text.slice(at + 'app: a-app'.length);
  const problems = checkManifest(broken, 'untitled:s', buildModel([manifestFacts(broken, 'untitled:s').facts]));
  assert.deepEqual(
    problems.map((p) => p.code),
    ['selector-matches-no-pod'],
  );
  assert.equal(broken.split('\n')[problems[0].span.line - 1].trim(), 'selector:');
});

test('diagnostics: serviceName naming an absent Service; the fix points it at the headless Service selecting the pods', () => {
  const broken = read(STS).replace('serviceName: "a-app"', 'serviceName: "nope"');
  const [p, ...rest] = checkManifest(broken, 'untitled:z', buildModel([manifestFacts(broken, 'untitled:z').facts]));
  assert.equal(rest.length, 0);
  assert.equal(p.code, 'statefulset-service-not-headless');
  assert.match(p.message, /No Service named nope is known/);
  assert.deepEqual(
    p.fixes.map((f) => [f.title, f.newText]),
    [['Set serviceName to the headless Service a-app', 'a-app']],
  );
});
