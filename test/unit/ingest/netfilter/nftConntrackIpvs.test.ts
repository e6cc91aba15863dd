import { test } from 'node:test';
import { parseDocument } from '../../../../src/ingest/document';
import assert from 'node:assert/strict';
import { parseNft, nftFormat } from '../../../../src/ingest/netfilter/nft';
import {
  parseConntrack,
  conntrackNat,
  conntrackFormat,
  unflattenConntrack,
} from '../../../../src/ingest/netfilter/conntrack';
import { parseIpvsadm, ipvsadmFormat, unflattenIpvsadm } from '../../../../src/ingest/netfilter/ipvsadm';
import { nftEndpointChain, nftServiceChain, type Fact } from '../../../../src/model';
import { fixture, ofKind } from './helpers';

test('nft list table ip kube-proxy (real, nftables mode): maps, numgen choices, DNATs', () => {
  const text = fixture('nftables-mode.nft-list-table.txt');
  const r = parseNft({ text, uri: 'nft', command: 'nft list table ip kube-proxy' });
  assert.deepEqual(r.unparsed, []);
  const els = ofKind(r.facts, 'NftMapElement').filter((e) => e.map === 'service-ips');
  const kubeDnsPort = { namespace: 'kube-system', name: 'kube-dns', protocol: 'UDP', portName: 'dns' };
  const dnsChain = nftServiceChain('service', kubeDnsPort);
  const dns = els.find((e) => e.key.join(' . ') === '10.96.0.10 . udp . 53');
  assert.equal(dns?.verdict, `goto ${dnsChain}`);
  assert.equal(dns?.evidence[0].excerpt?.includes('10.96.0.10 . udp . 53'), true);
  // One element per `:` verdict printed in the service-ips block.
  const block = text.slice(text.indexOf('map service-ips'), text.indexOf('map service-nodeports'));
  assert.equal(els.length, (block.match(/ : goto /g) ?? []).length);
  const rules = ofKind(r.facts, 'NftRule');
  const pick = rules.find((x) => x.chain === dnsChain && x.endpointChains);
  assert.deepEqual(pick?.endpointChains, [
    nftEndpointChain(kubeDnsPort, { ip: '10.244.0.105', port: 53 }),
    nftEndpointChain(kubeDnsPort, { ip: '10.244.0.107', port: 53 }),
  ]);
  const dnat = rules.filter((x) => x.dnatTo && x.chain.startsWith('endpoint-') && x.chain.includes('kube-dns/udp/dns'));
  assert.deepEqual(dnat.map((x) => `${x.dnatTo!.ip}:${x.dnatTo!.port}`).sort(), ['10.244.0.105:53', '10.244.0.107:53']);
  assert.ok(rules.every((x) => x.family === 'ip' && x.table === 'kube-proxy'));
  assert.equal(ofKind(r.facts, 'KubeProxy')[0]?.mode, 'nftables');
});

test('nft list ruleset of iptables-nft tables (xt compat) is read as plain tables, not kube-proxy nftables', () => {
  const r = parseNft({ text: fixture('nft-variant.nft-list-ruleset.txt'), uri: 'x' });
  assert.deepEqual(r.unparsed, []);
  assert.equal(ofKind(r.facts, 'KubeProxy').length, 0);
  const dnat = ofKind(r.facts, 'NftRule').filter((x) => x.dnatTo);
  assert.ok(dnat.some((x) => x.dnatTo!.ip === '10.244.0.105' && x.dnatTo!.port === 53));
  assert.ok(nftFormat.sniff(fixture('nft-variant.nft-list-ruleset.txt').split('\n').slice(0, 50)) > 0.5);
});

test('nft: both dnat spellings and unbalanced input', () => {
  const text =
    'table ip t {\n\tchain c {\n\t\tdnat ip to 10.244.0.105 . 53\n\t\tdnat to 10.244.0.107:53\n\t\tnumgen random mod 2 vmap {\n 0 : goto a, 1 : goto b }\n\t}\n}\n}\n';
  const r = parseNft({ text, uri: 'm' });
  const rules = ofKind(r.facts, 'NftRule');
  assert.deepEqual(
    rules.map((x) => x.dnatTo ?? x.endpointChains),
    [{ ip: '10.244.0.105', port: 53 }, { ip: '10.244.0.107', port: 53 }, ['a', 'b']],
  );
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [9],
  );
});

test('conntrack -L (real): original and reply tuples reveal the DNAT to the pod', () => {
  const r = parseConntrack({ text: fixture('conntrack-L.txt'), uri: 'ct', command: 'conntrack -L' });
  assert.deepEqual(r.unparsed, []);
  const entries = ofKind(r.facts, 'ConntrackEntry');
  assert.equal(entries.length, Number(/(\d+) flow entries/.exec(fixture('conntrack-L.txt'))![1]));
  const toApp = entries.filter((e) => e.original.dst === '10.103.129.86');
  assert.ok(toApp.length > 0);
  for (const e of toApp) {
    assert.equal(e.protocol, 'tcp');
    assert.ok(['10.244.0.143', '10.244.0.144'].includes(conntrackNat(e).dnat!.dst));
    assert.equal(conntrackNat(e).dnat!.dport, 80);
    assert.ok(e.flags.includes('ASSURED'));
    assert.equal(e.mark, 0);
  }
  const dns = entries.filter((e) => e.protocol === 'udp');
  assert.ok(
    dns.every((e) => e.original.dst === '10.96.0.10' && ['10.244.0.105', '10.244.0.107'].includes(e.reply.src)),
  );
  // The NodePort connection was masqueraded: the pod replies to the node, not the client.
  const nodeport = entries.find((e) => e.original.dport === 30080);
  assert.equal(conntrackNat(nodeport!).snat, true);
});

test('conntrack -E (real): event types and [UNREPLIED] are flags', () => {
  const r = parseConntrack({ text: fixture('conntrack-E.txt'), uri: 'ev', command: 'conntrack -E' });
  assert.deepEqual(r.unparsed, []);
  const entries = ofKind(r.facts, 'ConntrackEntry');
  const first = entries[0];
  assert.ok(first.flags.includes('event:NEW'));
  assert.ok(first.flags.includes('UNREPLIED'));
  assert.equal(first.state, 'SYN_SENT');
  assert.ok(entries.some((e) => e.flags.includes('event:UPDATE') && e.state === 'ESTABLISHED'));
  assert.ok(conntrackFormat.sniff(fixture('conntrack-E.txt').split('\n').slice(0, 50)) > 0.9);
});

test('conntrack lines without two tuples are reported', () => {
  const r = parseConntrack({ text: 'tcp 6 10 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2\nhello\n', uri: 'x' });
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [1, 2],
  );
});

// ip_vs is not available in this machine's kernel (see fixtures/netfilter/ipvsadm-Ln.unavailable.txt),
// so this listing is quoted from the Kubernetes IPVS proxy design proposal (public document),
// trailing spaces included, not produced here.
const PUBLIC_IPVSADM = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn     ',
  'TCP  10.102.128.4:3080 rr',
  '  -> 10.244.0.235:8080            Masq    1      0          0         ',
  '  -> 10.244.1.237:8080            Masq    1      0          0     ',
  'TCP  10.102.128.4:3081 rr persistent 10800',
].join('\n');

test('ipvsadm -Ln: virtual servers with their real servers and persistence', () => {
  const r = parseIpvsadm({ text: PUBLIC_IPVSADM, uri: 'ipvs', command: 'ipvsadm -ln' });
  assert.deepEqual(r.unparsed, []);
  const vs = ofKind(r.facts, 'IpvsVirtualServer');
  assert.deepEqual(
    vs.map((v) => [v.protocol, v.address, v.port, v.scheduler, v.persistentSeconds]),
    [
      ['TCP', '10.102.128.4', 3080, 'rr', undefined],
      ['TCP', '10.102.128.4', 3081, 'rr', 10800],
    ],
  );
  assert.deepEqual(vs[0].realServers, [
    { address: '10.244.0.235', port: 8080, forward: 'Masq', weight: 1, activeConn: 0, inactConn: 0 },
    { address: '10.244.1.237', port: 8080, forward: 'Masq', weight: 1, activeConn: 0, inactConn: 0 },
  ]);
  assert.equal(ofKind(r.facts, 'KubeProxy')[0]?.mode, 'ipvs');
  assert.ok(ipvsadmFormat.sniff(PUBLIC_IPVSADM.split('\n')) > 0.9);
});

test("ipvsadm: the tool's own error text (this kernel) is reported, not parsed", () => {
  const r = parseIpvsadm({ text: fixture('ipvsadm-Ln.unavailable.txt'), uri: 'e' });
  assert.equal(ofKind(r.facts, 'IpvsVirtualServer').length, 0);
  assert.equal(r.unparsed.length, 2);
});

test('nft -a (rule handles) parses to the same facts as the listing without handles', () => {
  const plain = parseNft({ text: fixture('nftables-mode.nft-list-table.txt'), uri: 'a' });
  const handles = parseNft({ text: fixture('nftables-mode.nft-a-list-table.txt'), uri: 'b' });
  assert.deepEqual(handles.unparsed, []);
  const strip = (facts: typeof plain.facts) => facts.map((f) => ({ ...f, evidence: [] }));
  assert.deepEqual(strip(handles.facts), strip(plain.facts));
});

test('nft -a listings are recognised whole in a paste, with their command or without (the `# handle N` openers)', () => {
  const text = fixture('nftables-mode.nft-a-list-table.txt');
  const direct = parseNft({ text, uri: 'p' });
  const strip = (facts: typeof direct.facts) => facts.map((f) => ({ ...f, evidence: [] }));
  for (const paste of [text, `$ nft -a list table ip kube-proxy\n${text}`]) {
    const doc = parseDocument(paste, 'p');
    assert.deepEqual(
      doc.blocks.map((b) => b.format),
      ['nft'],
    );
    assert.equal(doc.blocks[0].endLine, paste.trimEnd().split('\n').length, 'to the last line, across its blank lines');
    assert.deepEqual(strip(doc.facts), strip(direct.facts));
  }
});

test('conntrack output whose newlines were lost (-L, -L -o extended, -E events) gives the same entries; its version banner is output, not a command', () => {
  const strip = (facts: Fact[]) => facts.map((f) => ({ ...f, evidence: [] }));
  for (const f of ['conntrack-L.txt', 'conntrack-L-o-extended.txt', 'conntrack-E.txt', 'conntrack-L-p-tcp.txt']) {
    const text = fixture(f);
    const direct = parseConntrack({ text, uri: f });
    assert.ok(direct.records >= 10, f);
    const flat = parseDocument(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' '),
      f,
    );
    assert.deepEqual(
      flat.blocks.map((b) => [b.format, b.result.unparsed.length]),
      [['conntrack', 0]],
      f,
    );
    assert.deepEqual(strip(flat.facts), strip(direct.facts), f);
    // one entry per line: each comes back whole
    for (const line of text.split('\n').filter((l) => l.trim()))
      assert.deepEqual(unflattenConntrack(line), [{ text: line, start: 0 }]);
  }
  const doc = parseDocument(fixture('conntrack-L.txt'), 'c');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.command, b.startLine]),
    [['conntrack', null, 1]],
  );
  const withCommand = parseDocument(`$ sudo conntrack -L\n${fixture('conntrack-L.txt')}`, 'c');
  assert.deepEqual(
    withCommand.blocks.map((b) => [b.format, b.command, b.startLine]),
    [['conntrack', 'sudo conntrack -L', 2]],
  );
});

test('ipvsadm -Ln whose newlines were lost gives the same virtual and real servers; a header line that holds more is not skipped whole', () => {
  const strip = (facts: Fact[]) => facts.map((f) => ({ ...f, evidence: [] }));
  const text = fixture('predicted.ipvsadm.txt');
  const direct = parseIpvsadm({ text, uri: 'i' });
  assert.ok(direct.records >= 20);
  const flat = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  const doc = parseDocument(`$ ipvsadm -Ln\n${flat}`, 'i');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.result.records, b.result.unparsed.length]),
    [['ipvsadm', direct.records, 0]],
  );
  assert.deepEqual(strip(doc.facts), strip(direct.facts));
  for (const line of text.split('\n').filter((l) => l.trim())) assert.equal(unflattenIpvsadm(line).length, 1, line);
  // read as it is (no cutting): the flattened line is reported, not dropped behind its banner
  const whole = parseIpvsadm({ text: flat.slice(flat.indexOf('IP Virtual Server')), uri: 'w' });
  assert.equal(whole.records, 0);
  assert.equal(whole.unparsed.length, 1);
});

test('conntrack -L -o extended (real): the `ipv4 2` prefix is read, tuples as without it', () => {
  const text = fixture('conntrack-L-o-extended.txt');
  const r = parseConntrack({ text, uri: 'ext' });
  assert.deepEqual(r.unparsed, []);
  const entries = ofKind(r.facts, 'ConntrackEntry');
  assert.equal(entries.length, Number(/(\d+) flow entries/.exec(text)![1]));
  assert.ok(entries.every((e) => e.original.src === '10.244.0.147' && e.reply.dst !== ''));
  assert.ok(
    entries.some(
      (e) =>
        e.protocol === 'udp' &&
        e.original.dst === '10.96.0.10' &&
        ['10.244.0.105', '10.244.0.107'].includes(e.reply.src),
    ),
  );
});
