import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Neighbor, Route } from '../../../src/model';
import { parseIpRoute } from '../../../src/ingest/host/ipRoute';
import { parseIpNeigh } from '../../../src/ingest/host/ipNeigh';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

const fx = (name: string) => readFileSync(`test/fixtures/ip/${name}`, 'utf8');

test('ip route (real): default, flannel onlink route to the remote subnet, kernel route on cni0', () => {
  const r = parseIpRoute({ text: fx('ip-route.txt'), uri: 'ip-route.txt', host: 'node1' });
  assert.deepEqual(r.unparsed, []);
  const routes = r.facts as Route[];
  assert.equal(routes.length, 4);
  const def = routes.find((x) => x.destination === 'default')!;
  assert.equal(def.via, '172.30.1.254');
  assert.equal(def.dev, 'eth0');
  const remote = routes.find((x) => x.destination === '10.244.1.0/24')!;
  assert.deepEqual([remote.via, remote.dev, remote.onlink], ['10.244.1.0', 'flannel.1', true]);
  const local = routes.find((x) => x.destination === '10.244.0.0/24')!;
  assert.deepEqual(
    [local.dev, local.proto, local.scope, local.src, local.via],
    ['cni0', 'kernel', 'link', '10.244.0.1', undefined],
  );
  assert.equal(local.host, 'node1');
  assert.match(local.evidence[0].excerpt!, /^10\.244\.0\.0\/24 dev cni0/);
});

test('ip route in a pod netns (real) and foreign lines', () => {
  const r = parseIpRoute({
    text: fx('pod-ip-route.txt') + 'Error: any valid prefix is expected rather than "x".\n',
    uri: 'p',
  });
  assert.equal(r.records, 3);
  assert.equal(r.unparsed.length, 1);
  assert.equal(r.unparsed[0].line, 4);
  assert.ok((r.facts as Route[]).some((x) => x.destination === 'default' && x.via === '10.244.0.1'));
});

test('ip route get output is not taken for a routing table entry', () => {
  const text = fx('ip-route-get.txt');
  const r = parseIpRoute({ text, uri: 'g', command: 'ip route get 10.244.1.5' });
  assert.equal(r.records, 0);
  assert.equal(r.unparsed.length, text.split('\n').filter((l) => l.trim()).length);
  assert.match(text, /^10\.244\.1\.5 via 10\.244\.1\.0 dev flannel\.1/);
});

test('ip route show table all style lines with a type and table', () => {
  const r = parseIpRoute({
    text: 'local 10.244.0.1 dev cni0 table local proto kernel scope host src 10.244.0.1\nunreachable 10.1.0.0/16 metric 10',
    uri: 't',
  });
  assert.deepEqual(r.unparsed, []);
  const [a, b] = r.facts as Route[];
  assert.equal(a.table, 'local');
  assert.equal(b.metric, 10);
});

test('ip neigh (real): flannel.1 permanent entry for the remote VTEP, pod neighbours on cni0', () => {
  const r = parseIpNeigh({ text: fx('ip-neigh.txt'), uri: 'n' });
  assert.deepEqual(r.unparsed, []);
  const n = r.facts as Neighbor[];
  const vtep = n.find((x) => x.dev === 'flannel.1')!;
  assert.deepEqual([vtep.ip, vtep.lladdr, vtep.state], ['10.244.1.0', 'ae:cb:5d:41:7a:10', 'PERMANENT']);
  assert.ok(n.some((x) => x.ip === '10.244.0.53' && x.dev === 'cni0'));
  const failed = parseIpNeigh({
    text: '10.244.0.99 dev cni0 FAILED\nfe80::1 dev eth0 lladdr aa:bb:cc:dd:ee:ff router STALE',
    uri: 'f',
  }).facts as Neighbor[];
  assert.deepEqual(
    failed.map((x) => [x.state, x.lladdr]),
    [
      ['FAILED', undefined],
      ['STALE', 'aa:bb:cc:dd:ee:ff'],
    ],
  );
});

test('route and neigh commands and sniffing', () => {
  assert.equal(formatForCommand('ip route')?.id, 'ip-route');
  assert.equal(formatForCommand('ip r')?.id, 'ip-route');
  assert.equal(formatForCommand('ip neigh show')?.id, 'ip-neigh');
  assert.equal(sniffFormat(fx('ip-route.txt').split('\n'))?.id, 'ip-route');
  assert.equal(sniffFormat(fx('ip-neigh.txt').split('\n'))?.id, 'ip-neigh');
});

test('flattened ip route / ip neigh / bridge fdb output is split back into the real lines', async () => {
  const { unflattenIpRoute, unflattenIpNeigh, unflattenBridgeFdb } = await import('../../../src/ingest/host/unflatten');
  const cases: [string, (l: string) => string[]][] = [
    ['ip-route.txt', unflattenIpRoute],
    ['pod-ip-route.txt', unflattenIpRoute],
    ['ip-neigh.txt', unflattenIpNeigh],
    ['bridge-fdb.txt', unflattenBridgeFdb],
  ];
  for (const [name, fn] of cases) {
    const lines = fx(name)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.deepEqual(fn(lines.join(' ')), lines, name);
  }
  const typed =
    'local 10.244.0.1 dev cni0 table local proto kernel scope host src 10.244.0.1 broadcast 10.244.0.255 dev cni0 table local proto kernel scope link src 10.244.0.1';
  assert.equal(unflattenIpRoute(typed).length, 2);
});

test('FormatSpec.unflatten hooks: pieces are slices of the line at their columns, and idempotent', async () => {
  const { formatSpec } = await import('../../../src/ingest/registry');
  for (const [id, file] of [
    ['ip-route', 'ip-route.txt'],
    ['ip-neigh', 'ip-neigh.txt'],
    ['bridge-fdb', 'bridge-fdb.txt'],
    ['ip-link', 'ip-link.txt'],
    ['ip-addr', 'ip-addr.txt'],
  ] as const) {
    const spec = formatSpec(id)!;
    assert.ok(spec.unflatten, id);
    const lines = fx(file)
      .split('\n')
      .filter((l) => l.trim());
    const flat = lines.map((l) => l.trim()).join(' ');
    const pieces = spec.unflatten(flat).map((p) => (typeof p === 'string' ? { text: p, start: flat.indexOf(p) } : p));
    assert.equal(pieces.length, lines.length, id);
    for (const p of pieces) assert.ok(flat.slice(p.start).startsWith(p.text.trim()), `${id}: piece at ${p.start}`);
    // Parsing the pieces gives what parsing the original lines gives.
    const strip = (t: string) => spec.parse({ text: t, uri: 'u' }).facts.map((f) => ({ ...f, evidence: undefined }));
    assert.deepEqual(strip(pieces.map((p) => p.text).join('\n')), strip(fx(file)), id);
    // A line that holds one record comes back whole.
    for (const l of lines.slice(0, 3)) {
      const again = spec.unflatten(l);
      assert.equal(again.length, 1, `${id}: ${l}`);
    }
  }
});

test('ip -j route (real) gives the same routes as ip route', () => {
  const strip = (fs: Route[]) => fs.map((f) => ({ ...f, evidence: undefined }));
  const j = parseIpRoute({ text: readFileSync('test/fixtures/ip/ip-j-route.json', 'utf8'), uri: 'j' });
  assert.deepEqual(j.unparsed, []);
  assert.deepEqual(
    strip(j.facts as Route[]),
    strip(parseIpRoute({ text: fx('ip-route.txt'), uri: 't' }).facts as Route[]),
  );
  assert.equal(sniffFormat(readFileSync('test/fixtures/ip/ip-j-route.json', 'utf8').split('\n'))?.id, 'ip-route');
});
