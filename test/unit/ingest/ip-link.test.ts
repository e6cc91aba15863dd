import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Fact, HostInterface } from '../../../src/model';
import { parseDocument } from '../../../src/ingest/document';
import { parseIpAddr, parseIpLink, unflattenIpLink } from '../../../src/ingest/host/ipLink';
import { formatForCommand, sniffFormat } from '../../../src/ingest/registry';

const fx = (name: string) => readFileSync(`test/fixtures/ip/${name}`, 'utf8');
const ifaces = (text: string, uri = 'x.txt', host?: string) =>
  parseIpLink({ text, uri, host }).facts as HostInterface[];
const byName = (list: HostInterface[], name: string) => list.find((i) => i.name === name);

test('ip link (real, netns lab): veths on cni0 with peer ifindex, netns, mtu and MAC', () => {
  const text = fx('ip-link.txt');
  const r = parseIpLink({ text, uri: 'ip-link.txt', host: 'node1' });
  assert.deepEqual(r.unparsed, []);
  assert.equal(r.records, 7);
  const list = r.facts as HostInterface[];
  const veth = byName(list, 'vethded7ef9f')!;
  assert.equal(veth.peerIfindex, 2);
  assert.equal(veth.master, 'cni0');
  assert.equal(veth.mtu, 1450);
  assert.equal(veth.type, 'veth');
  assert.equal(veth.host, 'node1');
  assert.match(veth.linkNetns!, /^kpp-kh-cni-/);
  assert.match(veth.mac!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  assert.deepEqual(veth.flags, ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
  // Evidence spans the header and the link/ether line, pointing at the header line of that interface.
  const lines = text.split('\n');
  assert.match(lines[veth.evidence[0].line! - 1], /vethded7ef9f@if2/);
  assert.equal(veth.evidence[0].endLine, veth.evidence[0].line! + 1);
  assert.equal(byName(list, 'lo')!.type, 'loopback');
  assert.equal(byName(list, 'cni0')!.master, undefined);
});

test('ip -s link (real): counters are skipped, the interfaces are the same as ip link', () => {
  const s = parseIpLink({ text: fx('ip-s-link.txt'), uri: 's' });
  assert.deepEqual(s.unparsed, []);
  const strip = (l: HostInterface[]) => l.map((i) => ({ ...i, evidence: undefined }));
  assert.deepEqual(strip(s.facts as HostInterface[]), strip(ifaces(fx('ip-link.txt'))));
});

test('ip link without visible netns names gives link-netnsid', () => {
  const list = ifaces(fx('ip-link-netnsid.txt'));
  assert.deepEqual(
    list.filter((i) => i.name.startsWith('veth')).map((i) => i.linkNetnsId),
    [1, 2, 3],
  );
});

test('ip -d link: vxlan id, port, local, dev, nolearning; bridge and veth kinds', () => {
  const r = parseIpLink({ text: fx('ip-link-d.txt'), uri: 'd.txt' });
  assert.deepEqual(r.unparsed, []);
  const list = r.facts as HostInterface[];
  const fl = byName(list, 'flannel.1')!;
  assert.equal(fl.type, 'vxlan');
  assert.deepEqual(fl.vxlan, { vni: 1, port: 8472, local: '172.30.1.48', dev: 'eth0', learning: false });
  assert.equal(byName(list, 'cni0')!.type, 'bridge');
  assert.equal(byName(list, 'eth0')!.type, 'veth');
  assert.equal(byName(list, 'veth75a7f7d6')!.type, 'veth');
});

test('seed line (angle brackets lost when copied from a web page) parses', () => {
  const seed =
    '4178: vethded7ef9f@if2: BROADCAST,MULTICAST,UP,LOWER_UP mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default';
  const r = parseIpLink({ text: seed, uri: 'seed.txt', firstLine: 98 });
  assert.deepEqual(r.unparsed, []);
  const [v] = r.facts as HostInterface[];
  assert.equal(v.ifindex, 4178);
  assert.equal(v.peerIfindex, 2);
  assert.equal(v.master, 'cni0');
  assert.equal(v.state, 'UP');
  assert.equal(v.evidence[0].line, 98);
});

test('@NONE peer and unknown lines are handled without inventing a peer', () => {
  const r = parseIpLink({
    text: '5: veth0@NONE: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\nrandom words here',
    uri: 'x',
  });
  const [v] = r.facts as HostInterface[];
  assert.equal(v.peerIfindex, undefined);
  assert.equal(v.peerName, undefined);
  assert.equal(r.unparsed.length, 1);
  assert.equal(r.unparsed[0].line, 2);
});

test('ip addr (real): addresses with family and scope; pod side eth0@if5 in the pod netns', () => {
  const node = parseIpAddr({ text: fx('ip-addr.txt'), uri: 'a' });
  assert.deepEqual(node.unparsed, []);
  const cni0 = byName(node.facts as HostInterface[], 'cni0')!;
  assert.deepEqual(
    cni0.addresses?.filter((a) => a.family === 4),
    [{ cidr: '10.244.0.1/24', family: 4, scope: 'global' }],
  );
  assert.equal(byName(node.facts as HostInterface[], 'flannel.1')!.addresses![0].cidr, '10.244.0.0/32');
  const pod = parseIpAddr({ text: fx('pod-ip-addr.txt'), uri: 'p', host: 'pod:b-pod' });
  const eth0 = byName(pod.facts as HostInterface[], 'eth0')!;
  assert.equal(eth0.addresses![0].cidr, '10.244.0.54/24');
  assert.equal(eth0.linkNetns, 'kpp-kh-node');
  // The pod's eth0 names the ifindex of its host-side veth: vethded7ef9f is index 5 on the node.
  const nodeVeth = byName(ifaces(fx('ip-link.txt')), 'vethded7ef9f')!;
  assert.equal(eth0.peerIfindex, nodeVeth.ifindex);
});

test('ip -br addr and ip -br link (real)', () => {
  const a = parseIpAddr({ text: fx('ip-br-addr.txt'), uri: 'b' });
  assert.deepEqual(a.unparsed, []);
  const cni0 = byName(a.facts as HostInterface[], 'cni0')!;
  assert.equal(cni0.state, 'UP');
  assert.equal(cni0.addresses![0].cidr, '10.244.0.1/24');
  assert.equal(byName(a.facts as HostInterface[], 'vethded7ef9f')!.peerIfindex, 2);
  const l = parseIpLink({ text: fx('ip-br-link.txt'), uri: 'c' });
  assert.deepEqual(l.unparsed, []);
  assert.ok((l.facts as HostInterface[]).every((i) => i.mac && i.flags && i.flags.length > 0));
});

test('ip -d link in a paste is one block: its indented `bridge forward_delay …` detail line is no `bridge` command', () => {
  const text = fx('ip-link-d.txt');
  assert.ok(text.split('\n').some((l) => /^ {4}bridge forward_delay /.test(l)));
  const strip = (facts: Fact[]) => facts.map((f) => ({ ...f, evidence: undefined }));
  const direct = parseIpLink({ text, uri: 'd' });
  for (const paste of [text, `$ ip -d link\n${text}`]) {
    const doc = parseDocument(paste, 'd');
    assert.deepEqual(
      doc.blocks.map((b) => b.format),
      ['ip-link'],
    );
    assert.deepEqual(strip(doc.facts), strip(direct.facts));
  }
  const cni0 = byName(direct.facts as HostInterface[], 'cni0')!;
  assert.equal(cni0.type, 'bridge');
  // an indented command whose output a parser reads is still a command
  const indented = parseDocument(
    `    kubectl get svc web-lb\n${readFileSync('test/fixtures/kubectl/get-svc-web-lb.txt', 'utf8')}`,
    'k',
  );
  assert.deepEqual(
    indented.blocks.map((b) => [b.format, b.command]),
    [['kubectl-table', 'kubectl get svc web-lb']],
  );
});

test('ip -br output pasted without its command is recognised, addr from link by what the lines hold', () => {
  assert.equal(sniffFormat(fx('ip-br-addr.txt').split('\n'))?.id, 'ip-addr');
  assert.equal(sniffFormat(fx('ip-br-link.txt').split('\n'))?.id, 'ip-link');
  // one line in five that is not brief output is still fine; more is not brief output
  const addr = fx('ip-br-addr.txt').trimEnd().split('\n');
  assert.equal(sniffFormat([...addr.slice(0, 4), 'something else'])?.id, 'ip-addr');
  assert.equal(sniffFormat([...addr.slice(0, 2), 'something else', 'and more']), undefined);
  // a kubectl table has a STATUS word in its second column only by chance: not brief output
  assert.notEqual(
    sniffFormat(['NAME   READY   STATUS    RESTARTS   AGE', 'a-app  1/1     Running   0          5m'])?.id,
    'ip-addr',
  );
});

test('flattened ip link output is split back into lines', () => {
  const text = fx('ip-link.txt')
    .split('\n')
    .map((l) => l.trim())
    .join(' ');
  const lines = unflattenIpLink(text);
  const r = parseIpLink({ text: lines.join('\n'), uri: 'flat' });
  assert.deepEqual(r.unparsed, []);
  assert.equal(r.records, 7);
  assert.equal(byName(r.facts as HostInterface[], 'veth75a7f7d6')!.master, 'cni0');
});

test('commands and sniffing pick the right format', () => {
  assert.equal(formatForCommand('ip link')?.id, 'ip-link');
  assert.equal(formatForCommand('ip -d link show flannel.1')?.id, 'ip-link');
  assert.equal(formatForCommand('ip -br a')?.id, 'ip-addr');
  assert.equal(formatForCommand('ip address show dev cni0')?.id, 'ip-addr');
  assert.equal(formatForCommand('sudo ip -n kpp-x link')?.id, 'ip-link');
  assert.equal(sniffFormat(fx('ip-addr.txt').split('\n'))?.id, 'ip-addr');
  assert.equal(sniffFormat(fx('ip-link.txt').split('\n'))?.id, 'ip-link');
});

test('ip -j -d link / ip -j addr (real) give the same interfaces as the text forms of the same run', () => {
  const pick = (i: HostInterface) => ({
    name: i.name,
    ifindex: i.ifindex,
    peer: i.peerIfindex,
    master: i.master,
    mtu: i.mtu,
    mac: i.mac,
    type: i.type,
    vxlan: i.vxlan,
    flags: i.flags,
  });
  const json = parseIpLink({ text: fx('ip-j-link.json'), uri: 'j' });
  assert.deepEqual(json.unparsed, []);
  const text = parseIpLink({ text: fx('ip-link-d.txt'), uri: 't' });
  assert.deepEqual((json.facts as HostInterface[]).map(pick), (text.facts as HostInterface[]).map(pick));
  // JSON names the peer namespace by id; the text by name when it can.
  assert.deepEqual(
    (json.facts as HostInterface[]).filter((i) => i.name.startsWith('veth')).map((i) => i.linkNetnsId),
    [1, 2, 3],
  );
  // Each object's evidence is the one line with the column where the object starts.
  const ev = json.facts[3].evidence[0];
  assert.equal(ev.line, 1);
  assert.ok(
    fx('ip-j-link.json')
      .slice(ev.column! - 1)
      .startsWith('{"ifindex":4,'),
  );
  const addrJ = parseIpAddr({ text: fx('ip-j-addr.json'), uri: 'ja' }).facts as HostInterface[];
  const addrT = parseIpAddr({ text: fx('ip-addr.txt'), uri: 'ta' }).facts as HostInterface[];
  assert.deepEqual(
    addrJ.map((i) => [i.name, i.addresses]),
    addrT.map((i) => [i.name, i.addresses]),
  );
  assert.equal(sniffFormat(fx('ip-j-addr.json').split('\n'))?.id, 'ip-addr');
  assert.equal(sniffFormat(fx('ip-j-link.json').split('\n'))?.id, 'ip-link');
});
