// Capture correlation on up to 1M packets: the seed report's A.2 conversation (client side before
// DNAT, flooded post-DNAT side) replayed as many distinct connections. Prints packets/s and
// peak RSS per size, so linearity shows; nothing asserts on time. Then the trace a user asks of a
// large capture (bench/large-capture.mjs, as bench/host-stall.bench.mjs opens it in VS Code).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { correlate } from '../src/flow/correlate';
import { trace, TraceCache, type TraceResult } from '../src/flow';
import type { TraceOptions } from '../src/flow/trace';
import '../src/ingest/all';
import { parseDocument } from '../src/ingest/document';
import { formatSpec } from '../src/ingest/registry';
import { ClusterModel, type Packet } from '../src/model';
import { labA2, seedCapture } from '../test/unit/flow/seedModel';

const template = [...seedCapture(268), ...seedCapture(264)];

function replay(count: number, client = '10.244.0.147'): Packet[] {
  const out: Packet[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const copy = Math.floor(i / template.length);
    const packet = template[i % template.length];
    const shift = (endpoint?: { ip: string; port?: number }) =>
      endpoint && endpoint.port === 55042 ? { ...endpoint, ip: client, port: 1024 + (copy % 60000) } : endpoint;
    out[i] = {
      ...packet,
      t: (packet.t ?? 0) + copy * 0.001,
      time: undefined,
      src: shift(packet.src),
      dst: shift(packet.dst),
      // Both sequence spaces move together (seq and ack), so the SYN-ACK's ack still names this
      // copy's ISN: with seq alone, every copy linked to one connection of ~176k packets.
      tcp: packet.tcp
        ? {
            ...packet.tcp,
            seq: packet.tcp.seq !== undefined ? (packet.tcp.seq + copy * 7919) % 4294967296 : undefined,
            ack: packet.tcp.ack !== undefined ? (packet.tcp.ack + copy * 7919) % 4294967296 : undefined,
          }
        : undefined,
    };
  }
  return out;
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
for (const count of [10_000, 100_000, 1_000_000]) {
  const packets = replay(count);
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  const correlation = correlate(packets, { isServiceIp: (ip) => ip === '10.103.129.86' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `correlate ${String(count).padStart(9)} packets: ${ms.toFixed(0).padStart(6)} ms, ${(count / (ms / 1000) / 1e6).toFixed(2)} M packets/s, groups ${correlation.groups.length}, NAT pairs ${correlation.natPairs.length}, floods ${correlation.floods.length}, connections ${correlation.connections.length}, rss ${mb(process.memoryUsage().rss)} MB`,
  );
}

{
  // A whole trace of the A.2 lab with 200k extra packets of other connections in the model.
  const model: ClusterModel = labA2();
  model.add(replay(200_000));
  const t1 = process.hrtime.bigint();
  const result = trace(model, 'b-app', 'a-app.default.svc.cluster.local');
  const ms = Number(process.hrtime.bigint() - t1) / 1e6;
  console.log(
    `trace A.2 with ${model.packets.length} packets in the model: ${ms.toFixed(0)} ms, ${result.flows.length} flows, ${result.flows[0].phases.reduce((steps, phase) => steps + phase.steps.length, 0)} steps in the first`,
  );
  // The same volume of traffic from another client: correlated only where it touches the traced addresses.
  const other: ClusterModel = labA2();
  other.add(replay(200_000, '10.244.9.9'));
  const t2 = process.hrtime.bigint();
  trace(other, 'b-app', 'a-app.default.svc.cluster.local');
  console.log(
    `trace A.2 with 200k packets of an unrelated client in the model: ${(Number(process.hrtime.bigint() - t2) / 1e6).toFixed(0)} ms`,
  );
}

// b-app → a-app by name in a 400,000-line capture of the lab's A.2 run (every line touches the
// client: 3150 connections, their DNS exchanges and ARP floods), with the lab's manifests and
// transcript, as the parse worker traces it: with a TraceCache kept while the model is the same.
// The first trace after the parse (its packets built then), a second one, one connection
// (`--connection 1234`), another name of the same Service; then a new cache on the same model (a
// trace after the sources changed, packets built) and traces without a cache. CPU time of this
// thread and the GC's, best of 3 where the trace can be repeated; the heap the cache holds.
const dir = mkdtempSync(join(tmpdir(), 'flow-bench-'));
const capturePath = join(dir, 'cap400k.tcpdump');
execFileSync(process.execPath, ['bench/large-capture.mjs', '--lines', '400000', '--out', capturePath]);
const large = new ClusterModel();
large.add(
  formatSpec('manifest')!.parse({
    text: readFileSync('test/fixtures/lab/manifests/cluster.yaml', 'utf8'),
    uri: 'cluster.yaml',
  }).facts,
);
const labTranscript = 'test/fixtures/lab/a2-pod-to-service.txt';
large.add(parseDocument(readFileSync(labTranscript, 'utf8'), labTranscript).facts);
large.add(parseDocument(readFileSync(capturePath, 'utf8'), capturePath).facts);
rmSync(dir, { recursive: true, force: true });
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const heapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1048576;
};
const SERVICE = 'a-app.default.svc.cluster.local';
/** Traces `runs` times (each with new `options()`); prints the least CPU time. */
function timed(what: string, optionsOf: () => TraceOptions, runs: number, to = SERVICE): void {
  let best = Infinity;
  let wall = 0;
  let traced: TraceResult | undefined;
  for (let run = 0; run < runs; run++) {
    const options = optionsOf();
    const cpu0 = cpuMs();
    const wall0 = performance.now();
    traced = trace(large, 'b-app', to, options);
    const cpu = cpuMs() - cpu0;
    if (cpu < best) [best, wall] = [cpu, performance.now() - wall0];
  }
  console.log(
    `trace of the 400k-line capture, ${what}: ${best.toFixed(0)} ms CPU${runs > 1 ? ` (best of ${runs})` : ''}, ` +
      `${wall.toFixed(0)} ms wall, ${traced!.flows.length} flows of ${traced!.flows[0].connections?.length ?? 0} ` +
      `connections; load ${loadavg()[0].toFixed(2)}`,
  );
}
const heapBefore = heapMb();
const cache = new TraceCache();
timed('first trace, with a cache', () => ({ cache }), 1);
const heapCached = heapMb();
timed('again, cached', () => ({ cache }), 3);
timed('--connection 1234, cached', () => ({ cache, connection: 1234 }), 3);
timed('b-app → a-app (same Service), cached', () => ({ cache }), 3, 'a-app');
const heapAfter = heapMb();
cache.clear();
const heapCleared = heapMb();
timed('a new cache (packets built before)', () => ({ cache: new TraceCache() }), 3);
timed('again, no cache', () => ({}), 3);
timed('--connection 1234, no cache', () => ({ connection: 1234 }), 3);
console.log(
  `heap after GC: ${heapBefore.toFixed(0)} MB before the first trace, ${heapCached.toFixed(0)} MB after it ` +
    `(cache kept), ${heapAfter.toFixed(0)} MB after the cached traces, ${heapCleared.toFixed(0)} MB with the ` +
    `cache cleared: the cache holds ${(heapAfter - heapCleared).toFixed(0)} MB, the packets built ` +
    `${(heapCleared - heapBefore).toFixed(0)} MB`,
);
console.log(`peak rss ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
