// Ingest benchmark: a 1,000,000-line `tcpdump -i any` capture built from the real line shapes in
// test/fixtures/tcpdump/, parsed into a Capture (packet columns), against the bare floor (read the file, split it
// into lines, test one regex per line). Each measurement runs in its own Node process so that peak
// RSS belongs to it alone. Prints figures; asserts nothing.
import { readFileSync, writeFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { packetsOf, type Fact } from '../src/model';
import { parseTcpdump } from '../src/ingest/tcpdump';
import { parseDocument } from '../src/ingest/document';

const LINES = Number(process.env.KPP_BENCH_LINES ?? 1_000_000);
const FIXTURES = ['any-nn.txt', 'any-names.txt', 'any-v.txt', 'vxlan-8472.txt', 'vxlan-4789.txt', 'any-vv.txt'];

/** Records (a stamped line plus its continuation lines) from the real captures. */
function realRecords(): string[][] {
  const out: string[][] = [];
  for (const fixture of FIXTURES) {
    let cur: string[] | undefined;
    for (const line of readFileSync(join('test/fixtures/tcpdump', fixture), 'utf8').split('\n')) {
      if (/^\d\d:\d\d:\d\d\.\d{6} /.test(line)) {
        cur = [line];
        out.push(cur);
      } else if (cur && line.trim() && !/^\d+ packets? /.test(line)) cur.push(line);
      else cur = undefined;
    }
  }
  return out;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function generate(path: string): { lines: number; bytes: number } {
  const records = realRecords();
  const header = [
    'tcpdump: data link type LINUX_SLL2',
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
    'listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes',
  ];
  const chunks: string[] = [header.join('\n')];
  let lines = header.length;
  let usec = 0;
  let copy = 0;
  while (lines < LINES - 4) {
    const rec = records[copy % records.length];
    usec += 7 + (copy % 13);
    const seconds = Math.floor(usec / 1e6);
    const stamp = `${pad(10 + (Math.floor(seconds / 3600) % 14), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad(usec % 1e6, 6)}`;
    // vary ports and sequence numbers a little so that not every line is an identical string
    const first = rec[0]
      .slice(15)
      .replace(
        /\.(\d{5})( |:)/g,
        (_, port: string, sep: string) => `.${32768 + ((Number(port) + copy) % 28000)}${sep}`,
      );
    chunks.push(stamp + first);
    for (let c = 1; c < rec.length; c++) chunks.push(rec[c]);
    lines += rec.length;
    copy++;
  }
  chunks.push('', `${copy} packets captured`, `${copy} packets received by filter`, '0 packets dropped by kernel');
  lines += 4;
  const text = chunks.join('\n') + '\n';
  writeFileSync(path, text);
  return { lines, bytes: Buffer.byteLength(text) };
}

const RECORD = /^\d\d:\d\d:\d\d\.\d{6} /;

/** Packets in parse results, counted from the capture tables without building them. */
function packetCount(facts: Fact[]): number {
  return facts.reduce(
    (count, fact) => count + (fact.kind === 'Capture' ? fact.packets.size : fact.kind === 'Packet' ? 1 : 0),
    0,
  );
}

/**
 * CPU time of this process's main thread in ms, from Linux's /proc (undefined elsewhere): what is left of `cpuMs` is
 * V8's background threads — mostly its optimizing compiler, a cost every fresh process pays for the code it runs hot.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 1/100 s
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Child process: one measurement, printed as JSON. */
function child(mode: string, path: string): void {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  let count = 0;
  let extra = 0;
  if (mode === 'read') {
    // what every other mode pays first: the file as a string
    count = readFileSync(path, 'utf8').length;
  } else if (mode === 'touch') {
    // reading every character of the string once from JS: the unit any scanner's work is made of
    const text = readFileSync(path, 'utf8');
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (hash + text.charCodeAt(i)) | 0;
    count = text.length;
    extra = hash;
  } else if (mode === 'floor') {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    for (const line of lines) if (RECORD.test(line)) count++;
    extra = lines.length;
  } else if (mode === 'parse') {
    const text = readFileSync(path, 'utf8');
    const parsed = parseTcpdump({ text, uri: path });
    count = packetCount(parsed.facts);
    extra = parsed.unparsed.length;
  } else if (mode === 'build') {
    // what a consumer pays that asks for every packet as an object
    const text = readFileSync(path, 'utf8');
    const parsed = parseTcpdump({ text, uri: path });
    count = packetsOf(parsed.facts).length;
    extra = parsed.unparsed.length;
  } else if (mode === 'document') {
    const text = readFileSync(path, 'utf8');
    const doc = parseDocument(text, path);
    count = packetCount(doc.facts);
    extra = doc.blocks.length;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const main1 = mainThreadCpuMs();
  const mem = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      mainCpuMs: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
      count,
      extra,
      maxRssKb: process.resourceUsage().maxRSS,
      heapUsed: mem.heapUsed,
    }) + '\n',
  );
}

/** `ms` is wall time; `cpuMs` is CPU time (user + system, all threads incl. GC helpers), steadier on a busy machine. */
interface Run {
  ms: number;
  cpuMs: number;
  /** The main thread's share of cpuMs (Linux only). */
  mainCpuMs?: number;
  count: number;
  extra: number;
  maxRssKb: number;
  heapUsed: number;
}

function measure(mode: string, path: string): Run {
  const spawned = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', __filename, '--child', mode, path],
    { encoding: 'utf8' },
  );
  if (spawned.status !== 0) throw new Error(`${mode} failed: ${spawned.stderr}`);
  return JSON.parse(spawned.stdout.trim().split('\n').pop()!);
}

function best(mode: string, path: string, runsCount = 3): Run {
  const runs = Array.from({ length: runsCount }, () => measure(mode, path));
  return runs.reduce((fastest, other) => (other.cpuMs < fastest.cpuMs ? other : fastest));
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-bench-tcpdump-'));
  const path = join(dir, 'capture.txt');
  try {
    const { lines, bytes } = generate(path);
    const mb = bytes / 1e6;
    console.log(
      `input: ${lines.toLocaleString('en')} lines, ${mb.toFixed(1)} MB (${statSync(path).size} bytes), shapes from ${FIXTURES.join(', ')}`,
    );
    const idle = measure('idle', path);
    const read = best('read', path);
    const touch = best('touch', path);
    const floor = best('floor', path);
    const parse = best('parse', path);
    const build = best('build', path, 1);
    const doc = best('document', path, 1);
    // the same capture saved with CRLF line ends (a Windows editor): parsed without a copy
    const crlfPath = join(dir, 'capture-crlf.txt');
    writeFileSync(crlfPath, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    const crlfBytes = statSync(crlfPath).size;
    const docCrlf = best('document', crlfPath, 1);
    const row = (name: string, measured: Run, size = bytes) => {
      const peakMb = measured.maxRssKb / 1024;
      const overInput = ((measured.maxRssKb - idle.maxRssKb) * 1024) / size;
      console.log(
        `${name.padEnd(28)} wall ${measured.ms.toFixed(0).padStart(6)} ms, cpu ${measured.cpuMs.toFixed(0).padStart(6)} ms  ${(size / 1e6 / (measured.cpuMs / 1000)).toFixed(1).padStart(6)} MB/s  ${(lines / (measured.cpuMs / 1000) / 1e6).toFixed(2).padStart(5)} M lines/s (per cpu second)  peak RSS ${peakMb.toFixed(0).padStart(5)} MB (${overInput.toFixed(2)}× input above an idle node's ${(idle.maxRssKb / 1024).toFixed(0)} MB)`,
      );
    };
    row('read the file (utf8) only', read);
    row('read + one charCodeAt pass', touch);
    row('floor: read+split+regex', floor);
    row('parseTcpdump (columns)', parse);
    row('+ build every Packet object', build);
    row('parseDocument (+ splitter)', doc);
    row('parseDocument, CRLF file', docCrlf, crlfBytes);
    console.log(
      `packets: ${parse.count.toLocaleString('en')}, unparsed: ${parse.extra}; floor matched ${floor.count.toLocaleString('en')} record lines; CRLF file: ${docCrlf.count.toLocaleString('en')} packets`,
    );
    const ratio = floor.cpuMs / parse.cpuMs;
    console.log(
      `load average now: ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} on ${cpus().length} cores (wall times suffer on a busy machine; ratios use cpu time)`,
    );
    console.log(
      `beyond reading the file: floor ${(floor.cpuMs - read.cpuMs).toFixed(0)} ms, parse ${(parse.cpuMs - read.cpuMs).toFixed(0)} ms of cpu`,
    );
    // what the target leaves the parse, in passes over every character (the unit of any JS scanner)
    const pass = touch.cpuMs - read.cpuMs;
    const budget = 2 * floor.cpuMs - read.cpuMs;
    console.log(
      `one charCodeAt pass over the text: ${pass.toFixed(0)} ms; at 50% of the floor the parse may spend ${budget.toFixed(0)} ms beyond reading (${(budget / pass).toFixed(1)} passes), it spends ${(parse.cpuMs - read.cpuMs).toFixed(0)} ms (${((parse.cpuMs - read.cpuMs) / pass).toFixed(1)} passes)`,
    );
    if (parse.mainCpuMs !== undefined && floor.mainCpuMs !== undefined)
      console.log(
        `cpu on the main thread: floor ${floor.mainCpuMs.toFixed(0)} ms, parse ${parse.mainCpuMs.toFixed(0)} ms; on V8's other threads (optimizing compiler, GC helpers): floor ${(floor.cpuMs - floor.mainCpuMs).toFixed(0)} ms, parse ${(parse.cpuMs - parse.mainCpuMs).toFixed(0)} ms (10 ms ticks)`,
      );
    const memRatio = ((parse.maxRssKb - idle.maxRssKb) * 1024) / bytes;
    console.log(
      `parse speed vs floor: ${(ratio * 100).toFixed(0)}% of the floor's throughput, by cpu time (target >= 50%) ${ratio >= 0.5 ? 'OK' : 'MISSED'}; by wall time ${((floor.ms / parse.ms) * 100).toFixed(0)}%`,
    );
    console.log(
      `parse peak memory vs input: ${memRatio.toFixed(2)}x (target <= 2.5x) ${memRatio <= 2.5 ? 'OK' : 'MISSED'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
const gen = process.argv.indexOf('--generate');
if (at >= 0) child(process.argv[at + 1], process.argv[at + 2]);
// `--generate FILE` writes the input and stops: for profiling one mode by hand
else if (gen >= 0) console.log(generate(process.argv[gen + 1]));
else main();
