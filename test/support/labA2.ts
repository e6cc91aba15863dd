/**
 * Where things are in the network lab's A.2 transcript (test/fixtures/lab/a2-pod-to-service.txt):
 * found by what the lines say, not by their numbers, so that tests survive a new lab run (another
 * DNS id, another CoreDNS pod chosen, more or fewer IPv6 router solicitations before them).
 */
import { readFileSync } from 'node:fs';

export const LAB_A2 = 'test/fixtures/lab/a2-pod-to-service.txt';

/** 1-based line of a capture line, with the named groups of the pattern that found it. */
export interface FoundLine {
  line: number;
  text: string;
  groups: Record<string, string>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function find(lines: string[], pattern: RegExp, from = 0): FoundLine {
  for (let k = from; k < lines.length; k++) {
    const match = pattern.exec(lines[k]);
    if (match) return { line: k + 1, text: lines[k], groups: { ...match.groups } };
  }
  throw new Error(`${LAB_A2}: no line matches ${pattern}`);
}

export interface LabA2Lines {
  lines: string[];
  /** b-app's first query (A, first search-list name) to the kube-dns ClusterIP, on its own veth (`P`). */
  query: FoundLine & { groups: { id: string; port: string } };
  /**
   * The same query's first copy after DNAT to a CoreDNS pod: on that pod's veth, or on cni0 when
   * node1 first had to ARP for the pod (then the packet is routed out of cni0 instead of bridged).
   */
  queryAfterDnat: FoundLine & { groups: { iface: string; ip: string } };
  /** CoreDNS's NXDomain answer to it, on the CoreDNS pod's veth (printed without its question). */
  answer: FoundLine;
  /** The same answer on b-app's veth, from the ClusterIP after conntrack's un-DNAT. */
  answerUnDnat: FoundLine;
  /** The answer to the AAAA query b-app sent from the same port (another id). */
  aaaaAnswer: FoundLine;
  /** The first answer for the name that exists: `ID* 1/0/0 A 10.103.129.86`. */
  existing: FoundLine & { groups: { id: string } };
}

export function labA2Lines(text = readFileSync(LAB_A2, 'utf8')): LabA2Lines {
  const lines = text.split('\n');
  const searchName = escape('a-app.default.svc.cluster.local.default.svc.cluster.local.');
  const query = find(
    lines,
    new RegExp(
      `^\\S+ veth79f873bc P +IP 10\\.244\\.0\\.147\\.(?<port>\\d+) > 10\\.96\\.0\\.10\\.53: (?<id>\\d+)\\+ A\\? ${searchName} `,
    ),
  ) as LabA2Lines['query'];
  const { id, port } = query.groups;
  const queryAfterDnat = find(
    lines,
    new RegExp(
      `^\\S+ (?<iface>\\S+) +Out +IP 10\\.244\\.0\\.147\\.${port} > (?<ip>10\\.244\\.0\\.\\d+)\\.53: ${id}\\+ A\\? `,
    ),
    query.line,
  ) as LabA2Lines['queryAfterDnat'];
  const from = escape(`${queryAfterDnat.groups.ip}.53`);
  const answer = find(
    lines,
    new RegExp(`^\\S+ veth\\w+ P +IP ${from} > 10\\.244\\.0\\.147\\.${port}: ${id} NXDomain `),
    query.line,
  );
  const answerUnDnat = find(
    lines,
    new RegExp(`^\\S+ veth79f873bc Out +IP 10\\.96\\.0\\.10\\.53 > 10\\.244\\.0\\.147\\.${port}: ${id} NXDomain `),
    answer.line,
  );
  const aaaaQuery = find(
    lines,
    new RegExp(
      `^\\S+ veth79f873bc P +IP 10\\.244\\.0\\.147\\.${port} > 10\\.96\\.0\\.10\\.53: (?<id>\\d+)\\+ AAAA\\? `,
    ),
    query.line,
  );
  const aaaaAnswer = find(
    lines,
    new RegExp(`^\\S+ veth\\w+ P +IP [\\d.]+\\.53 > 10\\.244\\.0\\.147\\.${port}: ${aaaaQuery.groups.id} `),
    aaaaQuery.line,
  );
  const existing = find(
    lines,
    /^\S+ veth\w+ P +IP [\d.]+\.53 > 10\.244\.0\.147\.\d+: (?<id>\d+)\* 1\/0\/0 A 10\.103\.129\.86 /,
  ) as LabA2Lines['existing'];
  return { lines, query, queryAfterDnat, answer, answerUnDnat, aaaaAnswer, existing };
}
