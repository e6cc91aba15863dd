import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIptablesList, iptablesListFormat } from '../../../../src/ingest/netfilter/iptablesList';
import { parseIptablesSave } from '../../../../src/ingest/netfilter/iptablesSave';
import { unflattenIptablesList } from '../../../../src/ingest/netfilter/iptablesListTokens';
import { formatForCommand } from '../../../../src/ingest/registry';
import { fixture, ofKind, ruleKey } from './helpers';

const seedPath = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
const seedLines = readFileSync(seedPath, 'utf8').split('\n');

function seedLineWith(prefix: string): number {
  const i = seedLines.findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `seed has a line starting with ${prefix}`);
  return i + 1;
}

test("the seed's flattened KUBE-SVC listings parse into one rule per printed rule", () => {
  const lineNo = seedLineWith('Chain KUBE-SVC-JD5MR3NA4I4DYORP');
  const line = seedLines[lineNo - 1];
  const r = parseIptablesList({
    text: line,
    uri: seedPath,
    firstLine: lineNo,
    command: 'sudo iptables -t nat -L KUBE-SVC-JD5MR3NA4I4DYORP -n',
  });
  const chains = ofKind(r.facts, 'NatChain').map((c) => c.name);
  // Every `Chain X (` printed on the line is one chain.
  const printedChains = [...line.matchAll(/Chain (\S+) \(/g)].map((m) => m[1]);
  assert.deepEqual(chains, printedChains);
  const rules = ofKind(r.facts, 'NatRule');
  // Every `/* … */` on the line belongs to exactly one rule.
  assert.equal(rules.length, (line.match(/\/\*/g) ?? []).length);
  for (const rule of rules) {
    assert.equal(rule.table, 'nat');
    assert.equal(rule.evidence[0].line, lineNo);
    assert.ok(printedChains.includes(rule.chain));
  }
  const dns = rules.filter((x) => x.chain === 'KUBE-SVC-TCOU7JCQXEZGVUNU');
  assert.deepEqual(
    dns.map((x) => x.target),
    ['KUBE-MARK-MASQ', 'KUBE-SEP-SMSEVC7UC3TMMLEX', 'KUBE-SEP-D2LNDAFJVFQ3SYLN'],
  );
  assert.deepEqual(dns[0].source, { cidr: '10.244.0.0/16', negated: true });
  assert.equal(dns[0].protocol, 'udp');
  assert.equal(dns[1].probability, 0.5);
  assert.equal(dns[2].probability, undefined);
  assert.deepEqual(
    dns.slice(1).map((x) => x.kubeProxy?.endpoint),
    ['10.244.0.105:53', '10.244.0.107:53'],
  );
  assert.ok(dns.every((x) => x.kubeProxy?.servicePortName === 'kube-system/kube-dns:dns'));
  // The `echo ====` separators between the listings are reported, not silently dropped.
  assert.equal(r.unparsed.length, (line.match(/={20,}/g) ?? []).length);
  const kp = ofKind(r.facts, 'KubeProxy');
  assert.equal(kp[0]?.mode, 'iptables');
  assert.equal(kp[0]?.clusterCIDR, '10.244.0.0/16');
});

test("the seed's cut-off a-app listing still yields both endpoints", () => {
  const lineNo = seedLineWith('Chain KUBE-SVC-CHTNYTLOWMWCGZWR');
  const r = parseIptablesList({ text: seedLines[lineNo - 1], uri: seedPath, firstLine: lineNo });
  const rules = ofKind(r.facts, 'NatRule');
  assert.deepEqual(rules.map((x) => x.kubeProxy?.endpoint).filter(Boolean), ['10.244.0.143:80', '10.244.0.144:80']);
  assert.equal(rules[rules.length - 1].comment, 'default/a-app -> 10.244.0.144:80');
  assert.ok(
    rules.every((x) => x.table === 'nat'),
    'KUBE-SVC chains live in nat even without -t nat',
  );
});

test("the seed's grep of KUBE-SERVICES (no chain header) gives service portals", () => {
  const lineNo = seedLineWith('KUBE-SVC-JD5MR3NA4I4DYORP tcp');
  const r = parseIptablesList({
    text: seedLines[lineNo - 1],
    uri: seedPath,
    firstLine: lineNo,
    command: 'iptables -t nat -L KUBE-SERVICES -n',
  });
  const rules = ofKind(r.facts, 'NatRule');
  assert.deepEqual(
    rules.map((x) => [x.destination?.cidr, x.kubeProxy?.role, x.kubeProxy?.servicePortName]),
    [
      ['10.96.0.10', 'service-portal', 'kube-system/kube-dns:metrics'],
      ['10.96.0.1', 'service-portal', 'default/kubernetes:https'],
      ['10.96.0.10', 'service-portal', 'kube-system/kube-dns:dns'],
      ['10.96.0.10', 'service-portal', 'kube-system/kube-dns:dns-tcp'],
    ],
  );
  assert.ok(
    rules.every((x) => x.position === undefined),
    'grep output has no positions',
  );
});

test('unflatten keeps a normal line intact and splits a flattened one at record starts', () => {
  const normal =
    'KUBE-SVC-TCOU7JCQXEZGVUNU  udp  --  0.0.0.0/0            10.96.0.10           /* kube-system/kube-dns:dns cluster IP */ udp dpt:53';
  assert.deepEqual(unflattenIptablesList(normal), [normal]);
  const flat =
    'Chain KUBE-MARK-MASQ (3 references) target prot opt source destination MARK all -- 0.0.0.0/0 0.0.0.0/0 MARK or 0x4000';
  assert.deepEqual(unflattenIptablesList(flat), [
    'Chain KUBE-MARK-MASQ (3 references)',
    'target prot opt source destination',
    'MARK all -- 0.0.0.0/0 0.0.0.0/0 MARK or 0x4000',
  ]);
});

// Real listings of the same rules (fixtures/netfilter, made by generate.sh).
const saveRules = ofKind(
  parseIptablesSave({ text: fixture('nft-variant.iptables-save.txt'), uri: 'save' }).facts,
  'NatRule',
);

for (const [file, table] of [
  ['nft-variant.nat.L-n.txt', 'nat'],
  ['nft-variant.nat.L-n-v.txt', 'nat'],
  ['nft-variant.nat.L-n-v-x-line-numbers.txt', 'nat'],
  ['nft-variant.filter.L-n-v.txt', 'filter'],
  ['legacy.nat.L-n.txt', 'nat'],
  ['legacy.nat.L-n-v-line-numbers.txt', 'nat'],
  // Without -n: `anywhere` and /etc/services names (`dpt:domain`, `dpt:http`) read as addresses/ports.
  ['legacy.nat.L-names.txt', 'nat'],
] as const) {
  test(`${file}: every rule agrees with iptables-save of the same tables`, () => {
    const r = parseIptablesList({ text: fixture(file), uri: file, command: `iptables -t ${table} -L -n` });
    assert.deepEqual(r.unparsed, []);
    const listed = ofKind(r.facts, 'NatRule');
    const saved = saveRules.filter((x) => x.table === table);
    assert.equal(listed.length, saved.length);
    assert.deepEqual(listed.map(ruleKey).sort(), saved.map(ruleKey).sort());
    // Chains: one per `Chain` header, with references or policy.
    const chains = ofKind(r.facts, 'NatChain');
    assert.equal(chains.length, (fixture(file).match(/^Chain /gm) ?? []).length);
    assert.ok(chains.every((c) => c.policy !== undefined || c.references !== undefined));
  });
}

test('-v listings carry the real packet counters (traffic went through the DNAT)', () => {
  const r = parseIptablesList({
    text: fixture('nft-variant.nat.L-n-v-x-line-numbers.txt'),
    uri: 'x',
    command: 'iptables -t nat -L -n -v -x --line-numbers',
  });
  const rules = ofKind(r.facts, 'NatRule');
  const nodeportDnat = rules.filter(
    (x) => x.chain.startsWith('KUBE-SEP-') && x.target === 'DNAT' && (x.packets ?? 0) > 0,
  );
  assert.ok(nodeportDnat.length > 0, 'some endpoint DNAT rule counted packets');
  assert.ok(rules.every((x) => typeof x.packets === 'number' && typeof x.bytes === 'number'));
  // --line-numbers: the position we count equals the number iptables printed.
  for (const rule of rules) assert.equal(rule.position, Number(rule.text.split(/\s+/)[0]));
});

test('numeric prot column (iptables-nft prints 6/17/0) reads as tcp/udp/any', () => {
  const text = fixture('nft-variant.nat.L-KUBE-SERVICES-n.txt');
  assert.match(text, /\s6\s+--/);
  const rules = ofKind(
    parseIptablesList({ text, uri: 'x', command: 'iptables -t nat -L KUBE-SERVICES -n' }).facts,
    'NatRule',
  );
  const dns = rules.find((x) => x.comment === 'kube-system/kube-dns:dns cluster IP');
  assert.equal(dns?.protocol, 'udp');
  assert.equal(dns?.dport, 53);
  const last = rules[rules.length - 1];
  assert.equal(last.kubeProxy?.role, 'nodeports');
  assert.equal(last.protocol, undefined);
});

test("the kernel's printed probabilities are read as numbers (lead's statistic fixture)", () => {
  const text = readFileSync('test/fixtures/iptables/statistic-probabilities.list.txt', 'utf8');
  const rules = ofKind(parseIptablesList({ text, uri: 'p' }).facts, 'NatRule');
  const printed = [...text.matchAll(/probability (\S+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    rules.map((x) => x.probability),
    printed,
  );
  assert.equal(rules[1].probability, 0.33333333349);
});

test('command patterns pick the list format', () => {
  assert.equal(formatForCommand('sudo iptables -t nat -L KUBE-SERVICES -n')?.id, 'iptables-list');
  assert.equal(formatForCommand('iptables-legacy -nvL -t nat')?.id, 'iptables-list');
  assert.equal(formatForCommand('iptables-save -t nat')?.id, 'iptables-save');
  assert.ok(iptablesListFormat.sniff(fixture('nft-variant.nat.L-n.txt').split('\n').slice(0, 50)) > 0.8);
});

test('FormatSpec.unflatten hook: pieces carry their column, are idempotent, and parse like the flat line', () => {
  const lineNo = seedLineWith('Chain KUBE-SVC-JD5MR3NA4I4DYORP');
  const line = seedLines[lineNo - 1];
  const pieces = iptablesListFormat.unflatten!(line).map((p) =>
    typeof p === 'string' ? { text: p, start: line.indexOf(p) } : p,
  );
  assert.ok(pieces.length > 10);
  for (const p of pieces) {
    assert.equal(line.slice(p.start, p.start + p.text.length), p.text);
    assert.deepEqual(
      iptablesListFormat.unflatten!(p.text).map((x) => (typeof x === 'string' ? x : x.text)),
      [p.text],
    );
  }
  const cmd = 'iptables -t nat -L KUBE-SVC-JD5MR3NA4I4DYORP -n';
  const fromPieces = ofKind(
    parseIptablesList({ text: pieces.map((p) => p.text).join('\n'), uri: 'p', command: cmd }).facts,
    'NatRule',
  );
  const fromLine = ofKind(parseIptablesList({ text: line, uri: 'p', command: cmd }).facts, 'NatRule');
  assert.deepEqual(
    fromPieces.map((r) => ({ ...r, evidence: [] })).map(ruleKey),
    fromLine.map((r) => ({ ...r, evidence: [] })).map(ruleKey),
  );
});

test('unflatten hook leaves every line of real -L listings whole (verbose counters and line numbers included)', () => {
  for (const file of [
    'nft-variant.nat.L-n.txt',
    'nft-variant.nat.L-n-v.txt',
    'nft-variant.nat.L-n-v-x-line-numbers.txt',
    'legacy.nat.L-n-v-line-numbers.txt',
    'nft-variant.filter.L-n-v.txt',
  ]) {
    for (const line of fixture(file).split('\n')) {
      if (!line.trim()) continue;
      const pieces = iptablesListFormat.unflatten!(line).map((p) => (typeof p === 'string' ? p : p.text));
      assert.deepEqual(pieces, [line], `${file}: ${line}`);
    }
  }
});

test('a flattened verbose listing (counters, no header on the line) splits before the counters', () => {
  const flat =
    '    5   300 KUBE-SVC-A  6    --  *      *       0.0.0.0/0            10.96.0.10           /* a/b:c cluster IP */ tcp dpt:53     0     0 KUBE-SVC-B  17   --  *      *       0.0.0.0/0            10.96.0.10           /* a/b:d cluster IP */ udp dpt:53';
  const pieces = iptablesListFormat.unflatten!(flat).map((p) => (typeof p === 'string' ? p : p.text));
  assert.equal(pieces.length, 2);
  assert.match(pieces[1], /^0\s+0 KUBE-SVC-B/);
  const rules = ofKind(
    parseIptablesList({ text: pieces.join('\n'), uri: 'v', command: 'iptables -t nat -L KUBE-SERVICES -n -v' }).facts,
    'NatRule',
  );
  assert.deepEqual(
    rules.map((r) => [r.target, r.packets, r.protocol]),
    [
      ['KUBE-SVC-A', 5, 'tcp'],
      ['KUBE-SVC-B', 0, 'udp'],
    ],
  );
});
