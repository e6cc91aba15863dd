import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { predictRules } from '../../../../src/flow/rules/predict';
import { parseIptablesSave } from '../../../../src/ingest/netfilter/iptablesSave';
import { parseNft } from '../../../../src/ingest/netfilter/nft';
import { ClusterModel, type NatRule } from '../../../../src/model';
import { seedFacts, seedModel, SEED_NODE } from '../../../fixtures/netfilter/seedCluster';
import { fixture, ofKind, ruleKey } from '../../ingest/netfilter/helpers';

const seedText = readFileSync('test/fixtures/seed/flannel-network-flows-part1.ko.txt', 'utf8');
const predicted = predictRules(seedModel(), 'iptables', { nodeName: SEED_NODE });
const rules = ofKind(predicted.facts, 'NatRule');

test('every chain the seed report printed is predicted with the same rules', () => {
  // From the seed: `Chain KUBE-SVC-… (1 references) … KUBE-SEP-… all -- … /* ns/svc:port -> ip:port */`.
  const seedChains = [...seedText.matchAll(/Chain (KUBE-SVC-\w+) \(/g)].map((m) => m[1]);
  assert.equal(seedChains.length, 5);
  for (const chain of seedChains) {
    const seps = rules.filter((r) => r.chain === chain && r.target.startsWith('KUBE-SEP-'));
    assert.ok(seps.length > 0, `${chain} predicted`);
    for (const r of seps)
      assert.ok(
        seedText.includes(`${r.target} all -- 0.0.0.0/0 0.0.0.0/0 /* ${r.comment} *`),
        `seed prints ${r.target} /* ${r.comment} */`,
      );
  }
  const dns = rules.filter((r) => r.chain === 'KUBE-SVC-TCOU7JCQXEZGVUNU');
  assert.deepEqual(dns.map((r) => r.kubeProxy?.endpoint).filter(Boolean), ['10.244.0.105:53', '10.244.0.107:53']);
  assert.deepEqual(
    dns.map((r) => r.probability),
    [undefined, 0.5, undefined],
  );
});

test('predicted facts are marked derived, never observed', () => {
  assert.ok(predicted.facts.length > 50);
  for (const f of predicted.facts) {
    assert.equal(f.evidence[0].source, 'derived');
    assert.match(f.evidence[0].uri, /^derived:/);
  }
  assert.ok(predicted.text.startsWith('# Predicted by kube-packet-path'));
});

test('the kernel read-back (real iptables-save fixture) equals the prediction, rule by rule', () => {
  // fixtures/netfilter/nft-variant.iptables-save.txt is `iptables-save` after
  // `iptables-restore < predicted.iptables-save.txt` in a netns (generate.sh).
  const saved = ofKind(
    parseIptablesSave({ text: fixture('nft-variant.iptables-save.txt'), uri: 's' }).facts,
    'NatRule',
  );
  const norm = (r: NatRule) =>
    ruleKey({ ...r, probability: r.probability === undefined ? undefined : Number(r.probability.toFixed(9)) });
  assert.deepEqual(saved.map(norm).sort(), rules.map(norm).sort());
  assert.equal(
    readFileSync('test/fixtures/netfilter/predicted.iptables-save.txt', 'utf8'),
    predicted.text,
    'committed prediction is current',
  );
});

const canNetns =
  process.getuid?.() === 0 &&
  spawnSync('ip', ['netns', 'list']).status === 0 &&
  spawnSync('iptables-restore', ['--version']).status === 0;

test(
  'live: iptables-restore accepts the prediction in a fresh netns and iptables-save reads back the same rules',
  { skip: canNetns ? false : 'needs root, ip netns and iptables-restore' },
  () => {
    const ns = `kpp-nf-t${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'iptables-restore'], { input: predicted.text, timeout: 20000 });
      const back = execFileSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8', timeout: 20000 });
      const parsed = parseIptablesSave({ text: back, uri: 'live' });
      assert.deepEqual(parsed.unparsed, []);
      const norm = (r: NatRule) =>
        ruleKey({ ...r, probability: r.probability === undefined ? undefined : Number(r.probability.toFixed(9)) });
      assert.deepEqual(ofKind(parsed.facts, 'NatRule').map(norm).sort(), rules.map(norm).sort());
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  },
);

test('no endpoints: REJECT in filter KUBE-SERVICES and no nat chains', () => {
  const reject = rules.filter((r) => r.kubeProxy?.servicePortName === 'default/no-endpoints');
  assert.deepEqual(
    reject.map((r) => [r.table, r.chain, r.target, r.destination?.cidr, r.dport]),
    [['filter', 'KUBE-SERVICES', 'REJECT', '10.96.200.13', 80]],
  );
});

test('externalTrafficPolicy Local: KUBE-SVL holds only the endpoints on this node', () => {
  const svl = rules.filter(
    (r) => r.chain.startsWith('KUBE-SVL-') && r.kubeProxy?.servicePortName === 'default/a-app-local',
  );
  assert.deepEqual(
    svl.map((r) => r.kubeProxy?.endpoint),
    ['10.244.0.143:80'],
  );
  const svc = rules.filter(
    (r) =>
      r.chain.startsWith('KUBE-SVC-') &&
      r.kubeProxy?.servicePortName === 'default/a-app-local' &&
      r.kubeProxy.role === 'endpoint-choice',
  );
  assert.deepEqual(
    svc.map((r) => r.kubeProxy?.endpoint),
    ['10.244.0.143:80', '10.244.1.20:80'],
  );
});

test('without a cluster CIDR there is no "! -s CIDR" masquerade rule (kube-proxy without --cluster-cidr)', () => {
  const facts = seedFacts().filter((f) => f.kind !== 'Cni');
  const p = predictRules(new ClusterModel().add(facts), 'iptables');
  const masq = ofKind(p.facts, 'NatRule').filter(
    (r) => r.chain.startsWith('KUBE-SVC-') && r.target === 'KUBE-MARK-MASQ',
  );
  assert.equal(masq.length, 0);
  assert.ok(p.plan.notes.some((n) => n.includes('cluster CIDR unknown')));
});

test('endpoints come from selected pods when there is no EndpointSlice, with named target ports', () => {
  const model = new ClusterModel().add([
    {
      kind: 'Service',
      namespace: 'web',
      name: 'nginx',
      clusterIP: '10.96.50.5',
      selector: { app: 'nginx' },
      ports: [{ protocol: 'TCP', port: 80, targetPort: 'http' }],
      evidence: [],
    },
    {
      kind: 'Pod',
      namespace: 'web',
      name: 'nginx-1',
      ip: '10.244.1.7',
      labels: { app: 'nginx' },
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
      evidence: [],
    },
    { kind: 'Pod', namespace: 'web', name: 'other', ip: '10.244.1.8', labels: { app: 'other' }, evidence: [] },
  ]);
  const p = predictRules(model, 'iptables');
  const dnat = ofKind(p.facts, 'NatRule').filter((r) => r.target === 'DNAT');
  assert.deepEqual(
    dnat.map((r) => r.dnatTo),
    [{ ip: '10.244.1.7', port: 8080 }],
  );
});

test('nftables mode: the prediction and the real `nft list table` agree on the service-ips map and DNATs', () => {
  const p = predictRules(seedModel(), 'nftables', { nodeName: SEED_NODE });
  const listed = parseNft({ text: fixture('nftables-mode.nft-list-table.txt'), uri: 'nft' }).facts;
  const key = (e: { map: string; key: string[]; verdict: string }) => `${e.map}|${e.key.join(' . ')}|${e.verdict}`;
  assert.deepEqual(ofKind(p.facts, 'NftMapElement').map(key).sort(), ofKind(listed, 'NftMapElement').map(key).sort());
  const dnat = (facts: typeof listed) =>
    ofKind(facts, 'NftRule')
      .filter((r) => r.dnatTo)
      .map((r) => `${r.chain} ${r.dnatTo!.ip}:${r.dnatTo!.port}`)
      .sort();
  assert.deepEqual(dnat(p.facts), dnat(listed));
  assert.ok(p.facts.every((f) => f.evidence[0].source === 'derived'));
});

test('ipvs mode: one virtual server per cluster IP and port, real servers are the endpoints', () => {
  const p = predictRules(seedModel(), 'ipvs', { nodeName: SEED_NODE });
  const vs = ofKind(p.facts, 'IpvsVirtualServer');
  const dns = vs.find((v) => v.protocol === 'UDP' && v.address === '10.96.0.10' && v.port === 53);
  assert.deepEqual(
    dns?.realServers.map((r) => `${r.address}:${r.port}`),
    ['10.244.0.105:53', '10.244.0.107:53'],
  );
  assert.equal(vs.find((v) => v.address === '10.96.200.12')?.persistentSeconds, 10800);
  assert.equal(vs.find((v) => v.address === '10.96.200.13')?.realServers.length, 0);
});

const canNft = canNetns && spawnSync('nft', ['--version']).status === 0;

test(
  'live: nft -f accepts the nftables prediction in a fresh netns; the listing parses back to the same map elements and DNATs',
  { skip: canNft ? false : 'needs root, ip netns and nft' },
  () => {
    const p = predictRules(seedModel(), 'nftables', { nodeName: SEED_NODE });
    const ns = `kpp-nf-n${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: p.text, timeout: 20000 });
      const listed = parseNft({
        text: execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'kube-proxy'], {
          encoding: 'utf8',
          timeout: 20000,
        }),
        uri: 'live',
      });
      assert.deepEqual(listed.unparsed, []);
      const key = (facts: typeof p.facts) =>
        facts
          .flatMap((f) =>
            f.kind === 'NftMapElement'
              ? [`${f.map}|${f.key.join(' . ')}|${f.verdict}`]
              : f.kind === 'NftRule' && f.dnatTo
                ? [`${f.chain}|${f.dnatTo.ip}:${f.dnatTo.port}`]
                : [],
          )
          .sort();
      assert.deepEqual(key(listed.facts), key(p.facts));
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  },
);

test(
  'live: iptables-legacy-restore accepts the iptables prediction too',
  {
    skip:
      canNetns && spawnSync('iptables-legacy-restore', ['--version']).status === 0
        ? false
        : 'needs root, ip netns and iptables-legacy',
  },
  () => {
    const ns = `kpp-nf-l${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'iptables-legacy-restore'], { input: predicted.text, timeout: 20000 });
      const back = parseIptablesSave({
        text: execFileSync('ip', ['netns', 'exec', ns, 'iptables-legacy-save'], { encoding: 'utf8', timeout: 20000 }),
        uri: 'live',
      });
      const norm = (r: NatRule) =>
        ruleKey({ ...r, probability: r.probability === undefined ? undefined : Number(r.probability.toFixed(9)) });
      assert.deepEqual(ofKind(back.facts, 'NatRule').map(norm).sort(), rules.map(norm).sort());
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  },
);
