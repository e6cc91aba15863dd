import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import '../../src/ingest/all';
import { parseDocument, type DocumentResult } from '../../src/ingest/document';
import { formatSpec } from '../../src/ingest/registry';
import { ClusterModel, searchExpansion, podSearchList, type NatRule } from '../../src/model';
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
      for (const id of ['dns-search-amplification', 'clusterip-traceroute', 'mtu-mss'])
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
