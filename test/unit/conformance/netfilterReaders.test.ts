import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIptablesSave } from '../../../src/ingest/netfilter/iptablesSave';
import type { NatChain, NatRule } from '../../../src/model';

const SAMPLES = 'test/fixtures/conformance/kube-proxy/restore-samples.txt';

test('iptables-restore text from kube-proxy tests: -X understood, stray words reported, no empty-target guess', () => {
  const result = parseIptablesSave({ text: readFileSync(SAMPLES, 'utf8'), uri: SAMPLES });
  const chains = result.facts.filter((fact): fact is NatChain => fact.kind === 'NatChain');
  const rules = result.facts.filter((fact): fact is NatRule => fact.kind === 'NatRule');
  assert.deepEqual(
    chains.filter((chain) => chain.deleted).map((chain) => chain.name),
    ['KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6'],
  );
  assert.deepEqual(
    result.unparsed.map((entry) => [entry.line, entry.reason]),
    [
      [11, "stray word 'svc2' (not an option or an option's value)"],
      [12, "stray word 'svc2' (not an option or an option's value)"],
    ],
  );
  // A real rule without -j (kube-proxy's KUBE-FW "other traffic" marker) stays a rule.
  const marker = rules.find((rule) => rule.chain === 'KUBE-FW-XPGD46QRK7WJZT7O');
  assert.equal(marker?.target, '');
  assert.equal(marker?.comment, 'other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL');
  assert.equal(rules.length, 2);
});

test('an unknown option keeps its value; unknown valueless flags are fine', () => {
  const text = [
    '*filter',
    '-A INPUT -p tcp -m tcp --tcp-flags SYN,RST SYN -m owner --uid-owner 0 -j LOG --log-prefix "in: " --log-uid',
    '-A INPUT -m set --match-set allowed src -j ACCEPT',
    'COMMIT',
  ].join('\n');
  const result = parseIptablesSave({ text, uri: 'inline' });
  assert.deepEqual(result.unparsed, []);
  assert.equal(result.facts.filter((fact) => fact.kind === 'NatRule').length, 2);
});
