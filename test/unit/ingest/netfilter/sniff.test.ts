import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffFormat, formatForCommand } from '../../../../src/ingest/registry';
import { fixture } from './helpers';

// Every real netfilter fixture, given to the registry with no command, is recognised
// as the format that printed it (other engineers' formats compete in the same registry).
const expected: [string, string][] = [
  ['nft-variant.iptables-save.txt', 'iptables-save'],
  ['legacy.iptables-save.txt', 'iptables-save'],
  ['nft-variant.nat.S.txt', 'iptables-save'],
  ['nft-variant.nat.L-n.txt', 'iptables-list'],
  ['nft-variant.nat.L-n-v.txt', 'iptables-list'],
  ['nft-variant.nat.L-n-v-x-line-numbers.txt', 'iptables-list'],
  ['legacy.nat.L-n-v-line-numbers.txt', 'iptables-list'],
  ['nft-variant.filter.L-n-v.txt', 'iptables-list'],
  ['nftables-mode.nft-list-table.txt', 'nft'],
  ['nft-variant.nft-list-ruleset.txt', 'nft'],
  ['conntrack-L.txt', 'conntrack'],
  ['conntrack-E.txt', 'conntrack'],
  ['predicted.ipvsadm.txt', 'ipvsadm'],
];

for (const [file, id] of expected) {
  test(`sniff: ${file} is ${id}`, () => {
    assert.equal(sniffFormat(fixture(file).split('\n').slice(0, 50))?.id, id);
  });
}

test('commands shown in a transcript pick the netfilter formats', () => {
  const cases: [string, string][] = [
    ['sudo iptables -t nat -L KUBE-SVC-TCOU7JCQXEZGVUNU -n', 'iptables-list'],
    ['iptables -t nat -nvL --line-numbers', 'iptables-list'],
    ['iptables-legacy-save', 'iptables-save'],
    ['iptables -t nat -S KUBE-SERVICES', 'iptables-save'],
    ['nft list table ip kube-proxy', 'nft'],
    ['ipvsadm -Ln', 'ipvsadm'],
    ['conntrack -L -p tcp', 'conntrack'],
    ['conntrack -E', 'conntrack'],
  ];
  for (const [cmd, id] of cases) assert.equal(formatForCommand(cmd)?.id, id, cmd);
});
