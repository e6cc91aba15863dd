/**
 * DNS answers paired with their queries: without -vv tcpdump prints an answer as `50628 NXDomain
 * 0/0/0`, and only the query with the same id from the port it goes back to says which name that
 * was. Inputs: the network lab's A.2 transcript (tcpdump -i any -nn of the ndots:5 search list)
 * and the -vv capture of test/fixtures/tcpdump, whose answers print their question.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import { parseTcpdump } from '../../../src/ingest/tcpdump';
import { ClusterModel, packetsOf, type Packet } from '../../../src/model';
import { trace } from '../../../src/flow';
import { dnsQuestions } from '../../../src/flow/correlate/dnsQuestions';
import { labA2Lines } from '../../support/labA2';

const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const labText = readFileSync(LAB, 'utf8');
const labLines = labText.split('\n');
const atLine = (ps: Packet[], line: number) => ps.find((p) => p.evidence[0].line === line)!;

test('an answer printed without its question gets the question of its query (same id, back to the port that asked)', () => {
  const packets = packetsOf(parseDocument(labText, LAB).facts);
  const question = dnsQuestions(packets);
  // CoreDNS's `ID NXDomain 0/0/0` answer to b-app's first search-list query (lines found by content)
  const { answer, answerUnDnat, aaaaAnswer, existing } = labA2Lines(labText);
  assert.deepEqual(question(atLine(packets, answer.line)), {
    name: 'a-app.default.svc.cluster.local.default.svc.cluster.local.',
    type: 'A',
  });
  // the same answer after conntrack's un-DNAT, from the ClusterIP
  assert.deepEqual(question(atLine(packets, answerUnDnat.line)), question(atLine(packets, answer.line)));
  // the AAAA query's answer, from the same client port with another id
  assert.equal(question(atLine(packets, aaaaAnswer.line))?.type, 'AAAA');
  // the name that exists, `ID* 1/0/0 A 10.103.129.86`
  assert.deepEqual(question(atLine(packets, existing.line)), { name: 'a-app.default.svc.cluster.local.', type: 'A' });
  // every answer of this capture has its query in it, and each pairing agrees with that query
  const answers = packets.filter((p) => p.dns?.response);
  assert.ok(answers.length >= 16, `answers: ${answers.length}`);
  for (const a of answers) {
    const q = question(a);
    assert.ok(q, `line ${a.evidence[0].line}`);
    assert.ok(
      packets.some(
        (p) =>
          p.dns &&
          !p.dns.response &&
          p.dns.id === a.dns!.id &&
          p.src?.ip === a.dst?.ip &&
          p.src?.port === a.dst?.port &&
          p.dns.qname === q.name,
      ),
      `line ${a.evidence[0].line}`,
    );
  }
});

test('an answer whose query is missing, or that goes back to another port, has no question', () => {
  // the lab capture without its query lines (`22262+ A? name.`)
  const noQueries = labLines.filter((l) => !/ \d+\+ (\[1au\] )?[A-Z]+\? /.test(l)).join('\n');
  const ps = packetsOf(parseDocument(noQueries, 'x').facts);
  const answers = ps.filter((p) => p.dns?.response);
  assert.ok(answers.length >= 16);
  assert.ok(answers.every((a) => dnsQuestions(ps)(a) === undefined));
  // CoreDNS's answer sent to the next port instead of the one that asked
  const { answer, answerUnDnat, query } = labA2Lines(labText);
  const port = Number(query.groups.port);
  const moved = labLines
    .map((l, k) => (k === answer.line - 1 ? l.replace(`10.244.0.147.${port}:`, `10.244.0.147.${port + 1}:`) : l))
    .join('\n');
  const ms = packetsOf(parseDocument(moved, 'y').facts);
  assert.equal(dnsQuestions(ms)(atLine(ms, answer.line)), undefined);
  assert.ok(dnsQuestions(ms)(atLine(ms, answerUnDnat.line)), 'its copy on the client veth still pairs');
});

test('-vv answers keep the question they print', () => {
  const f = 'test/fixtures/tcpdump/any-vv.txt';
  const ps = packetsOf(parseTcpdump({ text: readFileSync(f, 'utf8'), uri: f }).facts);
  const printed = ps.filter((p) => p.dns?.response && p.dns.qname);
  assert.ok(printed.length > 0);
  for (const p of printed) assert.equal(dnsQuestions(ps)(p)?.name, p.dns!.qname);
});

test("the trace cites the capture's NXDOMAIN answers for the search-list names and its A answer for the name that exists", () => {
  const manifests = 'test/fixtures/lab/manifests/cluster.yaml';
  const m = new ClusterModel()
    .add(parseDocument(readFileSync(manifests, 'utf8'), manifests).facts)
    .add(parseDocument(labText, LAB).facts);
  const f = trace(m, 'b-app', 'a-app.default.svc.cluster.local').flows[0];
  const dns = f.phases.find((p) => p.name === 'DNS')!;
  const nx = dns.steps.filter((s) => s.dns?.rcode === 'NXDOMAIN');
  assert.equal(nx.length, 3);
  for (const s of nx) {
    const lines = s.evidence.filter((e) => e.uri === LAB).map((e) => labLines[e.line! - 1]);
    assert.ok(
      lines.some((l) => l.includes(` A? ${s.dns!.question}.`)),
      `${s.dns!.question}: its query`,
    );
    assert.ok(
      lines.some((l) => / NXDomain /.test(l)),
      `${s.dns!.question}: its NXDOMAIN answer, in ${lines.join(' | ')}`,
    );
  }
  const answer = dns.steps.find((s) => s.kind === 'dns-answer')!;
  assert.equal(answer.status, 'observed');
  assert.ok(
    answer.evidence.some((e) => e.uri === LAB && labLines[e.line! - 1].includes('A 10.103.129.86')),
    'the A answer of the capture',
  );
  const finding = f.findings.find((x) => x.id === 'dns-search-amplification')!;
  assert.ok(
    finding.evidence.some((e) => e.uri === LAB && / NXDomain /.test(labLines[e.line! - 1])),
    'the finding cites an NXDOMAIN answer',
  );
});
