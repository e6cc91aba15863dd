// The shortcuts a trace takes on large captures give what the plain ways give, on every network-lab
// run (test/fixtures/lab, real captures): the correlation of all packets limited to what a trace
// reads of it, capture sites looked up by position or evidence line instead of a map per packet, and
// connections rebuilt with the parser's shared endpoint objects (as against packets each with its own),
// and the search-list finding's NXDOMAIN answers read only as far as the first it cites; same-packet
// groups keyed when first compared and read as they close, connection summaries sharing the DNAT
// chains they found, a client's DNS exchanges found among the connections of all packets. The same on
// a large capture made from the A.2 run's (its packets repeated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterModel, Packet } from '../../../src/model';
import { parseDocument } from '../../../src/ingest/document';
import { repeatedCapture } from '../../support/largeLab';
import { samePacketKey } from '../../../src/flow/correlate/packetKey';
import { summarizeConnection } from '../../../src/flow/connectionSummary';
import { modelOf } from '../../support/modelOf';
import { correlate, correlateOptionsOf, sharedCorrelation } from '../../../src/flow/correlate/correlate';
import { connectionsAmong, reconstructConnections, type Connection } from '../../../src/flow/correlate/connections';
import { sitedPackets, SitesOfList, type CaptureSite } from '../../../src/flow/correlate/sites';
import { dnsQuestions } from '../../../src/flow/correlate/dnsQuestions';
import type { TraceContext } from '../../../src/flow/context';
import { dnsSearchAmplification } from '../../../src/flow/findings/dnsSearchAmplification';

const LAB = 'test/fixtures/lab';
const runs = [
  ...new Set(
    readdirSync(LAB)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.split('.')[0]),
  ),
].sort();

function labModel(run: string) {
  return modelOf({
    manifests: [join(LAB, 'manifests', 'cluster.yaml')],
    transcripts: readdirSync(LAB)
      .filter((f) => f.startsWith(`${run}.`) && f.endsWith('.txt'))
      .map((f) => join(LAB, f)),
  });
}

/** What a connection is, in plain values (the packets by their evidence line, the sites by index). */
function shape(connection: Connection) {
  const line = (packet: Packet) => `${packet.evidence[0]?.uri}:${packet.evidence[0]?.line}`;
  return {
    protocol: connection.protocol,
    client: connection.client,
    outcome: connection.outcome,
    start: connection.start,
    end: connection.end,
    original: connection.original.key,
    legs: connection.legs.map((leg) => ({
      key: leg.key,
      from: leg.from,
      to: leg.to,
      sightings: leg.sightings.map((sighting) => [line(sighting.packet), sighting.site?.index, sighting.encapsulated]),
    })),
    sightings: connection.sightings.map((sighting) => [line(sighting.packet), sighting.site?.index]),
  };
}

test('lab runs: every run has captures to check', () => {
  assert.ok(runs.length >= 15, runs.join(' '));
  assert.ok(runs.every((run) => labModel(run).captures.length > 0 || run.startsWith('a')));
});

/**
 * A client's DNS exchanges as the DNS phase reads them (families/dns.ts): rebuilt from its own DNS
 * packets, and found among `every` connection of all packets; the same sightings (packets by their
 * place in `packets`) in the same order, the same times. How many clients were found among `every`.
 */
function checkDnsExchanges(run: string, packets: readonly Packet[], every: readonly Connection[]): number {
  const position = new Map(packets.map((packet, index) => [packet, index]));
  const exchangeShape = (connection: Connection) => ({
    start: connection.start,
    end: connection.end,
    sightings: connection.sightings.map((sighting) => [
      position.get(sighting.packet),
      sighting.frame === sighting.packet,
      sighting.encapsulated,
    ]),
  });
  const dnsFrame = (packet: Packet) => (packet.inner?.dns ? packet.inner : packet);
  const clients = new Set(
    packets.map(dnsFrame).flatMap((frame) => (frame.dns && !frame.dns.response && frame.src ? [frame.src.ip] : [])),
  );
  let found = 0;
  for (const client of clients) {
    const mine = packets.filter((packet) => {
      const frame = dnsFrame(packet);
      return frame.dns !== undefined && (frame.dns.response ? frame.dst?.ip : frame.src?.ip) === client;
    });
    const among = connectionsAmong(mine, every);
    assert.deepEqual(among.map(exchangeShape), reconstructConnections(mine).map(exchangeShape), `${run}: ${client}`);
    if (among.length > 0 && among.every((connection) => every.includes(connection))) found++;
    // Part of a connection's packets: no connection of `every` holds just them, so they are rebuilt alone.
    const [first] = among;
    if (first && first.sightings.length > 1) {
      const part = mine.filter((packet) => packet !== first.sightings[0].packet);
      const rebuilt = connectionsAmong(part, every);
      assert.deepEqual(rebuilt.map(exchangeShape), reconstructConnections(part).map(exchangeShape), run);
      assert.ok(!rebuilt.some((connection) => every.includes(connection)), `${run}: ${client} rebuilt alone`);
    }
  }
  return found;
}

/** The shortcuts against the plain ways on every packet of `model` (named `run` in messages). */
function checkShortcuts(run: string, model: ClusterModel): void {
  const sited = sitedPackets(model, undefined);
  const options = correlateOptionsOf(model);

  // The correlation a trace keeps of all its packets is correlate's own.
  const full = correlate(sited.packets, options);
  assert.deepEqual(sharedCorrelation(sited.packets, options), {
    vethClaims: full.vethClaims,
    arp: full.arp,
    icmpErrors: full.icmpErrors,
  });

  // Each packet's site is the capture it was read from; loose packets have none.
  const capturedIn = new Map<Packet, number>();
  model.captures.forEach((capture, index) => {
    for (const packet of capture.packets.all()) capturedIn.set(packet, index);
  });
  const reference = new Map<Packet, CaptureSite>();
  sited.packets.forEach((packet, position) => {
    const site = sited.siteOf.get(packet);
    assert.equal(site, sited.siteOf.at(position), `${run}: packet ${position}`);
    assert.equal(site?.index, capturedIn.get(packet), `${run}: packet ${position}`);
    if (site) reference.set(packet, site);
  });
  assert.equal(reference.size, capturedIn.size, `${run}: every captured packet sited`);

  // Connections: sites by position (the list itself) or by lookup (a map), endpoints shared by the
  // parser or one object per packet: the same connections.
  const byPosition = reconstructConnections(sited.packets, sited.siteOf).map(shape);
  assert.deepEqual(reconstructConnections(sited.packets, reference).map(shape), byPosition);
  const ownEndpoints = sited.packets.map((packet): Packet => ({
    ...packet,
    src: packet.src && { ...packet.src },
    dst: packet.dst && { ...packet.dst },
    inner: packet.inner && {
      ...packet.inner,
      src: packet.inner.src && { ...packet.inner.src },
      dst: packet.inner.dst && { ...packet.inner.dst },
    },
  }));
  const ownSites = new Map(ownEndpoints.map((packet, position) => [packet, sited.siteOf.at(position)!]));
  assert.deepEqual(reconstructConnections(ownEndpoints, ownSites).map(shape), byPosition);
  assert.ok(byPosition.length > 0, `${run}: connections`);

  // A group's key, made when first read, is the key of its packets; groups are found by it.
  for (const packetGroup of full.groups)
    for (const packet of packetGroup.packets) assert.equal(packetGroup.key, samePacketKey(packet), run);

  // Summaries sharing the DNAT chains found: what each gives alone.
  const connections = reconstructConnections(sited.packets, sited.siteOf);
  const dnsClients = checkDnsExchanges(run, sited.packets, connections);
  if (run === 'large A.2' || run === 'a2-pod-to-service')
    assert.ok(dnsClients > 0, `${run}: exchanges found among all`);
  const chains = new Map<string, string | undefined>();
  assert.deepEqual(
    connections.map((connection, index) => summarizeConnection(model, connection, index, { chains })),
    connections.map((connection, index) => summarizeConnection(model, connection, index)),
    run,
  );
}

for (const run of runs)
  test(`lab ${run}: shortcuts give what the plain ways give`, () => checkShortcuts(run, labModel(run)));

test('a large capture (the packets of the A.2 run repeated): shortcuts give what the plain ways give', () => {
  const transcript = join(LAB, 'a2-pod-to-service.txt');
  const model = labModel('a2-pod-to-service');
  // about 20,000 packet lines: groups close as their window passes, sites span many packets
  const capture = repeatedCapture(readFileSync(transcript, 'utf8'), 2_500_000);
  model.add(parseDocument(capture, 'file:///large.tcpdump').facts);
  const packets = model.captures.reduce((count, each) => count + each.packets.size, 0);
  assert.ok(packets > 15_000, `${packets} packets`);
  checkShortcuts('large A.2', model);
});

test('sites of packets whose lines are out of order, of loose packets and of packets in two lists', () => {
  const model = labModel('c1-service-two-nodes');
  const [first, second] = model.captures.map((capture) => capture.packets.all());
  assert.ok(first.length > 10 && second.length > 10);
  const loose: Packet = { ...first[0] };
  const backwards = [...second].reverse();
  const packets = [loose, ...first, ...backwards, first[3]];
  const siteOf = new SitesOfList(packets);
  const site = (index: number): CaptureSite => ({ index, uri: `u${index}`, filtered: false });
  siteOf.add(site(0), 1, 1 + first.length);
  siteOf.add(site(1), 1 + first.length, 1 + first.length + second.length);
  siteOf.add(site(2), packets.length - 1, packets.length);
  assert.equal(siteOf.get(loose), undefined);
  assert.equal(siteOf.at(0), undefined);
  assert.equal(siteOf.get(first[5])?.index, 0);
  for (const packet of second) assert.equal(siteOf.get(packet)?.index, 1);
  // In two lists: the last one's site, as a map filled in list order gives.
  assert.equal(siteOf.get(first[3])?.index, 2);
  assert.equal(siteOf.at(4)?.index, 0);
  assert.equal(siteOf.at(packets.length - 1)?.index, 2);
});

test('the NXDOMAIN answers the search-list finding cites: the first three of the names, as a full pairing gives', () => {
  for (const run of ['a2-pod-to-service', 'a3-headless']) {
    const packets = sitedPackets(labModel(run), undefined).packets;
    const question = dnsQuestions(packets);
    const name = (packet: Packet) => question(packet)?.name.replace(/\.$/, '');
    const nxdomain = packets.filter((packet) => packet.dns?.response && /nxdomain/i.test(packet.dns.rcode ?? ''));
    const failed = [...new Set(nxdomain.map(name).filter((asked) => asked !== undefined))];
    assert.ok(failed.length >= 2, `${run}: names that failed`);
    for (const names of [failed, failed.slice(1), failed.slice(0, 1)]) {
      const expected = nxdomain.filter((packet) => names.includes(name(packet)!)).slice(0, 3);
      const ctx = { allPackets: packets } as unknown as TraceContext;
      const [finding] = dnsSearchAmplification(ctx, { typed: 'a-app', failed: names, ndots: 5, configEvidence: [] });
      assert.deepEqual(
        finding.evidence,
        expected.flatMap((packet) => packet.evidence),
        `${run}: ${names.join(' ')}`,
      );
    }
  }
});
