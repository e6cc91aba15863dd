// A capture with a filter covers only the forms of a connection the filter lets through. Real
// captures: the lab's C.9 (`port 80`) and C.10 (`host CLUSTER-IP`), test/fixtures/lab-filtered,
// where the kernel did carry the packets the filter left out (node1's conntrack shows them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { modelOf } from '../../support/modelOf';
import { trace } from '../../../src/flow';
import { filterExpression, parseCaptureFilter, passesEvery } from '../../../src/flow/correlate/captureFilter';

const FILTERED = 'test/fixtures/lab-filtered';
const MANIFESTS = 'test/fixtures/lab/manifests/cluster.yaml';

/** Every `tcpdump` command line of the committed lab runs, broken and working. */
function tcpdumpCommands(): string[] {
  const dirs = [
    'test/fixtures/lab',
    FILTERED,
    ...readdirSync('test/fixtures/broken').map((d) => `test/fixtures/broken/${d}`),
  ];
  const commands = new Set<string>();
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    } catch {
      continue;
    }
    for (const file of files)
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const match = /^\S+@\S+:\S*# (?<command>tcpdump .*)$/.exec(line);
        if (match?.groups) commands.add(match.groups.command);
      }
  }
  return [...commands];
}

test('every filter the lab runs used is read', () => {
  const filters = tcpdumpCommands()
    .map((command) => filterExpression(command))
    .filter((text): text is string => text !== undefined);
  assert.ok(filters.length >= 12, filters.join(' | '));
  for (const text of filters) assert.ok(parseCaptureFilter(text), `not read: ${text}`);
});

test('what a filter lets through: VXLAN under `port 80`, the DNATed form under `host CLUSTER-IP`', () => {
  const client = { ip: '10.244.0.170', port: 40430 };
  const toClusterIp = { protocol: 'tcp', src: client, dst: { ip: '10.106.37.21', port: 80 } } as const;
  const toEndpoint = { protocol: 'tcp', src: client, dst: { ip: '10.244.1.20', port: 80 } } as const;
  const vxlan = { protocol: 'udp', src: {}, dst: { port: 8472 } } as const;
  const port80 = parseCaptureFilter('port 80')!;
  // The VXLAN packet's source port is Flannel's hash, unknown here: not proven to pass, so not covered.
  assert.deepEqual([port80(toClusterIp), port80(toEndpoint), port80(vxlan)], [true, true, undefined]);
  assert.equal(passesEvery(port80, [toClusterIp, toEndpoint, vxlan]), false);
  const host = parseCaptureFilter(filterExpression('tcpdump -i any -nn host 10.106.37.21')!)!;
  assert.deepEqual([host(toClusterIp), host(toEndpoint)], [true, false]);
  const lab = parseCaptureFilter('host 10.244.1.20 or host 10.96.0.21 or udp port 8472')!;
  assert.equal(passesEvery(lab, [toEndpoint, vxlan]), true);
  // pcap's shorthand, negation, quotes; what is not read makes no claim.
  assert.equal(parseCaptureFilter('port 53 or 80')!({ protocol: 'udp', src: {}, dst: { port: 80 } }), true);
  assert.equal(parseCaptureFilter('not port 22')!(toEndpoint), true);
  assert.equal(filterExpression("tcpdump -i any -nn 'tcp port 80' -w out.pcap"), 'tcp port 80');
  assert.equal(filterExpression('tcpdump -i any -nn | tee out'), undefined);
  assert.equal(parseCaptureFilter('tcp[13] & 2 != 0'), undefined);
  assert.equal(passesEvery(undefined, [toClusterIp]), false);
  assert.equal(parseCaptureFilter('host api.default.svc.cluster.local')!(toClusterIp), undefined);
});

for (const experiment of ['c9-filtered-port', 'c10-filtered-host']) {
  test(`${experiment}: no hop the filter left out is called missing; what it let through is observed`, () => {
    const model = modelOf({
      manifests: [MANIFESTS],
      transcripts: [`${FILTERED}/${experiment}.node1.txt`, `${FILTERED}/${experiment}.node2.txt`],
    });
    const { flows } = trace(model, 'frontend', 'api:80');
    assert.ok(flows.length >= 3, `${flows.length} flows`);
    for (const flow of flows) {
      const steps = flow.phases.flatMap((phase) => phase.steps);
      const broken = steps.filter((step) => step.status === 'missing' || step.status === 'contradicted');
      assert.deepEqual(
        broken.map((step) => `${step.from} → ${step.to}: ${step.status}`),
        [],
        flow.title,
      );
      assert.ok(
        steps.some((step) => step.status === 'observed'),
        flow.title,
      );
      assert.deepEqual(
        flow.findings.filter((finding) => finding.severity !== 'info').map((finding) => finding.id),
        [],
        flow.title,
      );
    }
  });
}
