import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, evidenceHref, renderMarkdown } from '../../../src/render/markdown';
import { renderMermaid } from '../../../src/render/mermaid';
import { ev, noEndpoints, podToPod, podToService, podToPodVxlan, result, step } from './flows';
import { HOSTILE } from './hostile';

test('one flow: title, family, counts, the mermaid block and a row per step', () => {
  const flow = podToPod();
  const md = renderMarkdown(result(flow));
  const lines = md.split('\n');
  assert.equal(lines[0], '# b-pod → a-pod \\(same node\\)');
  assert.ok(md.includes('Family: `pod-to-pod`'));
  assert.ok(md.includes('5 steps: 3 observed, 0 configured, 2 predicted, 0 missing, 0 contradicted.'));
  assert.ok(
    md.includes('```mermaid\n' + renderMermaid(flow) + '```\n'),
    'the block holds exactly the rendered diagram',
  );
  assert.ok(lines.includes('| # | Phase | Status | From → To | Step | Evidence |'));
  assert.equal(
    lines.find((l) => l.startsWith('| 1 |')),
    '| 1 | ICMP echo | ● observed | b-pod → vethded7ef9f | ICMP echo request 10.244.0.54 → 10.244.0.53 | [flannel-network-flows-part1.ko.txt:120](file:///work/samples/seed/flannel-network-flows-part1.ko.txt#L120) |',
  );
  assert.equal(
    lines.find((l) => l.startsWith('| 3 |'))?.endsWith('| derived: FDB learns a-pod MAC on veth75a7f7d6 |'),
    true,
  );
});

test('service: NAT, DNS and kube-proxy alternatives with probabilities are in the table; findings listed', () => {
  const md = renderMarkdown(result(podToService()));
  assert.match(
    md,
    /\| 8 \| connect \| ● observed \| KUBE-SVC-CHTNYTLOWMWCGZWR → cni0 \| DNAT 10\.103\.129\.86:80 → 10\.244\.0\.143:80<br>✓ KUBE-SEP-ZZRQGRW2BIJ6VNXP → 10\.244\.0\.143:80 \\\(p=0\.50\\\)<br>· KUBE-SEP-BJVKNWLDIWYBU2WJ → 10\.244\.0\.144:80 \\\(p=0\.50\\\) \|/,
  );
  assert.match(md, /DNS a-app\.default\.svc\.cluster\.local → 10\.103\.129\.86/);
  assert.ok(md.includes('## Findings\n\n- **info** traceroute to a ClusterIP leaves the cluster: '));
  assert.ok(md.includes('- **warning** Bridge flooding: The SYN left on about thirty veths before ARP.'));
});

test('contradicted status and unresolved items are visible', () => {
  const md = renderMarkdown(result(podToPodVxlan()));
  assert.match(md, /\| 5 \| connect \| ✗ contradicted \|/);
  assert.ok(md.includes('## Unresolved\n\n- No capture on node2: run \\`tcpdump -i flannel.1 -nn\\` on node2.'));
});

test('several flows get one section each; trace-level unresolved reasons come last', () => {
  const md = renderMarkdown({ flows: [podToPod(), noEndpoints()], unresolved: ['pod x not found'] });
  assert.equal(md.split('\n')[0], '# Kube Packet Path trace');
  assert.equal(md.match(/^## /gm)?.length, 3);
  assert.equal(md.match(/```mermaid/g)?.length, 2);
  assert.ok(md.trimEnd().endsWith('## Unresolved\n\n- pod x not found'));
});

test('no flows: says so and lists why', () => {
  const md = renderMarkdown({ flows: [], unresolved: ['No pod named "a-pod"; run `kubectl get pods -A -o wide`.'] });
  assert.ok(md.includes('No flow could be traced.'));
  assert.ok(md.includes('- No pod named "a-pod"; run \\`kubectl get pods -A -o wide\\`.'));
  assert.ok(!md.includes('```mermaid'));
});

test('only file evidence becomes a link; other schemes are plain text', () => {
  assert.equal(evidenceHref(ev(3, 'x', 'tcpdump', '/tmp/cap (1).txt')), 'file:///tmp/cap%20%281%29.txt#L3');
  assert.equal(evidenceHref(ev(3, 'x', 'tcpdump', 'logs/cap.txt')), 'logs/cap.txt#L3');
  assert.equal(evidenceHref(ev(3, 'x', 'tcpdump', 'javascript:alert(1)')), undefined);
  assert.equal(evidenceHref(ev(3, 'x', 'tcpdump', 'cluster://ctx/Service/default/a-app')), undefined);
  assert.equal(evidenceHref({ source: 'derived', uri: 'derived:' }), undefined);
});

test('hostile text never becomes HTML, a link or a table break in Markdown', () => {
  for (const h of HOSTILE) {
    const flow = podToPod();
    flow.title = h;
    flow.phases[0].steps[0] = step(flow.actors[0].id, flow.actors[1].id, h, {
      evidence: [ev(1, h, 'tcpdump', `javascript:${h}`)],
    });
    flow.findings = [{ id: 'mtu-mss', severity: 'error', title: h, message: h, evidence: [] }];
    flow.unresolved = [h];
    const md = renderMarkdown(result(flow));
    const outsideMermaid = md.replace(/```mermaid[\s\S]*?```/, '');
    assert.doesNotMatch(outsideMermaid, /<(?!br>)/, h);
    assert.doesNotMatch(outsideMermaid, /\]\(javascript/i, h);
    const row = outsideMermaid.split('\n').find((l) => l.startsWith('| 1 |'))!;
    assert.equal(row.replace(/\\\|/g, '').split('|').length, 8, `row keeps 6 cells for ${JSON.stringify(h)}: ${row}`);
  }
  assert.equal(escapeMarkdown('a|b*c_[d](e)'), 'a\\|b\\*c\\_\\[d\\]\\(e\\)');
});
