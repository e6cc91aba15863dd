// EXPERIMENT, not product code: a throwaway "lean" tcpdump scanner that reads each record's
// characters about once, to learn how fast a JavaScript scanner can go on the ingest benchmark's
// capture. It reads only the fields the benchmark's line shapes carry, skips many that the real
// scanner reads (-v header fields, DNS answers, -e MACs, ICMP error details, names, HTTP, wide
// numbers), has no fallbacks for odd text and is not checked against the real scanner: its figure
// is an optimistic bound, not a result. See src/ingest/tcpdump/README.md ("Where the time goes").
//
//   node bench/out/ingest-tcpdump.bench.js --generate /tmp/cap.txt
//   node bench/experiments/lean-scanner.mjs /tmp/cap.txt
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CH = 16384;
class Chunk {
  constructor() {
    const n = CH;
    this.at = new Int32Array(n);
    this.len = new Int32Array(n);
    this.line = new Int32Array(n);
    this.endLine = new Int32Array(n);
    this.endAt = new Int32Array(n);
    this.t = new Float64Array(n);
    this.iface = new Int32Array(n);
    this.dir = new Int8Array(n);
    this.net = new Int8Array(n);
    this.proto = new Int8Array(n);
    this.src = new Int32Array(n);
    this.dst = new Int32Array(n);
    this.k1 = new Int32Array(n);
    this.k2 = new Int32Array(n);
    this.k3 = new Int32Array(n);
    this.u1 = new Uint32Array(n);
    this.u2 = new Uint32Array(n);
    this.u3 = new Uint32Array(n);
    this.u4 = new Uint32Array(n);
    this.u5 = new Uint32Array(n);
    this.length = new Int32Array(n);
    this.ttl = new Int16Array(n);
    this.ipId = new Int32Array(n);
    this.has = new Int32Array(n);
    this.inner = new Int32Array(n);
    this.d = new Int32Array(n);
  }
}

class Interner {
  constructor() {
    this.values = [];
    this.slots = new Int32Array(4096);
    this.mask = 4095;
  }
  // h: hash computed by the caller while it scanned [a, b)
  span(s, a, b, h) {
    const len = b - a;
    let k = h & this.mask;
    for (;;) {
      const slot = this.slots[k];
      if (slot === 0) break;
      const v = this.values[slot - 1];
      if (v.length === len) {
        let j = len - 1;
        while (j >= 0 && s.charCodeAt(a + j) === v.charCodeAt(j)) j--;
        if (j < 0) return slot - 1;
      }
      k = (k + 1) & this.mask;
    }
    const id = this.values.length;
    this.values.push((' ' + s.slice(a, b)).slice(1));
    this.slots[k] = id + 1;
    if (this.values.length * 2 > this.mask) this.grow();
    return id;
  }
  grow() {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    this.values.forEach((v, id) => {
      let k = hashOf(v, 0, v.length) & mask;
      while (slots[k] !== 0) k = (k + 1) & mask;
      slots[k] = id + 1;
    });
    this.slots = slots;
    this.mask = mask;
  }
}
function hashOf(s, a, b) {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

const strings = new Interner();
const eps = new Interner();
const ip4 = new Map();
let chunks = [];
let rows = 0;
let c;
let i;
let lastAt = 0,
  lastLen = -1,
  lastRow = -1;
let END = 0;

function uint(s, k, e) {
  let n = 0;
  const st = k;
  for (; k < e; k++) {
    const ch = s.charCodeAt(k);
    if (ch < 48 || ch > 57) break;
    n = n * 10 + ch - 48;
  }
  END = k;
  return k === st ? -1 : n;
}
function find(s, ch, k, e) {
  for (; k < e; k++) if (s.charCodeAt(k) === ch) return k;
  return -1;
}

/** a.b.c.d[.port] up to `stop` (32 ' ' or 58 ':'): code < 0, or 0 when not numeric; END after it. */
function numeric(s, k, e) {
  let ip = 0;
  let port = -1;
  for (let part = 0; part < 5; part++) {
    let v = 0;
    const st = k;
    for (; k < e; k++) {
      const ch = s.charCodeAt(k);
      if (ch < 48 || ch > 57) break;
      v = v * 10 + ch - 48;
    }
    if (k === st) return 0;
    if (part < 4) ip = ip * 256 + v;
    else port = v;
    const ch = s.charCodeAt(k);
    if (part < 3) {
      if (ch !== 46) return 0;
      k++;
      continue;
    }
    if (part === 3 && ch === 46) {
      k++;
      continue;
    }
    END = k;
    let id = ip4.get(ip);
    if (id === undefined) {
      id = ip4.size;
      ip4.set(ip, id);
    }
    return -(id * 65536 + (port < 0 ? 0 : port + 1)) - 1;
  }
  return 0;
}
/** An endpoint text [k, stop char): interned; END after it. */
function textEp(s, k, e, stop) {
  let h = 0x811c9dc5;
  const st = k;
  for (; k < e; k++) {
    const ch = s.charCodeAt(k);
    if (ch === stop && (stop !== 32 || s.charCodeAt(k + 1) === 62)) break;
    h = Math.imul(h ^ ch, 0x01000193);
  }
  END = k;
  return eps.span(s, st, k, h) + 1;
}
function word(s, k, e, stop) {
  let h = 0x811c9dc5;
  const st = k;
  for (; k < e; k++) {
    const ch = s.charCodeAt(k);
    if (ch === stop) break;
    h = Math.imul(h ^ ch, 0x01000193);
  }
  END = k;
  return strings.span(s, st, k, h) + 1;
}

function record(s, p, e, stampEnd, t) {
  c.t[i] = t;
  p = stampEnd + 1;
  // interface
  let h = 0x811c9dc5;
  const a = p;
  for (; p < e; p++) {
    const ch = s.charCodeAt(p);
    if (ch === 32) break;
    h = Math.imul(h ^ ch, 0x01000193);
  }
  c.iface[i] = strings.span(s, a, p, h) + 1;
  while (s.charCodeAt(p) === 32) p++;
  const d0 = s.charCodeAt(p);
  c.dir[i] = d0 === 73 ? 1 : d0 === 79 ? 2 : d0 === 80 ? 3 : d0 === 66 ? 4 : 5;
  while (s.charCodeAt(p) !== 32) p++;
  while (s.charCodeAt(p) === 32) p++;
  // repeat of the last record
  const len = e - p;
  if (
    len === lastLen &&
    s.charCodeAt(e - 1) === s.charCodeAt(lastAt + len - 1) &&
    s.slice(p, e) === s.slice(lastAt, lastAt + len)
  ) {
    const f = chunks[lastRow >>> 14];
    const j = lastRow & 16383;
    c.net[i] = f.net[j];
    c.proto[i] = f.proto[j];
    c.src[i] = f.src[j];
    c.dst[i] = f.dst[j];
    c.k1[i] = f.k1[j];
    c.k2[i] = f.k2[j];
    c.k3[i] = f.k3[j];
    c.u1[i] = f.u1[j];
    c.u2[i] = f.u2[j];
    c.u3[i] = f.u3[j];
    c.u4[i] = f.u4[j];
    c.u5[i] = f.u5[j];
    c.length[i] = f.length[j];
    c.has[i] = f.has[j];
    c.d[i] = f.d[j];
    lastRow = rows;
    return;
  }
  lastAt = p;
  lastLen = len;
  lastRow = rows;
  frame(s, p, e);
}

function frame(s, p, e) {
  const ch = s.charCodeAt(p);
  if (ch === 65) {
    // ARP,
    c.net[i] = 3;
    p += 5;
    if (s.charCodeAt(p) === 82 && s.charCodeAt(p + 2) === 113) {
      // Request who-has X tell Y
      p += 16;
      c.src[i] = numeric(s, p, e) || textEp(s, p, e, 32);
      p = END + 6;
      c.dst[i] = numeric(s, p, e) || textEp(s, p, e, 44);
    } else {
      // Reply X is-at MAC
      p += 6;
      c.src[i] = numeric(s, p, e) || textEp(s, p, e, 32);
      p = END + 7;
      c.k1[i] = word(s, p, e, 44);
    }
    p = END;
    const l = s.lastIndexOf('length ', e);
    if (l > p) c.length[i] = uint(s, l + 7, e) + 1;
    return;
  }
  if (ch !== 73) {
    c.d[i] = p;
    return;
  }
  const six = s.charCodeAt(p + 2) === 54;
  c.net[i] = six ? 2 : 1;
  p += six ? 4 : 3;
  if (s.charCodeAt(p) === 40) {
    p = find(s, 41, p, e) + 2;
    c.has[i] |= 1;
  }
  let src = six ? 0 : numeric(s, p, e);
  if (src === 0 || s.charCodeAt(END) !== 32) src = textEp(s, p, e, 32);
  p = END + 3;
  let dst = six ? 0 : numeric(s, p, e);
  if (dst === 0 || s.charCodeAt(END) !== 58) dst = textEp(s, p, e, 58);
  p = END + 2;
  c.src[i] = src;
  c.dst[i] = dst;
  const q = s.charCodeAt(p);
  if (q === 70) {
    // Flags [..]
    c.proto[i] = 1;
    c.k1[i] = word(s, p + 7, e, 93);
    p = END + 3;
    while (p < e) {
      const w = s.charCodeAt(p);
      if (w === 115 && s.charCodeAt(p + 1) === 101) {
        c.u1[i] = uint(s, p + 4, e);
        p = END;
        if (s.charCodeAt(p) === 58) {
          c.u2[i] = uint(s, p + 1, e);
          p = END;
        }
      } else if (w === 97 && s.charCodeAt(p + 1) === 99) {
        c.u3[i] = uint(s, p + 4, e);
        p = END;
      } else if (w === 119) {
        c.k2[i] = uint(s, p + 4, e);
        p = END;
      } else if (w === 111) {
        // options [..]
        const close = find(s, 93, p, e);
        if (s.charCodeAt(p + 9) === 109) c.u4[i] = uint(s, p + 13, e);
        c.k3[i] = close;
        p = close + 1;
      } else if (w === 108) {
        c.length[i] = uint(s, p + 7, e) + 1;
        p = END;
        if (p < e) c.d[i] = p;
        break;
      } else {
        const comma = find(s, 44, p, e);
        if (comma < 0) break;
        p = comma;
      }
      if (s.charCodeAt(p) === 44) p += 2;
      else break;
    }
    return;
  }
  if (q === 73 && s.charCodeAt(p + 1) === 67) {
    // ICMP / ICMP6
    c.proto[i] = six ? 4 : 3;
    p += six ? 7 : 5;
    c.k1[i] = word(s, p, e, 44);
    p = END;
    if (s.charCodeAt(p + 2) === 105 && s.charCodeAt(p + 3) === 100) {
      c.u1[i] = uint(s, p + 5, e);
      p = END + 6;
      c.u2[i] = uint(s, p, e);
      p = END;
    }
    const l = s.lastIndexOf('length ', e);
    if (l > p) c.length[i] = uint(s, l + 7, e) + 1;
    return;
  }
  if (q === 85 && s.charCodeAt(p + 1) === 68) {
    c.proto[i] = 2;
    c.length[i] = uint(s, p + 12, e) + 1;
    return;
  }
  if (q === 79 || q === 86) {
    // OTV / VXLAN
    c.proto[i] = 2;
    const k = s.lastIndexOf(' ', e - 1);
    c.u5[i] = uint(s, k + 1, e);
    c.d[i] = p;
    return;
  }
  // DNS: `22262+ A? name. (47)` / `22262 NXDomain 0/0/0 (93)` / `id q: A? name. 1/0/0 A 1.2.3.4 (..)`
  const id = uint(s, p, e);
  if (id >= 0) {
    c.proto[i] = 2;
    c.u1[i] = id;
    p = END;
    while (p < e && s.charCodeAt(p) !== 32) p++;
    p++;
    const sp = find(s, 32, p, e);
    if (sp < 0) return;
    c.k1[i] = word(s, p, sp, 32);
    if (s.charCodeAt(sp - 1) === 63) {
      const dot = find(s, 32, sp + 1, e);
      c.k2[i] = word(s, sp + 1, dot < 0 ? e : dot, 32);
    } else {
      c.d[i] = sp + 1;
    }
    return;
  }
  c.d[i] = p;
}

function readStamp(s, p, e) {
  if (
    e - p < 16 ||
    s.charCodeAt(p + 2) !== 58 ||
    s.charCodeAt(p + 5) !== 58 ||
    s.charCodeAt(p + 8) !== 46 ||
    s.charCodeAt(p + 15) !== 32
  )
    return -1;
  const d = (k) => s.charCodeAt(p + k) - 48;
  let f = 0;
  for (let k = 9; k < 15; k++) f = f * 10 + d(k);
  return (d(0) * 10 + d(1)) * 3600 + (d(3) * 10 + d(4)) * 60 + d(6) * 10 + d(7) + f / 1e6;
}

function parse(s) {
  let pos = 0;
  const n = s.length;
  let line = 1;
  let open = -1; // row of the record being collected
  while (pos < n) {
    let nl = s.indexOf('\n', pos);
    if (nl < 0) nl = n;
    const c0 = s.charCodeAt(pos);
    if (c0 >= 48 && c0 <= 57) {
      const t = readStamp(s, pos, nl);
      if (t >= 0) {
        // flattened test: a second stamp in the line (colons after the first 16 characters)
        for (let k = s.indexOf(':', pos + 16); k >= 0 && k < nl; k = s.indexOf(':', k + 1)) {
          if (s.charCodeAt(k - 3) === 32 && s.charCodeAt(k + 3) === 58 && readStamp(s, k - 2, nl) >= 0)
            throw new Error('flattened');
        }
        if ((rows & 16383) === 0) chunks.push(new Chunk());
        c = chunks[rows >>> 14];
        i = rows & 16383;
        c.at[i] = pos;
        c.len[i] = nl - pos;
        c.line[i] = line;
        c.endLine[i] = line;
        c.endAt[i] = nl;
        record(s, pos, nl, pos + 15, t);
        open = rows;
        rows++;
      }
    } else if (c0 === 32 || c0 === 9) {
      if (open >= 0) {
        const cc = chunks[open >>> 14];
        cc.endLine[open & 16383] = line;
        cc.endAt[open & 16383] = nl;
      }
    } else if (c0 === 73 || c0 === 65) {
      // an inner frame (VXLAN/OTV): a row of its own
      if ((rows & 16383) === 0) chunks.push(new Chunk());
      c = chunks[rows >>> 14];
      i = rows & 16383;
      c.at[i] = pos;
      c.line[i] = line;
      frame(s, pos, nl);
      rows++;
    }
    pos = nl + 1;
    line++;
  }
  return rows;
}

const RECORD = /^\d\d:\d\d:\d\d\.\d{6} /;

/** One measurement in this process (run with the flags the ingest benchmark's children get): read (the file as UTF-8), floor (+ split + one regex per line), lean (+ this scanner). */
function child(mode, path) {
  const c0 = process.cpuUsage();
  const text = readFileSync(path, 'utf8');
  let n = text.length;
  if (mode === 'floor') {
    n = 0;
    for (const l of text.split('\n')) if (RECORD.test(l)) n++;
  }
  if (mode === 'lean') n = parse(text);
  const cu = process.cpuUsage(c0);
  console.log(JSON.stringify({ mode, n, cpuMs: (cu.user + cu.system) / 1000 }));
}

const [, self, a, b, path] = process.argv;
if (a === '--child') child(b, path);
else {
  const best = (mode) =>
    Math.min(
      ...[1, 2, 3].map(
        () =>
          JSON.parse(
            spawnSync(
              process.execPath,
              ['--expose-gc', '--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', mode, a],
              { encoding: 'utf8' },
            ).stdout,
          ).cpuMs,
      ),
    );
  const read = best('read');
  const floor = best('floor');
  const lean = best('lean');
  console.log(
    `cpu, best of 3: read ${read.toFixed(0)} ms, floor ${floor.toFixed(0)} ms, lean scanner ${lean.toFixed(0)} ms = ${((floor / lean) * 100).toFixed(0)}% of the floor's throughput`,
  );
}
