import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CniConfig } from '../../../src/model';
import { parseSubnetEnv } from '../../../src/ingest/host/subnetEnv';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

test('subnet.env as flanneld writes it becomes a CniConfig with evidence per line', () => {
  const text = readFileSync('test/fixtures/ip/subnet.env', 'utf8');
  const r = parseSubnetEnv({ text, uri: '/run/flannel/subnet.env', host: 'node1' });
  assert.deepEqual(r.unparsed, []);
  const [cni] = r.facts as CniConfig[];
  assert.deepEqual(
    { network: cni.network, subnet: cni.subnet, mtu: cni.mtu, ipMasq: cni.ipMasq, node: cni.node, plugin: cni.plugin },
    { network: '10.244.0.0/16', subnet: '10.244.0.1/24', mtu: 1450, ipMasq: true, node: 'node1', plugin: 'flannel' },
  );
  assert.deepEqual(
    cni.evidence.map((e) => e.line),
    [1, 2, 3, 4],
  );
});

test('subnet.env: bad values and foreign lines are reported, not guessed', () => {
  const r = parseSubnetEnv({ text: '# comment\nFLANNEL_MTU=big\nFLANNEL_NETWORK=10.244.0.0/16\nhello', uri: 'x' });
  const [cni] = r.facts as CniConfig[];
  assert.equal(cni.mtu, undefined);
  assert.equal(cni.network, '10.244.0.0/16');
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [2, 4],
  );
  assert.equal(parseSubnetEnv({ text: 'nothing', uri: 'y' }).facts.length, 0);
  assert.equal(formatForCommand('cat /run/flannel/subnet.env')?.id, 'flannel-subnet-env');
  assert.equal(
    sniffFormat(['FLANNEL_NETWORK=10.244.0.0/16', 'FLANNEL_SUBNET=10.244.0.1/24'])?.id,
    'flannel-subnet-env',
  );
});

test('flattened subnet.env is cut at each KEY=', async () => {
  const { formatSpec } = await import('../../../src/ingest/registry');
  const spec = formatSpec('flannel-subnet-env')!;
  const line = 'FLANNEL_NETWORK=10.244.0.0/16 FLANNEL_SUBNET=10.244.0.1/24 FLANNEL_MTU=1450 FLANNEL_IPMASQ=true';
  const pieces = spec.unflatten!(line) as { text: string; start: number }[];
  assert.deepEqual(
    pieces.map((p) => p.text),
    line.split(' '),
  );
  assert.deepEqual(
    pieces.map((p) => p.start),
    line.split(' ').map((w) => line.indexOf(w)),
  );
  const r = spec.parse({ text: pieces.map((p) => p.text).join('\n'), uri: 'x' });
  assert.equal((r.facts[0] as CniConfig).mtu, 1450);
  assert.deepEqual(
    spec.unflatten!('export FLANNEL_MTU=1450 export FLANNEL_IPMASQ=false').map((p) =>
      typeof p === 'string' ? p : p.text,
    ),
    ['export FLANNEL_MTU=1450', 'export FLANNEL_IPMASQ=false'],
  );
});
