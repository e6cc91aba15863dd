import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { correlate, hopTimes, hoverCorrelation, vethOwnership } from '../../../src/flow/correlate';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import { packetsOf } from '../../../src/model';
import { seedCapture, SEED } from './seedModel';

test('A.1 capture: each packet seen on two veths is one group; ARP request/reply pairs; veths tied to pods by `P`', () => {
  const packets = seedCapture(92);
  const c = correlate(packets);
  assert.equal(packets.length, 12);
  // echo request, echo reply, 2 ARP requests, 2 ARP replies: six packets, each on two interfaces.
  assert.equal(c.groups.length, 6);
  assert.ok(c.groups.every((g) => g.packets.length === 2));
  assert.deepEqual(
    c.groups[0].packets.map((p) => `${p.interface} ${p.direction}`),
    ['vethded7ef9f P', 'veth75a7f7d6 Out'],
  );
  const owners = vethOwnership(c.vethClaims);
  assert.equal(owners.get('10.244.0.54')?.iface, 'vethded7ef9f');
  assert.equal(owners.get('10.244.0.53')?.iface, 'veth75a7f7d6');
  assert.ok(owners.get('10.244.0.54')!.how.includes('sent'));
  assert.deepEqual(owners.get('10.244.0.54')!.rivals, []);
  assert.deepEqual(
    c.arp.map((x) => [x.targetIp, x.senderIp, x.mac]),
    [
      ['10.244.0.54', '10.244.0.53', 'ae:cb:f3:eb:3a:b9'],
      ['10.244.0.53', '10.244.0.54', '7e:45:1f:49:82:91'],
    ],
  );
  assert.deepEqual(c.floods, []);
  assert.deepEqual(c.natPairs, []);
});

test('A.2 captures: pre-/post-DNAT SYN and SYN-ACK pair up (same port and seq), the SYN was flooded to 29 veths', () => {
  const pre = seedCapture(268);
  const post = seedCapture(264);
  const c = correlate([...pre, ...post], { isServiceIp: (ip) => ip === '10.103.129.86' });
  // Every segment that carries a sequence number pairs up, all with the same translation.
  const fwd = c.natPairs.filter((p) => p.direction === 'forward');
  assert.deepEqual(
    [...new Set(fwd.map((p) => `${p.original} → ${p.translated}`))],
    ['10.103.129.86:80 → 10.244.0.144:80'],
  );
  assert.equal(fwd[0].before.tcp?.flags, 'S');
  assert.equal(fwd[0].before.tcp?.seq, 4003348580);
  assert.equal(fwd[0].before.interface, 'vetha999267c');
  assert.equal(fwd[0].after.interface, 'cni0');
  assert.equal(fwd[0].before.evidence[0].line, 268);
  assert.equal(fwd[0].after.evidence[0].line, 264);
  const rev = c.natPairs.filter((p) => p.direction === 'reply');
  assert.deepEqual(
    [...new Set(rev.map((p) => `${p.original} → ${p.translated}`))],
    ['10.244.0.144:80 → 10.103.129.86:80'],
  );
  assert.equal(rev[0].before.tcp?.flags, 'S.');
  assert.equal(rev[0].before.interface, 'vethedfea565');
  assert.equal(c.floods.length, 1);
  assert.equal(c.floods[0].interfaces.length, 29);
  assert.ok(c.floods[0].interfaces.includes('vethedfea565'));
  const owners = vethOwnership(c.vethClaims);
  assert.equal(owners.get('10.244.0.147')?.iface, 'vetha999267c');
  assert.equal(owners.get('10.244.0.144')?.iface, 'vethedfea565');
  // The client-side conversation: handshake, data, FIN both ways.
  const conn = c.connections.find((x) => x.server === '10.103.129.86:80')!;
  assert.equal(conn.client, '10.244.0.147:55042');
  assert.ok(conn.syn && conn.synAck && conn.ack);
  assert.equal(conn.fins.length, 2);
  assert.deepEqual(conn.rsts, []);
  assert.deepEqual(conn.retransmissions, []);
  assert.ok(conn.dataPackets >= 3);
  assert.ok(c.groups.every((g) => g.packets.every((p) => p.evidence[0].uri === SEED)));
});

test('a repeated identical TCP segment later on the same interface is a retransmission, not a second sighting', () => {
  const [syn] = seedCapture(268);
  const again = { ...syn, t: syn.t! + 1, time: undefined };
  const c = correlate([syn, again]);
  assert.equal(c.groups.length, 2);
  assert.equal(c.connections[0].retransmissions.length, 1);
  assert.equal(c.connections[0].retransmissions[0], again);
});

test('a later, stronger claim for another veth is kept as a rival (contradiction material)', () => {
  const packets = seedCapture(92);
  const c = correlate(packets);
  const owners = vethOwnership([
    ...c.vethClaims,
    {
      ip: '10.244.0.54',
      iface: 'veth0000aaaa',
      how: 'declared',
      evidence: [{ source: 'log', uri: 'ip-link.txt', line: 3 }],
    },
  ]);
  const o = owners.get('10.244.0.54')!;
  assert.equal(o.iface, 'veth0000aaaa');
  assert.deepEqual([...new Set(o.rivals.map((r) => r.iface))], ['vethded7ef9f']);
});

test('real capture (netns lab, test/unit/flow/fixtures): RST, ICMP port unreachable and a retransmitted SYN', () => {
  const spec = formatSpec('tcpdump');
  assert.ok(spec, 'tcpdump parser registered');
  const path = 'test/unit/flow/fixtures/errors-capture.txt';
  const packets = packetsOf(spec.parse({ text: readFileSync(path, 'utf8'), uri: path }).facts);
  const c = correlate(packets);
  const refused = c.connections.find((x) => x.server === '10.244.0.53:8080')!;
  assert.ok(refused.syn);
  assert.equal(refused.rsts.length, 2, 'the RST seen on both veths');
  assert.equal(refused.synAck, undefined);
  const dropped = c.connections.find((x) => x.server === '10.244.0.53:81')!;
  assert.equal(
    dropped.retransmissions.length,
    1,
    'one retransmitted SYN (its sighting on the second veth is the same packet)',
  );
  assert.equal(dropped.retransmissions[0].evidence[0].line, 11);
  assert.deepEqual(
    c.icmpErrors.map((e) => e.packet.evidence[0].line),
    [7, 8],
  );
  assert.match(c.icmpErrors[0].type, /unreachable/);
  const owners = vethOwnership(c.vethClaims);
  assert.equal(owners.get('10.244.0.54')?.iface, 'vethded7ef9f');
  assert.equal(owners.get('10.244.0.53')?.iface, 'veth75a7f7d6');
});

test("real capture with `In` on the sender's veth (frame to the cni0 MAC) ties the veth to the pod too", () => {
  const spec = formatSpec('tcpdump')!;
  const path = 'test/fixtures/tcpdump/ttl-exceeded.txt';
  const packets = packetsOf(spec.parse({ text: readFileSync(path, 'utf8'), uri: path }).facts);
  const c = correlate(packets);
  assert.equal(vethOwnership(c.vethClaims).get('10.244.0.54')?.iface, 'vethded7ef9f');
  assert.match(c.icmpErrors[0].type, /time exceeded/);
});

test("per-hop timing: the A.1 echo request took 75 µs from b-pod's veth to a-pod's; A.2's SYN 13 µs to cni0 after DNAT", () => {
  const a1 = correlate(seedCapture(92));
  assert.deepEqual(
    hopTimes(a1.groups[0]).map((h) => [h.interface, h.direction, h.afterUs]),
    [
      ['vethded7ef9f', 'P', 0],
      ['veth75a7f7d6', 'Out', 75],
    ],
  );
  const a2 = correlate([...seedCapture(268), ...seedCapture(264)]);
  const pair = a2.natPairs.find((p) => p.direction === 'forward' && p.before.tcp?.flags === 'S')!;
  assert.equal(Math.round((pair.after.t! - pair.before.t!) * 1e6), 13);
  const post = a2.floods[0].group;
  const h = hopTimes(post);
  assert.equal(h[0].interface, 'cni0');
  assert.equal(h[1].interface, 'vetha999267c');
  assert.equal(h[1].deltaUs, 9);
});

test("hoverCorrelation gives what correlate gives of the groups, floods, veth claims and NAT pairs (a hover's part)", () => {
  const lab = ['a1-pod-to-pod.txt', 'a2-flooding.txt', 'a2-pod-to-service.txt', 'b-cross-node.txt'].map((name) =>
    packetsOf(parseDocument(readFileSync(`test/fixtures/lab/${name}`, 'utf8'), `file:///${name}`).facts),
  );
  const cases: [string, Parameters<typeof correlate>][] = [
    [
      'seed A.2, with Service addresses',
      [[...seedCapture(268), ...seedCapture(264)], { isServiceIp: (ip) => ip === '10.103.129.86' }],
    ],
    ...lab.map((packets, k): [string, Parameters<typeof correlate>] => [`lab capture ${k}`, [packets, {}]]),
  ];
  for (const [name, [packets, options]] of cases) {
    assert.ok(packets.length > 0, `${name} has packets`);
    const whole = correlate(packets, options);
    const part = hoverCorrelation(packets, options);
    assert.deepEqual(part.groups, whole.groups, `${name}: groups`);
    assert.deepEqual([...part.floodOf], [...whole.floodOf], `${name}: floods by packet`);
    assert.deepEqual(part.floods, whole.floods, `${name}: floods`);
    assert.deepEqual(part.vethClaims, whole.vethClaims, `${name}: veth claims`);
    assert.deepEqual(part.natPairs, whole.natPairs, `${name}: NAT pairs`);
  }
});
