import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FdbEntry } from '../../../src/model';
import { parseBridgeFdb } from '../../../src/ingest/host/bridgeFdb';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

const fx = (name: string) => readFileSync(`test/fixtures/ip/${name}`, 'utf8');

test('bridge fdb show (real): the VXLAN entry Flannel installs points at the remote node', () => {
  const r = parseBridgeFdb({ text: fx('bridge-fdb.txt'), uri: 'fdb' });
  assert.deepEqual(r.unparsed, []);
  const all = r.facts as FdbEntry[];
  assert.equal(all.length, fx('bridge-fdb.txt').trim().split('\n').length);
  const vx = all.filter((e) => e.dev === 'flannel.1');
  assert.equal(vx.length, 1);
  assert.deepEqual([vx[0].mac, vx[0].dst, vx[0].flags], ['ae:cb:5d:41:7a:10', '172.30.1.49', ['self', 'permanent']]);
  // Learned entries on cni0 ports carry master cni0 and no `permanent`.
  const learned = all.filter((e) => e.master === 'cni0' && !e.flags.includes('permanent'));
  assert.ok(learned.length >= 1);
  assert.ok(learned.every((e) => e.dev.startsWith('veth')));
});

test('bridge fdb show dev flannel.1 (real) and the seed form', () => {
  // Real `bridge fdb show dev X` omits `dev` on each line: the device comes from the command.
  const bare = parseBridgeFdb({ text: fx('bridge-fdb-flannel.txt'), uri: 'f' });
  assert.equal(bare.records, 0);
  assert.match(bare.unparsed[0].reason, /without a device/);
  const r = parseBridgeFdb({ text: fx('bridge-fdb-flannel.txt'), uri: 'f', command: 'bridge fdb show dev flannel.1' });
  assert.equal(r.records, 1);
  assert.equal((r.facts[0] as FdbEntry).dev, 'flannel.1');
  assert.equal((r.facts[0] as FdbEntry).dst, '172.30.1.49');
  const seed = parseBridgeFdb({
    text: 'ae:cb:12:34:56:78 dev flannel.1 dst 172.30.1.49 self permanent\nnot an entry',
    uri: 's',
  });
  assert.equal(seed.records, 1);
  assert.deepEqual(
    seed.unparsed.map((u) => u.line),
    [2],
  );
  assert.equal(formatForCommand('bridge fdb show dev flannel.1')?.id, 'bridge-fdb');
  assert.equal(sniffFormat(fx('bridge-fdb.txt').split('\n'))?.id, 'bridge-fdb');
});
