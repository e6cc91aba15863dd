import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packetsOf, type Capture, type Packet } from '../../../src/model';
import { parseTcpdump, sniffTcpdump, tcpdumpFormat } from '../../../src/ingest/tcpdump';
import { unflattenTcpdump } from '../../../src/ingest/tcpdump/unflatten';
import { formatForCommand } from '../../../src/ingest/registry';
import { parseDocument } from '../../../src/ingest/document';

const DIR = 'test/fixtures/tcpdump/';
const read = (f: string) => readFileSync(DIR + f, 'utf8');
const parse = (f: string) => parseTcpdump({ text: read(f), uri: f });
const packets = (f: string) => packetsOf(parse(f).facts);

/** Lines of a fixture that start a record: a timestamp at column 0. */
const stampLines = (f: string) =>
  read(f)
    .split('\n')
    .filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
/** Header/trailer lines tcpdump prints around the packets. */
const frameLines = (f: string) =>
  read(f)
    .split('\n')
    .filter((l) => /^(tcpdump: |listening on |\d+ packets? )/.test(l));

const FIXTURES = [
  'any-nn.txt',
  'any-n.txt',
  'any-names.txt',
  'any-e.txt',
  'any-v.txt',
  'any-vv.txt',
  'cni0-single.txt',
  'cni0-single-e.txt',
  'pod-eth0.txt',
  'host-seed-style.txt',
  'vxlan-8472.txt',
  'vxlan-8472-v.txt',
  'vxlan-4789.txt',
  'vxlan-4789-e.txt',
  'ttl-exceeded.txt',
  'icmp-reject.txt',
  'any-e-v.txt',
  'cni0-single-e-v.txt',
];

test('every real capture parses completely: one packet per timestamped line, header/trailer lines as records', () => {
  for (const f of FIXTURES) {
    const r = parse(f);
    assert.deepEqual(r.unparsed, [], f);
    assert.equal(r.format, 'tcpdump');
    // one Capture fact whose evidence spans the packets; the packets are inside it
    assert.equal(r.facts.length, 1, `${f}: one capture`);
    const cap = r.facts[0] as Capture;
    assert.equal(cap.kind, 'Capture');
    assert.equal(cap.packets.size, stampLines(f).length, `${f}: packets`);
    const all = packetsOf(r.facts);
    assert.equal(all.length, stampLines(f).length, `${f}: packets`);
    // the capture spans the packet lines: from the first to the last line that is not blank, header or trailer
    const lines = read(f).split('\n');
    const body = lines
      .map((l, k) => ({ l, n: k + 1 }))
      .filter(({ l }) => l.trim() && !/^(tcpdump: |listening on |reading from file |\d+ packets? )/.test(l));
    const [first, last] = [body[0].n, body[body.length - 1].n];
    assert.deepEqual(
      cap.evidence,
      [
        {
          source: 'log',
          uri: f,
          line: first,
          ...(last !== first ? { endLine: last } : {}),
          excerpt: `tcpdump capture: ${stampLines(f).length} packets`,
          format: 'tcpdump',
        },
      ],
      f,
    );
    assert.ok(lines[cap.evidence[0].line - 1].startsWith(all[0].time!), `${f}: the capture starts at its first packet`);
    assert.equal(r.records, stampLines(f).length + frameLines(f).length, `${f}: records`);
    for (const p of all) {
      assert.equal(p.kind, 'Packet');
      assert.equal(p.evidence.length, 1);
      assert.equal(p.evidence[0].uri, f);
      assert.equal(p.evidence[0].format, 'tcpdump');
      assert.ok(p.evidence[0].excerpt!.startsWith(p.time!), `${f}: excerpt starts with the time`);
    }
  }
});

test('evidence line numbers point at the line the packet was printed on', () => {
  const lines = read('any-nn.txt').split('\n');
  for (const p of packets('any-nn.txt')) {
    assert.ok(lines[p.evidence[0].line! - 1].startsWith(p.time!));
  }
  const offset = packetsOf(parseTcpdump({ text: read('any-nn.txt'), uri: 'x', firstLine: 100 }).facts)[0];
  assert.equal(offset.evidence[0].line, packets('any-nn.txt')[0].evidence[0].line! + 99);
});

test('time of day becomes seconds since midnight, in capture order', () => {
  for (const f of FIXTURES) {
    const ps = packets(f);
    for (const p of ps) {
      const [h, m, s] = p.time!.split(':').map(Number);
      assert.ok(Math.abs(p.t! - (h * 3600 + m * 60 + s)) < 1e-6, `${f} ${p.time}`);
    }
    for (let k = 1; k < ps.length; k++) assert.ok(ps[k].t! >= ps[k - 1].t!, `${f}: ordered at ${ps[k].time}`);
  }
});

test("-i any: interface and direction; the ping from pod b crosses b's veth (P) then a's veth (Out)", () => {
  const ps = packets('any-nn.txt');
  const echo = ps.filter(
    (p) => p.icmp?.type === 'echo request' && p.src?.ip === '10.244.0.54' && p.dst?.ip === '10.244.0.53',
  );
  assert.deepEqual(
    echo.map((p) => [p.interface, p.direction]),
    [
      ['vethded7ef9f', 'P'],
      ['veth75a7f7d6', 'Out'],
    ],
  );
  assert.equal(echo[0].icmp!.id, echo[1].icmp!.id);
  assert.equal(echo[0].icmp!.seq, 0);
  assert.equal(echo[0].length, 64);
  const reply = ps.filter((p) => p.icmp?.type === 'echo reply' && p.network === 'ip');
  assert.deepEqual(
    reply.map((p) => [p.interface, p.direction]),
    [
      ['veth75a7f7d6', 'P'],
      ['vethded7ef9f', 'Out'],
    ],
  );
  const dirs = new Set(ps.map((p) => p.direction));
  for (const d of ['In', 'Out', 'P', 'B', 'M'] as const) assert.ok(dirs.has(d), `direction ${d} seen`);
  const bcast = ps.find((p) => p.direction === 'B')!;
  assert.equal(bcast.protocol, 'arp');
  assert.equal(bcast.arp!.op, 'request');
});

test('TCP: flags, seq ranges, ack, window, MSS 1410 from the 1450 MTU, HTTP request and status lines', () => {
  const ps = packets('any-nn.txt').filter((p) => p.protocol === 'tcp' && p.interface === 'vethded7ef9f');
  const syn = ps.find((p) => p.tcp!.flags === 'S')!;
  assert.equal(syn.tcp!.mss, 1410);
  assert.equal(syn.dst!.port, 80);
  assert.equal(syn.src!.ip, '10.244.0.54');
  assert.equal(syn.length, 0);
  const synAck = ps.find((p) => p.tcp!.flags === 'S.')!;
  assert.equal(synAck.tcp!.ack, syn.tcp!.seq! + 1, 'SYN-ACK acknowledges the SYN');
  const get = ps.find((p) => p.tcp!.http?.startsWith('GET '))!;
  assert.equal(get.tcp!.http, 'GET / HTTP/1.1');
  assert.equal(get.tcp!.flags, 'P.');
  assert.equal(get.tcp!.seqEnd! - get.tcp!.seq!, get.length);
  assert.ok(ps.some((p) => p.tcp!.http === 'HTTP/1.1 200 OK'));
  assert.ok(ps.some((p) => p.tcp!.flags === 'F.'));
});

test('DNS: queries, answers (one and three A records), NXDomain, empty AAAA answer', () => {
  const dns = packets('any-nn.txt').filter((p) => p.dns && p.interface === 'vethded7ef9f');
  const q = dns.find((p) => !p.dns!.response && p.dns!.qname === 'a-app.default.svc.cluster.local.')!;
  assert.equal(q.dns!.qtype, 'A');
  assert.equal(q.dst!.ip, '10.244.0.10');
  assert.equal(q.dst!.port, 53);
  assert.ok(q.dns!.flags!.includes('+'));
  const a = dns.find((p) => p.dns!.response && p.dns!.id === q.dns!.id)!;
  assert.deepEqual(a.dns!.answers, [{ type: 'A', data: '10.103.129.86' }]);
  assert.equal(a.dns!.counts![0], 1);
  const hq = dns.find((p) => p.dns!.qname === 'h-app.default.svc.cluster.local.')!;
  const h = dns.find((p) => p.dns!.response && p.dns!.id === hq.dns!.id)!;
  assert.deepEqual(h.dns!.answers!.map((x) => x.data).sort(), ['10.244.0.150', '10.244.0.151', '10.244.0.152']);
  assert.deepEqual(h.dns!.counts!.slice(0, 1), [3]);
  const nq = dns.find((p) => p.dns!.qname === 'nope.default.svc.cluster.local.')!;
  const nx = dns.find((p) => p.dns!.response && p.dns!.id === nq.dns!.id)!;
  assert.equal(nx.dns!.rcode, 'NXDomain');
  assert.equal(nx.dns!.counts![0], 0);
  const aaaa = dns.find((p) => p.dns!.qtype === 'AAAA')!;
  const empty = dns.find((p) => p.dns!.response && p.dns!.id === aaaa.dns!.id)!;
  assert.deepEqual(empty.dns!.counts, [0, 0, 0]);
  assert.equal(empty.dns!.answers, undefined);
});

test('-vv DNS: the question echoed in responses and the OPT record are not answers', () => {
  const r = packets('any-vv.txt').filter((p) => p.dns?.response && p.dns.qname === 'a-app.default.svc.cluster.local.');
  assert.ok(r.length > 0);
  assert.deepEqual(r[0].dns!.answers, [{ type: 'A', data: '10.103.129.86' }]);
});

test('ICMP errors: port unreachable and time exceeded (from the node, TTL 1)', () => {
  const un = packets('any-nn.txt').find((p) => p.icmp?.type === 'port unreachable')!;
  assert.equal(un.src!.ip, '10.244.0.53');
  assert.match(un.icmp!.detail!, /udp port 9999 unreachable/);
  const te = packets('ttl-exceeded.txt').filter((p) => p.icmp?.type === 'time exceeded');
  assert.ok(te.length >= 1);
  assert.equal(te[0].src!.ip, '10.244.0.1');
  assert.equal(te[0].dst!.ip, '10.244.0.54');
  // -v quotes the original datagram on the continuation lines
  const unv = packets('any-v.txt').find((p) => p.icmp?.type === 'port unreachable')!;
  assert.match(unv.icmp!.detail!, /10\.244\.0\.54\.\d+ > 10\.244\.0\.53\.9999: UDP/);
});

test("every REJECT type's ICMP error is an unreachable with its code's words as detail", () => {
  // make-icmp-reject.sh: --reject-with icmp-net-unreachable … icmp-admin-prohibited, in that order.
  const errors = packets('icmp-reject.txt');
  assert.deepEqual(
    errors.map((packet) => packet.icmp?.type),
    [
      'unreachable',
      'unreachable',
      'port unreachable',
      'protocol unreachable',
      'unreachable',
      'unreachable',
      'unreachable',
    ],
  );
  assert.deepEqual(
    errors.map((packet) => /^(?<head>[^,]*)/.exec(packet.icmp?.detail ?? '')?.groups?.head),
    [
      'net 192.0.2.2 unreachable',
      'host 192.0.2.2 unreachable',
      '192.0.2.2 udp port 9003 unreachable',
      '192.0.2.2 protocol 17 unreachable',
      'net 192.0.2.2 unreachable - admin prohibited',
      'host 192.0.2.2 unreachable - admin prohibited',
      'host 192.0.2.2 unreachable - admin prohibited filter',
    ],
  );
  assert.ok(errors.every((packet) => packet.src?.ip === '192.0.2.2' && packet.dst?.ip === '192.0.2.1'));
});

test('IPv6 and ICMPv6', () => {
  const ps = packets('any-nn.txt').filter((p) => p.network === 'ip6');
  const echo = ps.find((p) => p.icmp?.type === 'echo request' && p.src!.ip === 'fd00:10:244::54')!;
  assert.equal(echo.protocol, 'icmp6');
  assert.equal(echo.dst!.ip, 'fd00:10:244::53');
  assert.equal(echo.dst!.port, undefined);
  assert.ok(ps.some((p) => p.icmp?.type === 'neighbor solicitation'));
});

test('ARP requests and replies', () => {
  const ps = packets('any-nn.txt').filter((p) => p.protocol === 'arp');
  const req = ps.find(
    (p) => p.arp!.op === 'request' && p.arp!.senderIp === '10.244.0.54' && p.arp!.targetIp === '10.244.0.53',
  )!;
  assert.equal(req.length, 28);
  // `Reply 10.244.0.53 is-at MAC`: the replying host is the ARP sender; the asker is not printed.
  const rep = ps.find((p) => p.arp!.op === 'reply' && p.arp!.senderIp === '10.244.0.53')!;
  assert.equal(rep.arp!.targetIp, undefined);
  assert.match(rep.arp!.mac!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
});

test("-e: link-layer addresses; an ARP reply's is-at MAC is the frame's source MAC", () => {
  for (const f of ['any-e.txt', 'cni0-single-e.txt']) {
    const ps = packets(f);
    assert.ok(
      ps.every((p) => p.srcMac),
      `${f}: srcMac on every frame`,
    );
    for (const rep of ps.filter((p) => p.arp?.op === 'reply')) assert.equal(rep.arp!.mac, rep.srcMac, f);
    const echo = ps.find((p) => p.icmp?.type === 'echo request' && p.dst?.ip === '10.244.0.53')!;
    assert.equal(echo.network, 'ip');
  }
  assert.ok(
    packets('cni0-single-e.txt').every((p) => p.dstMac),
    'Ethernet captures print both MACs',
  );
  assert.ok(
    packets('any-e.txt').every((p) => p.dstMac === undefined),
    'LINUX_SLL2 prints only the source',
  );
});

test('-e -v (also -i any): the address line after the IP header is read — addresses, ports, TCP fields', () => {
  const ADDRESS_LINE =
    /^\s+(?<src>\d+\.\d+\.\d+\.\d+)(?:\.(?<sport>\d+))? > (?<dst>\d+\.\d+\.\d+\.\d+)(?:\.(?<dport>\d+))?: (?<rest>.*)$/;
  for (const f of ['any-e-v.txt', 'cni0-single-e-v.txt']) {
    const lines = read(f).split('\n');
    const byLine = new Map<number, Packet>();
    const cap = parse(f).facts[0] as Capture;
    for (let i = 0; i < cap.packets.size; i++) byLine.set(cap.packets.lineOf(i), cap.packets.packet(i));
    let checked = 0;
    lines.forEach((line, index) => {
      if (!/ethertype IPv4 \(0x0800\), length \d+: \(tos /.test(line)) return;
      const address = ADDRESS_LINE.exec(lines[index + 1] ?? '')?.groups;
      assert.ok(address, `${f}:${index + 2} is an address line`);
      const packet = byLine.get(index + 1);
      assert.ok(packet, `${f}:${index + 1} is a packet`);
      assert.notEqual(packet.protocol, 'other', `${f}:${index + 1}`);
      assert.equal(packet.src?.ip, address.src, `${f}:${index + 1}`);
      assert.equal(packet.dst?.ip, address.dst, `${f}:${index + 1}`);
      if (address.sport) assert.equal(packet.src?.port, Number(address.sport), `${f}:${index + 1}`);
      if (address.dport) assert.equal(packet.dst?.port, Number(address.dport), `${f}:${index + 1}`);
      const flags = /^Flags \[(?<flags>[^\]]*)\]/.exec(address.rest)?.groups;
      if (flags) assert.equal(packet.tcp?.flags, flags.flags, `${f}:${index + 1}`);
      assert.ok(packet.ttl !== undefined && packet.srcMac !== undefined, `${f}:${index + 1}: header and link fields`);
      checked++;
    });
    assert.ok(checked >= 20, `${f}: ${checked} IPv4 records checked`);
    assert.ok(packets(f).some((p) => p.protocol === 'tcp' && p.tcp?.flags === 'S'));
  }
});

test('single-interface captures have no interface/direction', () => {
  for (const f of ['cni0-single.txt', 'pod-eth0.txt']) {
    const ps = packets(f);
    assert.ok(ps.length > 10);
    assert.ok(
      ps.every((p) => p.interface === undefined && p.direction === undefined),
      f,
    );
  }
});

test('-v: multi-line records keep ttl, IP id and span their lines; HTTP request from the continuation', () => {
  const ps = packets('any-v.txt');
  const echo = ps.find((p) => p.icmp?.type === 'echo request' && p.network === 'ip')!;
  assert.equal(echo.ttl, 64);
  assert.ok(echo.ipId !== undefined);
  assert.equal(echo.evidence[0].endLine, echo.evidence[0].line! + 1);
  const get = ps.find((p) => p.tcp?.http === 'GET / HTTP/1.1')!;
  assert.ok(get, 'HTTP request line taken from the -v continuation');
  assert.ok(get.evidence[0].endLine! > get.evidence[0].line! + 1);
});

test('names: resolved hosts and service ports (without -n) and service ports with -n', () => {
  const ps = packets('any-names.txt');
  const syn = ps.find((p) => p.tcp?.flags === 'S')!;
  assert.deepEqual(syn.dst, { ip: 'a-pod', port: 80, name: 'a-pod.http' });
  assert.equal(syn.src!.ip, 'b-pod');
  const echo = ps.find((p) => p.icmp?.type === 'echo request' && p.network === 'ip')!;
  assert.deepEqual([echo.src!.ip, echo.dst!.ip], ['b-pod', 'a-pod']);
  const arp = ps.find((p) => p.arp?.op === 'request' && p.arp.targetIp === 'a-pod');
  assert.ok(arp);
  // `.domain`: a service-named port still selects the DNS decoder
  const q = ps.find((p) => p.dns && !p.dns.response && p.dst?.name === 'localhost.domain')!;
  assert.deepEqual(q.dst, { ip: 'localhost', port: 53, name: 'localhost.domain' });
  assert.equal(q.dns!.qtype, 'PTR');
  // tcpdump 4.99 `-n` leaves ports numeric too
  const n = packets('any-n.txt').find((p) => p.dns && !p.dns.response)!;
  assert.deepEqual(n.dst, { ip: '10.244.0.10', port: 53 });
});

test('a dotted host that is no IPv4 address (a part above 255) keeps its printed name, as the model reads it', () => {
  const line = read('any-nn.txt')
    .split('\n')
    .find((l) => /Flags \[S\], seq/.test(l))!;
  const odd = line.replace(/ IP (\d+)\.\d+\.\d+\.\d+\./, ' IP 300.1.2.3.');
  assert.notEqual(odd, line);
  const [p] = packetsOf(parseTcpdump({ text: odd, uri: 'x' }).facts);
  assert.equal(p.src?.ip, '300.1.2.3');
  assert.equal(p.src?.name, `300.1.2.3.${p.src?.port}`, 'printed as a name: the model does not take it for an address');
  const [real] = packetsOf(parseTcpdump({ text: line, uri: 'x' }).facts);
  assert.equal(real.src?.name, undefined);
});

/**
 * A capture printed with -A as the packets' lines alone: each record's stamped line, its -v lines
 * up to its bytes, and a VXLAN/OTV inner frame line (what a capture without -A would print).
 */
function withoutBytes(text: string): string {
  const kept: string[] = [];
  let inBytes = false;
  let encapsulated = false;
  for (const l of text.split('\n')) {
    if (/^\d\d:\d\d:\d\d\.\d{6} /.test(l) || /^(tcpdump: |listening on |\d+ packets? )/.test(l)) {
      kept.push(l);
      inBytes = false;
      encapsulated = /(OTV|VXLAN), flags/.test(l);
    } else if (encapsulated && /^(IP6? |ARP, )/.test(l)) {
      kept.push(l);
      encapsulated = false;
    } else if (!inBytes && /^\s+\S/.test(l)) {
      kept.push(l);
      encapsulated ||= /(OTV|VXLAN), flags/.test(l);
    } else if (l.trim()) inBytes = true;
  }
  return kept.join('\n');
}

test('-A: the bytes printed after each packet (cut into lines by their 0x0a bytes, blank lines among them) belong to it and are not read', () => {
  for (const f of ['any-A.txt', 'any-v-A.txt']) {
    const text = read(f);
    const r = parse(f);
    assert.deepEqual(r.unparsed, [], f);
    const ps = packetsOf(r.facts);
    assert.equal(ps.length, stampLines(f).length, `${f}: one packet per stamped line`);
    // the same packets as the capture printed without its bytes
    const strip = (p: Packet) => JSON.stringify(p, (k, v) => (k === 'evidence' ? undefined : v));
    const plain = packetsOf(parseTcpdump({ text: withoutBytes(text), uri: f }).facts);
    assert.deepEqual(ps.map(strip), plain.map(strip), f);
    // each packet's evidence runs to its last line of bytes
    const lines = text.split('\n');
    const get = ps.find((p) => p.tcp?.http?.startsWith('GET /') && p.interface === 'vethded7ef9f')!;
    const last = lines.slice(0, get.evidence[0].endLine).pop()!;
    assert.ok(get.evidence[0].endLine! > get.evidence[0].line! + 3, `${f}: ${JSON.stringify(get.evidence[0])}`);
    assert.equal(last, 'Connection: close', `${f}: the request's last header line`);
    // (with -v, tcpdump's own decode of the request is read: the indented lines before the bytes)
    const bytes = lines.slice(get.evidence[0].line, get.evidence[0].endLine).filter((l) => /^[^\s\d]/.test(l));
    assert.ok(bytes[0].startsWith('E.'), bytes[0]);
    const binary = bytes.filter((b) => b.includes('..'));
    assert.ok(
      binary.length >= 3 && binary.every((b) => !JSON.stringify(get).includes(b)),
      `${f}: the bytes are not read into the packet`,
    );
  }
});

test("-X: the hex dump lines belong to their packet's evidence and are not read; -#: the number before a stamp is not part of it", () => {
  const strip = (p: Packet) => JSON.stringify(p, (k, v) => (k === 'evidence' ? undefined : v));
  const x = parse('any-X.txt');
  assert.deepEqual(x.unparsed, []);
  const ps = packetsOf(x.facts);
  const lines = read('any-X.txt').split('\n');
  assert.equal(ps.length, stampLines('any-X.txt').length);
  const plain = packetsOf(
    parseTcpdump({ text: lines.filter((l) => !/^\s+0x[0-9a-f]{4}:/.test(l)).join('\n'), uri: 'x' }).facts,
  );
  assert.deepEqual(ps.map(strip), plain.map(strip), 'the packets of the capture without its hex dump');
  assert.ok(ps.every((p) => !/0x00/.test(strip(p))));
  const syn = ps.find((p) => p.tcp?.flags === 'S')!;
  assert.match(lines[syn.evidence[0].endLine! - 1], /^\s+0x0030:/, 'its evidence runs to its last hex line');
  // -#
  const numbered = read('any-number.txt');
  const n = parse('any-number.txt');
  assert.deepEqual(n.unparsed, []);
  const unnumbered = numbered.replace(/^ +\d+ {2}/gm, '');
  assert.notEqual(unnumbered, numbered);
  const want = packetsOf(parseTcpdump({ text: unnumbered, uri: 'x' }).facts);
  assert.ok(want.length >= 20);
  assert.deepEqual(packetsOf(n.facts).map(strip), want.map(strip));
  assert.ok(sniffTcpdump(numbered.split('\n').slice(3, 40)) >= 0.5);
});

test('-A: recognised without its command, one block over blank lines in the bytes; other stray lines stay reported', () => {
  for (const f of ['any-A.txt', 'any-v-A.txt']) {
    const text = read(f);
    assert.ok(sniffTcpdump(text.split('\n').slice(0, 50)) >= 0.5, f);
    const doc = parseDocument(text, f);
    assert.deepEqual(
      doc.blocks.map((b) => [b.format, b.startLine, b.endLine]),
      [['tcpdump', 1, text.trimEnd().split('\n').length]],
      f,
    );
  }
  // a line that is no -A bytes after a packet of a plain capture: still not understood, and said so
  const plain = read('any-nn.txt').split('\n');
  const at = plain.findIndex((l) => /^\d\d:/.test(l));
  const stray = [...plain.slice(0, at + 1), 'Events:  <none>', ...plain.slice(at + 1)].join('\n');
  assert.deepEqual(
    parseTcpdump({ text: stray, uri: 'x' }).unparsed.map((u) => u.line),
    [at + 2],
  );
});

test('-q: TCP printed as `tcp N` is TCP with its payload length', () => {
  const ps = packets('any-q.txt');
  assert.deepEqual(parse('any-q.txt').unparsed, []);
  const quiet = read('any-q.txt')
    .split('\n')
    .filter((l) => /: tcp \d+$/.test(l));
  assert.ok(quiet.length >= 10);
  const tcp = ps.filter((p) => p.protocol === 'tcp');
  assert.equal(tcp.length, quiet.length);
  assert.deepEqual(
    tcp.map((p) => p.length),
    quiet.map((l) => Number(/tcp (\d+)$/.exec(l)![1])),
  );
  assert.ok(tcp.every((p) => p.tcp === undefined && p.info === undefined && p.dst?.port !== undefined));
  assert.ok(
    tcp.some((p) => p.dst?.port === 80 && p.length === 74),
    'the HTTP request',
  );
});

test('-tttt: the date and time stamp is one stamp, not a second record (also when the newlines were lost)', () => {
  const f = 'any-tttt.txt';
  const lines = read(f)
    .split('\n')
    .filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /.test(l));
  const r = parse(f);
  assert.deepEqual(r.unparsed, []);
  const ps = packetsOf(r.facts);
  assert.equal(ps.length, lines.length);
  ps.forEach((p, k) => {
    assert.equal(p.time, lines[k].slice(0, 26));
    const [h, m, sec] = lines[k].slice(11, 26).split(':').map(Number);
    assert.ok(Math.abs(p.t! - (h * 3600 + m * 60 + sec)) < 1e-6);
    assert.equal(p.evidence[0].column, undefined, 'read as one line, not cut');
  });
  const flat = read(f).replace(/\n/g, ' ');
  const again = packetsOf(parseTcpdump({ text: flat, uri: f }).facts);
  const strip = (p: Packet) => JSON.stringify(p, (k, v) => (k === 'evidence' ? undefined : v));
  assert.deepEqual(again.map(strip), ps.map(strip));
});

test("-ttt and -ttttt: stamps after a space are packets; -ttt's times since the packet before add up to a clock", () => {
  const delta = (f: string) =>
    read(f)
      .split('\n')
      .filter((l) => /^ \d\d:\d\d:\d\d\.\d{6} /.test(l))
      .map((l) => {
        const [h, m, sec] = l.slice(1, 16).split(':').map(Number);
        return h * 3600 + m * 60 + sec;
      });
  for (const [f, command] of [
    ['any-ttt.txt', 'tcpdump -i any -nn -ttt'],
    ['any-ttttt.txt', 'tcpdump -i any -nn -ttttt'],
  ]) {
    const printed = delta(f);
    assert.ok(printed.length >= 20, f);
    const expected =
      f === 'any-ttt.txt' ? printed.map((_, k) => printed.slice(0, k + 1).reduce((a, b) => a + b, 0)) : printed;
    for (const cmd of [undefined, command]) {
      const r = parseTcpdump({ text: read(f), uri: f, command: cmd });
      assert.deepEqual(r.unparsed, [], f);
      const ps = packetsOf(r.facts);
      assert.equal(ps.length, printed.length, f);
      ps.forEach((p, k) =>
        assert.ok(Math.abs(p.t! - expected[k]) < 1e-6, `${f} (${cmd ?? 'no command'}) #${k}: ${p.t} vs ${expected[k]}`),
      );
      assert.ok(
        ps.every((p, k) => k === 0 || p.t! >= ps[k - 1].t!),
        'a clock',
      );
    }
    // recognised without its header lines
    assert.ok(sniffTcpdump(read(f).split('\n').slice(3, 40)) >= 0.5, f);
  }
  assert.ok(
    delta('any-ttt.txt').some((t, k, all) => k > 0 && t < all[k - 1]),
    '-ttt goes back: that is how it is told apart without its command',
  );
  // the command decides: -ttttt's stamps read as -ttt add up
  const asTtt = packetsOf(
    parseTcpdump({ text: read('any-ttttt.txt'), uri: 'x', command: 'tcpdump -ttt -i any' }).facts,
  );
  const printed = delta('any-ttttt.txt');
  assert.ok(Math.abs(asTtt[asTtt.length - 1].t! - printed.reduce((a, b) => a + b, 0)) < 1e-6);
});

test('-t (no stamps): packets from `IP`/`ARP` lines, and with -i any from lines that start with the interface', () => {
  for (const [f, iface] of [
    ['any-t.txt', true],
    ['cni0-t.txt', false],
  ] as const) {
    const lines = read(f)
      .split('\n')
      .filter((l) => l.trim() && !/^(tcpdump: |listening on |\d+ packets? )/.test(l));
    const r = parse(f);
    assert.deepEqual(r.unparsed, [], f);
    const ps = packetsOf(r.facts);
    // a VXLAN/OTV packet's inner frame is the line after it, and belongs to it
    const inner = lines.filter((_line, k) => k > 0 && /(VXLAN|OTV), flags/.test(lines[k - 1])).length;
    assert.equal(ps.length, lines.length - inner, f);
    assert.equal(ps.filter((p) => p.inner !== undefined).length, inner, f);
    assert.ok(
      ps.every((p) => p.time === undefined && p.t === undefined),
      `${f}: no time`,
    );
    assert.ok(
      ps.every((p) => (p.interface !== undefined && p.direction !== undefined) === iface),
      `${f}: interface and direction`,
    );
    assert.ok(
      ps.some((p) => p.tcp?.http?.startsWith('GET /')),
      `${f}: the request`,
    );
    assert.ok(sniffTcpdump(lines.slice(0, 40)) >= 0.5, `${f}: recognised without its header lines`);
  }
});

test('VXLAN (4789) and Flannel OTV (8472): VNI and the inner frame on the following line', () => {
  const otv = packets('vxlan-8472.txt').filter((p) => p.vni !== undefined);
  assert.ok(otv.length >= 2);
  const enc = otv.find((p) => p.inner?.icmp?.type === 'echo request')!;
  assert.equal(enc.dst!.port, 8472);
  assert.equal(enc.vni, 1);
  assert.equal(enc.interface, 'eth1');
  assert.deepEqual([enc.inner!.src!.ip, enc.inner!.dst!.ip], ['10.244.0.53', '10.244.1.0']);
  assert.equal(enc.inner!.evidence[0].line, enc.evidence[0].line! + 1);
  assert.equal(enc.evidence[0].endLine, enc.evidence[0].line! + 1);
  const vx = packets('vxlan-4789.txt').filter((p) => p.inner);
  assert.ok(vx.some((p) => p.dst!.port === 4789 && p.vni === 1 && p.inner!.protocol === 'arp'));
  // -v: the inner frame spans two lines itself; TTL 63 because the node routed it into the tunnel
  const v = packets('vxlan-8472-v.txt').find((p) => p.inner?.icmp?.type === 'echo request')!;
  assert.equal(v.inner!.ttl, 63);
  assert.equal(v.ttl, 64);
  // -e: the inner frame has its own MACs
  const e = packets('vxlan-4789-e.txt').find((p) => p.inner)!;
  assert.ok(e.inner!.srcMac && e.inner!.dstMac && e.inner!.srcMac !== e.srcMac);
});

test('flattened text (newlines lost) gives the same packets, all on line 1 with columns', () => {
  for (const f of ['any-nn.txt', 'any-v.txt', 'vxlan-4789.txt', 'any-e.txt']) {
    const flat = read(f)
      .split('\n')
      .filter((l) => l.trim())
      .join(' ');
    const r = parseTcpdump({ text: flat, uri: f });
    const strip = (p: Packet) => JSON.stringify(p, (k, v) => (k === 'evidence' ? undefined : v));
    const normal = packets(f).map(strip);
    assert.deepEqual(r.unparsed, [], f);
    const flatPs = packetsOf(r.facts);
    assert.equal(flatPs.length, normal.length, f);
    // -v records are joined with spaces instead of newlines, so compare the non -v captures exactly
    if (f !== 'any-v.txt') {
      const flatPackets = flatPs.map(strip);
      const diff = flatPackets.findIndex((p, k) => p !== normal[k]);
      assert.equal(diff, -1, `${f}: first difference at packet ${diff}: ${flatPackets[diff]} vs ${normal[diff]}`);
    }
    const cols = flatPs.map((p) => p.evidence[0].column ?? 1);
    assert.ok(
      cols.every((c, k) => k === 0 || c > cols[k - 1]),
      `${f}: columns increase`,
    );
    assert.ok(flatPs.every((p) => p.evidence[0].line === 1));
  }
});

test("the seed report's flattened captures: interfaces and directions of A.1 and A.2", () => {
  const seed = readFileSync('test/fixtures/seed/flannel-network-flows-part1.ko.txt', 'utf8').split('\n');
  const a1 = parseTcpdump({ text: seed[91], uri: 'seed', firstLine: 92 });
  assert.deepEqual(a1.unparsed, []);
  const ps = packetsOf(a1.facts);
  assert.equal(ps.length, 12);
  assert.deepEqual(
    ps.slice(0, 4).map((p) => `${p.interface} ${p.direction} ${p.icmp!.type}`),
    [
      'vethded7ef9f P echo request',
      'veth75a7f7d6 Out echo request',
      'veth75a7f7d6 P echo reply',
      'vethded7ef9f Out echo reply',
    ],
  );
  assert.ok(ps.every((p) => p.evidence[0].line === 92));
  assert.equal(ps[8].arp!.mac, 'ae:cb:f3:eb:3a:b9');
  const a2 = packetsOf(parseTcpdump({ text: seed[263], uri: 'seed', firstLine: 264 }).facts);
  assert.equal(a2[0].interface, 'cni0');
  assert.equal(a2[0].direction, 'Out');
  assert.ok(a2.some((p) => p.interface === 'vethedfea565' && p.direction === 'Out' && p.tcp?.flags === 'S'));
  const floods = new Set(a2.filter((p) => p.tcp?.flags === 'S').map((p) => p.interface));
  assert.ok(floods.size > 25, 'the SYN is flooded to about thirty veths');
  const svc = packetsOf(parseTcpdump({ text: seed[267], uri: 'seed', firstLine: 268 }).facts);
  assert.ok(svc.every((p) => p.interface === 'vetha999267c'));
  assert.equal(svc[0].dst!.ip, '10.103.129.86');
  assert.equal(svc[0].tcp!.seq, a2[0].tcp!.seq, 'the same SYN before and after DNAT');
});

test('lines that are not tcpdump output go to unparsed with their line number; parsing goes on', () => {
  const lines = read('any-nn.txt').split('\n');
  lines.splice(10, 0, 'some prose the user pasted', '    ');
  lines.splice(20, 0, '   stray continuation?');
  const r = parseTcpdump({ text: lines.join('\n'), uri: 'x' });
  assert.equal(packetsOf(r.facts).length, stampLines('any-nn.txt').length);
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [11],
  );
  assert.match(r.unparsed[0].reason, /not a tcpdump line/);
});

test('sniff and command patterns', () => {
  assert.ok(sniffTcpdump(read('any-nn.txt').split('\n').slice(0, 50)) > 0.9);
  assert.ok(sniffTcpdump(read('any-v.txt').split('\n').slice(0, 50)) > 0.9);
  assert.ok(sniffTcpdump([read('any-nn.txt').split('\n').join(' ')]) === 1);
  assert.ok(sniffTcpdump(['NAME IP a-pod 10.244.0.53', 'Chain KUBE-SERVICES (2 references)']) === 0);
  for (const c of [
    'tcpdump -i any -nn',
    'sudo tcpdump -i any host 10.244.0.143 -n',
    'timeout 5 tcpdump -i cni0',
    'ip netns exec node tcpdump -nn',
  ])
    assert.equal(formatForCommand(c)?.id, 'tcpdump', c);
  assert.equal(
    tcpdumpFormat.commands.some((r) => r.test('cat tcpdump-notes.md')),
    false,
  );
});

test('unflatten hook cuts at timestamps and header/trailer phrases only', () => {
  const pieces = unflattenTcpdump(
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes 21:18:36.504305 vethded7ef9f P IP 10.244.0.54 > 10.244.0.53: ICMP echo request, id 39, seq 0, length 64 1 packet captured',
  );
  assert.deepEqual(
    pieces.map((p) => p.text),
    [
      'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
      'listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes',
      '21:18:36.504305 vethded7ef9f P IP 10.244.0.54 > 10.244.0.53: ICMP echo request, id 39, seq 0, length 64',
      '1 packet captured',
    ],
  );
  const one = '21:18:36.504305 vethded7ef9f P IP 10.244.0.54 > 10.244.0.53: ICMP echo request, id 39, seq 0, length 64';
  assert.deepEqual(unflattenTcpdump(one), [{ text: one, start: 0 }]);
});

test('a capture with no packet gives no Capture fact; its header and trailer are still records', () => {
  const lines = read('any-nn.txt').split('\n');
  const frame = lines.filter((l) => /^(tcpdump: |listening on |\d+ packets? )/.test(l));
  assert.ok(frame.length >= 2, 'the fixture has header and trailer lines');
  const r = parseTcpdump({ text: frame.join('\n'), uri: 'x' });
  assert.deepEqual(r.facts, []);
  assert.equal(r.records, frame.length);
  assert.deepEqual(parseTcpdump({ text: '', uri: 'x' }).facts, []);
  // a flattened capture is one line: the capture's evidence is that line, with no end line
  const flat = parseTcpdump({ text: lines.filter((l) => l.trim()).join(' '), uri: 'x', firstLine: 5 });
  assert.equal(flat.facts.length, 1);
  assert.equal(flat.facts[0].evidence[0].line, 5);
  assert.equal(flat.facts[0].evidence[0].endLine, undefined);
});
