#!/usr/bin/env node
// A large tcpdump capture made from a real one: the `tcpdump -i any -nn` section of the network
// lab's A.2 run (test/fixtures/lab/a2-pod-to-service.txt: b-app's DNS queries to kube-dns, its
// HTTP connections to the a-app Service before and after DNAT, ARP floods on cni0), repeated
// with every repetition moved later in time (the lab's own span plus 30 ms), its client ports
// (the ephemeral ones, ≥ 32768) moved and its TCP initial sequence numbers moved (the absolute
// `seq`/`ack` of [S] and [S.] lines; later lines are relative), so each repetition is new
// connections of the same kind.
// The file is generated, never committed.
//   node bench/large-capture.mjs [--lines 1000000] [--out /tmp/capture-1m.tcpdump]
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const LAB_TRANSCRIPT = 'test/fixtures/lab/a2-pod-to-service.txt';
const STAMP = /^(?<hours>\d\d):(?<minutes>\d\d):(?<seconds>\d\d)\.(?<micros>\d{6}) /;
const ENDPOINT_PORT = /(?<ip>\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\.(?<port>\d{1,5})(?=[ :])/g;
const HANDSHAKE_NUMBER = /(?<name>seq|ack) (?<number>\d+)/g;
const FIRST_EPHEMERAL = 32768;
const EPHEMERAL_PORTS = 60999 - FIRST_EPHEMERAL + 1;

/** The capture of the lab transcript: the header tcpdump prints, then its packet lines. */
export function labCapture(transcript = readFileSync(LAB_TRANSCRIPT, 'utf8')) {
  const lines = transcript.split('\n');
  const start = lines.findIndex((line) => /^root@node1:\/# tcpdump -i any/.test(line));
  const header = [];
  const packets = [];
  for (const line of lines.slice(start + 1)) {
    if (/^root@/.test(line) || line === '') break;
    if (STAMP.test(line)) packets.push(line);
    else header.push(line);
  }
  if (packets.length === 0) throw new Error(`${LAB_TRANSCRIPT}: no tcpdump section`);
  return { header, packets };
}

const microsOf = (groups) =>
  ((Number(groups.hours) * 60 + Number(groups.minutes)) * 60 + Number(groups.seconds)) * 1e6 + Number(groups.micros);
const stampOf = (micros) => {
  const pad = (value, width = 2) => String(value).padStart(width, '0');
  const seconds = Math.floor(micros / 1e6);
  return `${pad(Math.floor(seconds / 3600) % 24)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${pad(micros % 1e6, 6)}`;
};

/** The lines of repetition `repeat` (0 = the lab's own lines). */
export function repeated(packets, repeat) {
  const first = microsOf(STAMP.exec(packets[0]).groups);
  const last = microsOf(STAMP.exec(packets.at(-1)).groups);
  const shift = repeat * (last - first + 30_000);
  return packets.map((line) => {
    const stamp = STAMP.exec(line);
    const moved = stampOf(microsOf(stamp.groups) + shift) + ' ' + line.slice(stamp[0].length);
    const ported = moved.replace(ENDPOINT_PORT, (whole, ip, port) =>
      Number(port) >= FIRST_EPHEMERAL
        ? `${ip}.${FIRST_EPHEMERAL + ((Number(port) - FIRST_EPHEMERAL + repeat * 7) % EPHEMERAL_PORTS)}`
        : whole,
    );
    if (!/ Flags \[S\.?\],/.test(ported)) return ported;
    return ported.replace(
      HANDSHAKE_NUMBER,
      (whole, name, number) => `${name} ${(Number(number) + repeat * 7919) % 2 ** 32}`,
    );
  });
}

/** Writes a capture of `lines` packet lines (plus tcpdump's header and trailer) to `out`. */
export async function writeLargeCapture({ lines, out }) {
  const { header, packets } = labCapture();
  const stream = createWriteStream(out);
  let written = 0;
  stream.write(header.join('\n') + '\n');
  for (let repeat = 0; written < lines; repeat++) {
    const chunk = repeated(packets, repeat).slice(0, lines - written);
    written += chunk.length;
    if (!stream.write(chunk.join('\n') + '\n')) await once(stream, 'drain');
  }
  stream.end(`\n${written} packets captured\n${written} packets received by filter\n0 packets dropped by kernel\n`);
  await once(stream, 'finish');
  return { packetLines: written, repeats: Math.ceil(written / packets.length) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const out = option('--out', '/tmp/capture-1m.tcpdump');
  const { packetLines, repeats } = await writeLargeCapture({ lines: Number(option('--lines', 1_000_000)), out });
  console.log(`${out}: ${packetLines} packet lines (${repeats} repetitions of ${LAB_TRANSCRIPT})`);
}
