import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseDocument, type DocumentResult } from '../../src/ingest/document';
import { formatSpec } from '../../src/ingest/registry';
import {
  ClusterModel,
  searchExpansion,
  podSearchList,
  type Capture,
  type ConntrackEntry,
  type Fact,
  type NatRule,
  type Packet,
} from '../../src/model';
import { trace, type Flow, type FlowStep } from '../../src/flow';

// The lab names host-side veths like a CNI does, from the pod name (see lab.sh vethname).
const vethOf = (pod: string) => `veth${createHash('md5').update(pod).digest('hex').slice(0, 8)}`;
const steps = (f: Flow): FlowStep[] => f.phases.flatMap((p) => p.steps);

interface Lab {
  dir: string;
  docs: Map<string, DocumentResult>;
  model: ClusterModel;
  text: (f: string) => string;
}

function load(dir: string): Lab {
  const model = new ClusterModel();
  const manifest = join(dir, 'manifests', 'cluster.yaml');
  model.add(formatSpec('manifest')!.parse({ text: readFileSync(manifest, 'utf8'), uri: manifest }).facts);
  const docs = new Map<string, DocumentResult>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt'))) {
    const doc = parseDocument(readFileSync(join(dir, f), 'utf8'), join(dir, f));
    docs.set(f, doc);
    model.add(doc.facts);
  }
  return { dir, docs, model, text: (f) => readFileSync(join(dir, f), 'utf8') };
}

function lineAt(uri: string, line: number): string {
  return readFileSync(uri, 'utf8').split('\n')[line - 1] ?? '';
}

// ---- Ground truth of the two-node experiments (c1, c2, c3): test/lab/README.md "Ground truth" ----

interface TruthEnd {
  ip: string;
  port?: number;
  node: string | null;
  pod: string | null;
  interface: string | null;
}
interface TruthConnection {
  protocol: string;
  client: TruthEnd;
  destination: { ip: string; port?: number; service: { name: string; via: 'ClusterIP' | 'NodePort' } | null };
  endpoint: TruthEnd;
  dnatNode: string | null;
  snat: { ip: string; port?: number; node: string } | null;
  replied: boolean;
  assured: boolean;
  state: string | null;
  conntrack: { node: string; file: string; line: number; entry: string }[];
  firstPacket: string | null;
  packets: Record<string, Record<string, number>>;
}
interface Truth {
  experiment: string;
  nodes: Record<string, { addresses: Record<string, string>; file: string | null }>;
  otherCaptures: Record<string, string>;
  connections: TruthConnection[];
  tunnels: { node: string; src: string; dst: string; replied: boolean }[];
}
interface Experiment {
  truth: Truth;
  /** Every packet each host captured (node1, node2, and other hosts such as the external client). */
  packets: Map<string, Packet[]>;
  facts: Map<string, Fact[]>;
}

const VXLAN_PORT = 8472;
const where = (end: { ip: string; port?: number }) => (end.port === undefined ? end.ip : `${end.ip}:${end.port}`);
const flowKey = (src: { ip: string; port?: number }, dst: { ip: string; port?: number }) =>
  `${where(src)}>${where(dst)}`;
const addressOf = (cidr: string) => cidr.split('/')[0];

function experiment(lab: Lab, name: string): Experiment {
  const truth = JSON.parse(lab.text(`${name}.truth.json`)) as Truth;
  const files: [string, string][] = [
    ...Object.entries(truth.nodes).flatMap(([node, { file }]) => (file ? [[node, file] as [string, string]] : [])),
    ...Object.entries(truth.otherCaptures),
  ];
  const packets = new Map<string, Packet[]>();
  const facts = new Map<string, Fact[]>();
  for (const [host, file] of files) {
    const doc = lab.docs.get(file);
    assert.ok(doc, `${file} was loaded`);
    facts.set(file, doc.facts);
    packets.set(
      host,
      doc.facts.filter((fact): fact is Capture => fact.kind === 'Capture').flatMap((capture) => capture.packets.all()),
    );
  }
  return { truth, packets, facts };
}

/** The connection's packet as sent and as delivered, both ways, and half-translated (see truth.mjs). */
function connectionFlows(connection: TruthConnection): Set<string> {
  const { client, destination, endpoint } = connection;
  const seenByEndpoint = connection.snat ?? client;
  return new Set([
    flowKey(client, destination),
    flowKey(destination, client),
    flowKey(seenByEndpoint, endpoint),
    flowKey(endpoint, seenByEndpoint),
    flowKey(client, endpoint),
    flowKey(endpoint, client),
  ]);
}

const packetFlows = (packet: Packet): string[] =>
  [packet, packet.inner].flatMap((layer) => (layer?.src && layer.dst ? [flowKey(layer.src, layer.dst)] : []));

interface Point {
  host: string;
  iface: string;
  direction?: Packet['direction'] | Packet['direction'][];
  src: { ip: string; port?: number };
  dst: { ip: string; port?: number };
  syn?: boolean;
  /** The packet travels VXLAN-encapsulated between these node addresses; src/dst are the inner packet's. */
  outer?: { src: string; dst: string };
}

function seenAt(packets: Map<string, Packet[]>, point: Point): Packet | undefined {
  const wanted = flowKey(point.src, point.dst);
  return (packets.get(point.host) ?? []).find((packet) => {
    if (packet.interface !== point.iface) return false;
    if (point.direction && ![point.direction].flat().includes(packet.direction)) return false;
    const layer = point.outer ? packet.inner : packet;
    if (point.outer) {
      const outerOk =
        packet.src?.ip === point.outer.src &&
        packet.dst?.ip === point.outer.dst &&
        packet.dst?.port === VXLAN_PORT &&
        packet.vni === 1;
      if (!outerOk) return false;
    }
    if (!layer?.src || !layer.dst || flowKey(layer.src, layer.dst) !== wanted) return false;
    return !point.syn || layer.tcp?.flags === 'S';
  });
}

/**
 * Where the truth says this connection's packets must have been captured, hop by hop: the client's
 * entry point (before DNAT), the VXLAN hop between the nodes when the endpoint is on the other
 * node (inner packet after DNAT/SNAT, outer between the node addresses), the endpoint's veth
 * (after DNAT), and the same points back for the reply (un-NATed at the entry point).
 */
function journey(truth: Truth, connection: TruthConnection): Point[] {
  const { client, destination, endpoint } = connection;
  const entryNode = client.node ?? connection.dnatNode;
  assert.ok(entryNode && endpoint.node && endpoint.interface, `truth names the nodes of ${flowKey(client, endpoint)}`);
  const entryIface = client.interface ?? 'eth0';
  const seenByEndpoint = connection.snat ?? client;
  const tcp = connection.protocol === 'tcp';
  const nodeIp = (node: string) => addressOf(truth.nodes[node].addresses.eth0);
  const request = { src: seenByEndpoint, dst: endpoint };
  const reply = { src: endpoint, dst: seenByEndpoint };
  const points: Point[] = [
    { host: entryNode, iface: entryIface, src: client, dst: destination, syn: tcp },
    { host: endpoint.node, iface: endpoint.interface, direction: 'Out', ...request, syn: tcp },
  ];
  for (const [host, file] of Object.entries(truth.otherCaptures)) {
    if (!file) continue;
    points.push({ host, iface: 'eth0', direction: 'Out', src: client, dst: destination, syn: tcp });
    if (connection.replied) points.push({ host, iface: 'eth0', direction: 'In', src: destination, dst: client });
  }
  if (endpoint.node !== entryNode) {
    const there = { src: nodeIp(entryNode), dst: nodeIp(endpoint.node) };
    const back = { src: there.dst, dst: there.src };
    points.push(
      { host: entryNode, iface: 'flannel.1', direction: 'Out', ...request, syn: tcp },
      { host: entryNode, iface: 'eth0', direction: 'Out', ...request, outer: there, syn: tcp },
      { host: endpoint.node, iface: 'eth0', direction: 'In', ...request, outer: there, syn: tcp },
      { host: endpoint.node, iface: 'flannel.1', direction: 'In', ...request, syn: tcp },
    );
    if (connection.replied)
      points.push(
        { host: endpoint.node, iface: 'flannel.1', direction: 'Out', ...reply },
        { host: endpoint.node, iface: 'eth0', direction: 'Out', ...reply, outer: back },
        { host: entryNode, iface: 'eth0', direction: 'In', ...reply, outer: back },
        { host: entryNode, iface: 'flannel.1', direction: 'In', ...reply },
      );
  }
  if (connection.replied)
    points.push(
      // received from the pod: `P` (to cni0's MAC), or `In` when cni0 took this veth's MAC (lowest port MAC)
      { host: endpoint.node, iface: endpoint.interface, direction: ['P', 'In'], ...reply },
      { host: entryNode, iface: entryIface, direction: 'Out', src: destination, dst: client },
    );
  return points;
}

const describePoint = (point: Point) =>
  `${point.host} ${point.iface} ${[point.direction ?? []].flat().join('|')} ${flowKey(point.src, point.dst)}` +
  `${point.outer ? ` in VXLAN ${point.outer.src} > ${point.outer.dst}` : ''}${point.syn ? ' SYN' : ''}`;

/** The checks every two-node experiment gets, on the truth the lab wrote from the kernels' records. */
function checkAgainstTruth(lab: Lab, name: string): Experiment {
  const run = experiment(lab, name);
  const { truth, packets, facts } = run;
  assert.ok(truth.connections.length > 0, `${name}: the kernels recorded connections`);
  // every node's capture parsed with no packet line left over
  for (const [host, file] of [
    ...Object.entries(truth.nodes).map(([node, { file }]) => [node, file ?? ''] as const),
    ...Object.entries(truth.otherCaptures),
  ]) {
    const captures = lab.docs.get(file)!.blocks.filter((block) => block.format === 'tcpdump');
    assert.equal(captures.length, 1, `${file}: one tcpdump -i any capture of ${host}`);
    assert.deepEqual(captures[0].result.unparsed, [], `${file}: every capture line parsed`);
    assert.equal(captures[0].host, host, `${file}: the capture's prompt names ${host}`);
  }
  for (const connection of truth.connections) {
    const label = `${name} ${connection.protocol} ${flowKey(connection.client, connection.destination)}`;
    // the same packets the lab counted with its own scan of the capture text, per host and interface
    const flows = connectionFlows(connection);
    const counted: Record<string, Record<string, number>> = {};
    for (const [host, list] of packets) {
      for (const packet of list) {
        if (!packetFlows(packet).some((flow) => flows.has(flow))) continue;
        counted[host] ??= {};
        counted[host][packet.interface ?? '(none)'] = (counted[host][packet.interface ?? '(none)'] ?? 0) + 1;
      }
    }
    assert.deepEqual(counted, connection.packets, `${label}: packets per host and interface`);
    // hop by hop, before and after NAT
    const missing = journey(truth, connection)
      .filter((point) => !seenAt(packets, point))
      .map(describePoint);
    assert.deepEqual(missing, [], `${label}: captured at every point of its journey`);
    // NAT is what conntrack says, and the translating node is the one the client's packet entered
    const translated = where(connection.destination) !== where(connection.endpoint);
    assert.equal(connection.dnatNode !== null, translated, `${label}: DNAT node iff translated`);
    if (connection.dnatNode) assert.equal(connection.dnatNode, connection.client.node ?? connection.dnatNode);
    // the product's conntrack parser reads the same entries the truth was made from
    for (const record of connection.conntrack) {
      const parsed = facts
        .get(record.file)!
        .find(
          (fact): fact is ConntrackEntry => fact.kind === 'ConntrackEntry' && fact.evidence[0]?.line === record.line,
        );
      assert.ok(parsed, `${label}: conntrack entry ${record.file}:${record.line} parsed`);
      assert.equal(where({ ip: parsed.reply.src, port: parsed.reply.sport }), where(connection.endpoint));
      if (record.node === (connection.dnatNode ?? connection.client.node)) {
        assert.equal(where({ ip: parsed.original.dst, port: parsed.original.dport }), where(connection.destination));
        assert.equal(!parsed.flags.includes('UNREPLIED'), connection.replied, `${label}: replied`);
      }
    }
  }
  return run;
}

/** The same checks on the committed outputs of an earlier run and on a fresh run. */
function checks(name: string, getLab: () => Lab | undefined, skip?: () => string | false) {
  describe(name, () => {
    const it = (title: string, fn: (lab: Lab) => void) =>
      void test(title, (t) => {
        const why = skip?.();
        if (why) return t.skip(why);
        fn(getLab()!);
      });

    it('every block of a known format parses without leftovers', (lab) => {
      const strict = new Set([
        'tcpdump',
        'iptables-list',
        'iptables-save',
        'dig',
        'nslookup',
        'ip-link',
        'ip-addr',
        'ip-route',
        'bridge-fdb',
        'traceroute',
      ]);
      const leftovers: string[] = [];
      for (const [file, doc] of lab.docs) {
        for (const b of doc.blocks) {
          if (strict.has(b.format) && b.result.unparsed.length)
            leftovers.push(`${file}:${b.startLine} ${b.format}: ${JSON.stringify(b.result.unparsed.slice(0, 2))}`);
        }
      }
      assert.deepEqual(leftovers, []);
      assert.ok(lab.model.packets.length > 200, `captured packets parsed (${lab.model.packets.length})`);
    });

    it('A.1 pod to pod: b-pod eth0 → its veth → cni0 → a-pod veth → a-pod, observed', (lab) => {
      const [flow] = trace(lab.model, 'b-pod', 'a-pod').flows;
      assert.equal(flow.family, 'pod-to-pod');
      const request = flow.phases.find((p) => p.steps.some((s) => s.label.includes('echo request')))!;
      const hops = request.steps.map((s) => `${s.from}>${s.to}`);
      const bVeth = `veth:node1/${vethOf('b-pod')}`;
      const aVeth = `veth:node1/${vethOf('a-pod')}`;
      assert.deepEqual(hops, [
        `pod:default/b-pod>${bVeth}`,
        `${bVeth}>bridge:node1/cni0`,
        `bridge:node1/cni0>${aVeth}`,
        `${aVeth}>pod:default/a-pod`,
      ]);
      assert.ok(request.steps.every((s) => s.status === 'observed'));
      // The evidence for the bridge → a-pod veth hop is the capture line showing it.
      const out = request.steps[2].evidence.find(
        (e) => e.uri.endsWith('a1-pod-to-pod.txt') && lineAt(e.uri, e.line!).includes(`${vethOf('a-pod')} Out`),
      );
      assert.ok(out, 'cites the tcpdump line with the a-pod veth Out');
    });

    it('A.2 pod to Service by name: search list, kube-dns DNAT, KUBE-SVC/KUBE-SEP choice matching the capture, conntrack reply', (lab) => {
      const [flow] = trace(lab.model, 'b-app', 'a-app.default.svc.cluster.local:80').flows;
      assert.equal(flow.family, 'pod-to-service');
      const all = steps(flow);
      // ndots:5 → every search suffix is tried (and fails) before the name itself.
      const tried = searchExpansion('a-app.default.svc.cluster.local', podSearchList('default'), 5);
      const failing = all
        .filter((s) => s.kind === 'dns-query' && /NXDOMAIN/.test(s.label))
        .map((s) => /\? (\S+)/.exec(s.label)?.[1]);
      assert.deepEqual(failing, tried.slice(0, -1));
      const dnsDnat = all.find((s) => s.nat?.type === 'DNAT' && s.nat.before === '10.96.0.10:53');
      assert.ok(
        dnsDnat && ['10.244.0.105:53', '10.244.0.107:53'].includes(dnsDnat.nat!.after),
        'DNS DNAT to a CoreDNS pod',
      );
      // Which endpoint did the kernel pick? The capture says so: the SYN leaving cni0 after DNAT.
      const capture = lab.text('a2-pod-to-service.txt');
      const picked = /cni0 +Out +IP 10\.244\.0\.147\.\d+ > (10\.244\.0\.14[34])\.80: Flags \[S\]/.exec(capture)?.[1];
      assert.ok(picked, 'the capture shows the post-DNAT SYN');
      const dnat = all.find((s) => s.nat?.type === 'DNAT' && s.nat.before === '10.103.129.86:80')!;
      assert.equal(dnat.nat!.after, `${picked}:80`);
      assert.equal(dnat.status, 'observed');
      const choice = all.find((s) => s.from.endsWith('/KUBE-SVC-CHTNYTLOWMWCGZWR') && s.alternatives);
      assert.ok(choice, "kube-proxy's random choice in a-app's KUBE-SVC chain");
      assert.equal(choice.alternatives!.length, 2);
      assert.ok(choice.to.includes('KUBE-SEP-'));
      assert.equal(choice.alternatives![0].probability, 0.5);
      assert.equal(choice.alternatives!.filter((a) => a.chosen).length, 1);
      assert.ok(choice.alternatives!.find((a) => a.chosen)!.label.includes(picked));
      assert.ok(
        all.some((s) => s.nat?.type === 'un-DNAT' && s.nat.after === '10.103.129.86:80'),
        'reply un-DNATed by conntrack',
      );
      const ids = flow.findings.map((f) => f.id);
      for (const id of ['dns-search-amplification', 'clusterip-traceroute', 'mtu-mss'] as const)
        assert.ok(ids.includes(id), `finding ${id}`);
    });

    it('bridge flooding: the finding fires exactly when the capture shows a SYN leaving on many veths', (lab) => {
      // One flow per connection: the finding belongs to the flow whose SYN was flooded, and only to it.
      const flows = trace(lab.model, 'b-app', 'a-app.default.svc.cluster.local:80').flows;
      const flooded = flows.filter((f) => f.findings.some((x) => x.id === 'bridge-flooding'));
      assert.ok(flooded.length <= 1 || new Set(flooded.map((f) => f.connection)).size === flooded.length);
      const flow = flooded[0];
      const finding = flow?.findings.find((f) => f.id === 'bridge-flooding');
      // The lab makes cni0 forget MACs after 1 s; on a busy machine the next SYN may still find
      // them, so a fresh run may or may not flood. The committed run did flood.
      const copiesOf = (port: string) =>
        lab
          .text('a2-flooding.txt')
          .split('\n')
          .filter((l) =>
            new RegExp(
              ` veth\\w+ Out IP 10\\.244\\.0\\.147\\.${port} > 10\\.244\\.0\\.14[34]\\.80: Flags \\[S\\]`,
            ).test(l),
          );
      const clientPort = flow?.connections?.[flow.connection ?? 0]?.client.split(':')[1];
      const copies = copiesOf(clientPort ?? '\\d+');
      if (lab.dir === 'test/fixtures/lab') assert.ok(copies.length >= 5, 'the committed capture shows the flood');
      if (copies.length < 2) {
        assert.equal(finding, undefined, 'no flood in the capture, no finding');
        return;
      }
      assert.ok(finding, 'bridge-flooding finding');
      const cited = finding.evidence
        .filter((e) => e.uri.endsWith('a2-flooding.txt'))
        .map((e) => lineAt(e.uri, e.line!));
      assert.ok(cited.length >= 2, `cites flooded copies (${cited.length})`);
      assert.match(finding.message, new RegExp(`left on ${copies.length} veths`));
      assert.ok(
        cited.every((l) => /veth\w+ Out IP 10\.244\.0\.147\.\d+ > 10\.244\.0\.14[34]\.80: Flags \[S\]/.test(l)),
        cited.join('\n'),
      );
    });

    it('A.3 headless Service: DNS answers every pod IP, no ClusterIP, no NAT on the connection', (lab) => {
      const [flow] = trace(lab.model, 'b-app', 'web.default.svc.cluster.local').flows;
      assert.equal(flow.family, 'pod-to-headless');
      const answer = steps(flow).find((s) => s.kind === 'dns-answer' && s.dns?.question.startsWith('web.default.svc'))!;
      assert.deepEqual([...answer.dns!.answers].sort(), ['10.244.0.150', '10.244.0.151', '10.244.0.152']);
      const connect = flow.phases.find((p) => p.name === 'connect')!;
      assert.ok(
        connect.steps.every((s) => !s.nat),
        'no NAT after DNS',
      );
      const lookups = lab.model.all('DnsLookup').filter((l) => /^web-\d\.web\.default/.test(l.question.name));
      assert.deepEqual(
        lookups.map((l) => `${l.question.name}=${l.answers[0]?.data}`).sort(),
        [0, 1, 2].map((i) => `web-${i}.web.default.svc.cluster.local=10.244.0.15${i}`),
      );
    });

    it('B cross-node: encapsulated in flannel.1 VXLAN (VNI 1, UDP 8472) between the node IPs', (lab) => {
      const [flow] = trace(lab.model, 'a-pod', 'c-pod').flows;
      assert.equal(flow.family, 'pod-to-pod-vxlan');
      const encap = steps(flow).find((s) => s.kind === 'encap' && s.from.startsWith('routing:node1'))!;
      assert.match(encap.label, /VNI 1/);
      assert.match(encap.label, /8472/);
      assert.match(encap.label, /172\.30\.1\.48 → 172\.30\.1\.49/);
      assert.equal(encap.status, 'observed');
      const outer = lab.model.packets.find(
        (p) => p.inner && p.src?.ip === '172.30.1.48' && p.dst?.ip === '172.30.1.49',
      );
      assert.ok(outer, 'the capture holds an encapsulated packet node1 → node2');
      assert.equal(outer.dst?.port, 8472);
      assert.equal(outer.inner!.dst?.ip, '10.244.1.10');
    });

    it('C.1 several connections to one Service: endpoints on both nodes, each connection captured hop by hop', (lab) => {
      const { truth } = checkAgainstTruth(lab, 'c1-service-two-nodes');
      const toApi = truth.connections.filter((c) => c.destination.service?.name === 'default/api');
      assert.ok(toApi.length >= 2, `connections to default/api (${toApi.length})`);
      assert.deepEqual([...new Set(toApi.map((c) => c.endpoint.node))].sort(), ['node1', 'node2']);
      for (const connection of toApi) {
        assert.equal(connection.client.pod, 'frontend');
        assert.equal(connection.dnatNode, 'node1', 'the client node DNATs the ClusterIP');
        assert.equal(connection.snat, null, 'pod to ClusterIP inside the cluster CIDR: no masquerade');
        assert.ok(connection.replied && connection.assured);
        assert.match(connection.endpoint.pod ?? '', /^api-/);
      }
      // the name was resolved through kube-dns for every request, DNATed to a CoreDNS pod on node1
      const dns = truth.connections.filter((c) => c.destination.service?.name === 'kube-system/kube-dns');
      assert.ok(dns.length >= toApi.length, 'a DNS lookup per request');
      assert.ok(dns.every((c) => c.endpoint.node === 'node1' && /^coredns-/.test(c.endpoint.pod ?? '')));
    });

    it('C.2 NodePort from outside the cluster: a local and a remote endpoint, masqueraded, replies un-NATed', (lab) => {
      const { truth } = checkAgainstTruth(lab, 'c2-nodeport');
      const node1 = truth.nodes.node1.addresses;
      const viaNodePort = truth.connections.filter((c) => c.destination.service?.via === 'NodePort');
      assert.ok(viaNodePort.length >= 2);
      for (const connection of viaNodePort) {
        assert.equal(connection.client.node, null, 'the client is not a node');
        assert.equal(connection.destination.ip, addressOf(node1.eth0));
        assert.equal(connection.destination.service?.name, 'default/shop');
        assert.equal(connection.dnatNode, 'node1');
        assert.ok(connection.replied && connection.assured);
        // MASQUERADE to the address of the interface the packet leaves by
        const outgoing = connection.endpoint.node === 'node1' ? node1.cni0 : node1['flannel.1'];
        assert.equal(connection.snat?.ip, addressOf(outgoing), `masqueraded to ${outgoing}`);
      }
      assert.deepEqual([...new Set(viaNodePort.map((c) => c.endpoint.node))].sort(), ['node1', 'node2']);
      // the kernel ran the predicted NodePort chain: KUBE-NODEPORTS → KUBE-EXT (mark) → KUBE-SVC, MASQUERADE
      const predicted = formatSpec('iptables-save')!
        .parse({ text: lab.text('predicted-rules.iptables-save'), uri: 'predicted' })
        .facts.filter((fact): fact is NatRule => fact.kind === 'NatRule' && fact.table === 'nat');
      const nodePort = predicted.find((rule) => rule.chain === 'KUBE-NODEPORTS' && rule.dport === 30080);
      assert.ok(nodePort && nodePort.target.startsWith('KUBE-EXT-'), 'KUBE-NODEPORTS jumps to KUBE-EXT');
      const ext = predicted.filter((rule) => rule.chain === nodePort.target).map((rule) => rule.target);
      assert.deepEqual(ext, ['KUBE-MARK-MASQ', nodePort.target.replace('KUBE-EXT-', 'KUBE-SVC-')]);
      assert.ok(predicted.some((rule) => rule.chain === 'KUBE-POSTROUTING' && rule.target === 'MASQUERADE'));
      const listed = lab.docs
        .get('c2-nodeport.node1.txt')!
        .facts.find(
          (fact): fact is NatRule => fact.kind === 'NatRule' && fact.chain === 'KUBE-NODEPORTS' && fact.dport === 30080,
        );
      assert.equal(listed?.target, nodePort.target, 'node1 lists the predicted KUBE-NODEPORTS rule');
    });

    it('C.3 pod → per-pod headless name on the other node: its own DNS answer, then a direct connection', (lab) => {
      const { truth, packets } = checkAgainstTruth(lab, 'c3-headless-pod');
      const name = 'cache-1.cache.default.svc.cluster.local';
      const [http] = truth.connections.filter((c) => c.protocol === 'tcp');
      assert.equal(truth.connections.filter((c) => c.protocol === 'tcp').length, 1);
      assert.equal(http.client.pod, 'frontend');
      assert.equal(http.client.node, 'node1');
      assert.equal(http.endpoint.pod, 'cache-1');
      assert.equal(http.endpoint.node, 'node2');
      assert.equal(http.dnatNode, null, 'a headless name is the pod IP: no DNAT');
      assert.equal(http.destination.service, null);
      assert.ok(http.replied && http.assured);
      // the client's own A query for that name (responses print no question: matched by DNS id and
      // client port), answered with the pod IP by the kube-dns ClusterIP, before the connection
      const atClient = packets.get('node1')!.filter((p) => p.interface === http.client.interface && p.dns);
      const lookups = atClient
        .filter((q) => q.src?.ip === http.client.ip && !q.dns!.response && q.dns!.qname === `${name}.`)
        .filter((q) => q.dns!.qtype === 'A')
        .map((query) => ({
          query,
          answer: atClient.find(
            (a) =>
              a.dns!.response &&
              a.dns!.id === query.dns!.id &&
              flowKey(a.dst!, a.src!) === flowKey(query.src!, query.dst!),
          ),
        }));
      assert.ok(lookups.length >= 3, `dig, nslookup and wget asked for ${name} (${lookups.length})`);
      for (const { query, answer } of lookups) {
        assert.ok(answer, `query ${query.dns!.id} answered`);
        assert.equal(where(answer.src!), '10.96.0.10:53', 'answered by the kube-dns ClusterIP (un-DNATed)');
        assert.deepEqual(answer.dns!.answers, [{ type: 'A', data: http.endpoint.ip }]);
        const lookup = truth.connections.find(
          (c) => c.protocol === 'udp' && flowKey(c.client, c.destination) === flowKey(query.src!, query.dst!),
        );
        assert.ok(lookup?.replied && lookup.endpoint.pod?.startsWith('coredns-'), 'a kube-dns connection in conntrack');
      }
      assert.ok(
        lookups.some(({ answer }) => answer!.time! < http.firstPacket!),
        'answered before the connection started',
      );
    });

    it('the kernel ran the predicted kube-proxy rules: node1 read them back unchanged', (lab) => {
      const predicted = formatSpec('iptables-save')!.parse({
        text: readFileSync(join(lab.dir, 'predicted-rules.iptables-save'), 'utf8'),
        uri: 'predicted',
      }).facts;
      const key = (r: NatRule) =>
        `${r.chain} ${r.target} ${r.dnatTo ? `${r.dnatTo.ip}:${r.dnatTo.port}` : ''} ${r.probability ?? ''}`;
      const sep = (facts: unknown[]) =>
        (facts as NatRule[])
          .filter((r) => r.kind === 'NatRule' && r.table === 'nat' && r.chain.startsWith('KUBE-S'))
          .map(key)
          .sort();
      const readBack = lab.docs.get('a2-pod-to-service.txt')!.blocks.find((b) => b.format === 'iptables-save')!.result
        .facts;
      assert.ok(sep(predicted).length >= 10);
      assert.deepEqual(sep(readBack), sep(predicted));
    });
  });
}

checks('lab outputs committed in test/fixtures/lab', () => load('test/fixtures/lab'));

function whyNoLiveLab(): string | false {
  if (process.env.KPP_LAB === 'off') return 'KPP_LAB=off';
  if (process.getuid?.() !== 0) return 'not root: the live lab needs root for network namespaces';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'no `ip netns` support';
  for (const tool of ['dnsmasq', 'busybox', 'tcpdump', 'iptables-restore', 'conntrack', 'dig']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return false;
}

let live: Lab | undefined;
let liveError: string | undefined;
let out: string | undefined;
before(() => {
  if (whyNoLiveLab()) return;
  out = mkdtempSync(join(tmpdir(), 'kpp-lab-'));
  const run = spawnSync('bash', ['test/lab/lab.sh', 'all', out], { encoding: 'utf8', timeout: 240_000 });
  if (run.status !== 0) liveError = `lab.sh failed (${run.status}): ${run.stderr.slice(-2000)}`;
  else live = load(out);
});
after(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

test('live lab ran', (t) => {
  const why = whyNoLiveLab();
  if (why) return t.skip(`live lab skipped: ${why}`);
  assert.equal(liveError, undefined);
  assert.ok(live);
});
checks(
  'live lab (fresh run)',
  () => live,
  () => whyNoLiveLab() || (liveError ? `lab failed: ${liveError}` : false),
);
