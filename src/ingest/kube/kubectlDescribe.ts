import type {
  Endpoint,
  EndpointPort,
  EndpointSlice,
  Fact,
  Protocol,
  Service,
  ServicePort,
  ServiceType,
  Unparsed,
} from '../../model';
import { logEvidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { compact } from './values';
import { isNone, parseEndpointList, parseKvList } from './tableValues';
import { wordsOf } from '../words';

/**
 * `kubectl describe service` and `kubectl describe endpoints`: `Key:   value` lines, repeated
 * `Port:`/`TargetPort:`/`NodePort:`/`Endpoints:` groups per service port, and the Endpoints'
 * `Subsets:` block with its `Name Port Protocol` table. Other kinds are reported, not guessed.
 */

interface Field {
  key: string;
  value: string;
  index: number;
}

const KEY_LINE = /^(?<key>[A-Z][A-Za-z ]{0,40}):(?:\s+(?<value>.*))?$/;

/** `a,b` → list; `<none>` and absent → undefined. LoadBalancer Ingress may carry ` (VIP)` suffixes. */
function listOf(value: string | undefined): string[] | undefined {
  if (isNone(value)) return undefined;
  const items = value!
    .split(',')
    .map((item) => item.trim().split(/\s/)[0])
    .filter(Boolean);
  return items.length ? items : undefined;
}

function protocolOf(text: string | undefined): Protocol {
  return text === 'UDP' || text === 'SCTP' ? text : 'TCP';
}

function describedKind(fields: Field[], command: string | undefined): 'Service' | 'Endpoints' | undefined {
  const described = command ? /\bdescribe\s+(?<resource>\S+)/.exec(command)?.groups?.resource : undefined;
  const resource = described?.split('/')[0].toLowerCase();
  if (resource && /^(svc|services?)$/.test(resource)) return 'Service';
  if (resource && /^(ep|endpoints)$/.test(resource)) return 'Endpoints';
  const keys = new Set(fields.map((field) => field.key));
  if (keys.has('Subsets')) return 'Endpoints';
  if (keys.has('TargetPort') || (keys.has('Type') && keys.has('IP'))) return 'Service';
  return undefined;
}

/** One `kubectl describe` block (lines start..end, 0-based) and what reading it needs. */
interface DescribedBlock {
  fields: Field[];
  input: ParseInput;
  lines: string[];
  start: number;
  end: number;
  /** The 1-based line of lines[0]. */
  first: number;
  evidence: ReturnType<typeof logEvidence>;
  unparsed: Unparsed[];
}

function serviceFacts({ fields, input, evidence: ev, unparsed, first }: DescribedBlock): Fact[] {
  const get = (key: string) => fields.find((field) => field.key === key)?.value;
  const name = get('Name')!;
  const namespace = get('Namespace');
  const ports: ServicePort[] = [];
  const slicePorts: EndpointPort[] = [];
  const endpointIps = new Set<string>();
  let cur: ServicePort | undefined;
  for (const field of fields) {
    if (field.key === 'Port') {
      // `dns  53/UDP` or `<unset>  80/TCP`
      const match = /^(?<name>\S+)\s+(?<port>\d{1,5})\/(?<protocol>TCP|UDP|SCTP)$/.exec(field.value)?.groups;
      if (!match) {
        unparsed.push({ line: field.index + first, reason: 'Port not understood', text: field.value });
        cur = undefined;
        continue;
      }
      cur = compact({
        name: match.name === '<unset>' ? undefined : match.name,
        port: Number(match.port),
        protocol: protocolOf(match.protocol),
      });
      ports.push(cur);
    } else if (field.key === 'TargetPort' && cur) {
      const target = /^(?<port>\S+)\/(?:TCP|UDP|SCTP)$/.exec(field.value)?.groups?.port;
      if (target !== undefined) cur.targetPort = /^\d{1,5}$/.test(target) ? Number(target) : target;
    } else if (field.key === 'NodePort' && cur) {
      const nodePort = /(?<port>\d{1,5})\/(?:TCP|UDP|SCTP)$/.exec(field.value)?.groups?.port;
      if (nodePort !== undefined) cur.nodePort = Number(nodePort);
    } else if (field.key === 'Endpoints' && cur) {
      const list = parseEndpointList(field.value);
      if (!list) {
        unparsed.push({ line: field.index + first, reason: 'Endpoints not understood', text: field.value });
        continue;
      }
      for (const pair of list.pairs) endpointIps.add(pair.ip);
      const port = list.pairs[0]?.port;
      if (port !== undefined) slicePorts.push(compact({ name: cur.name, port, protocol: cur.protocol }));
    }
  }
  const type = get('Type');
  const affinity = get('Session Affinity');
  const ips = get('IPs');
  const svc: Service = compact({
    kind: 'Service' as const,
    name,
    namespace,
    type:
      type && ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)
        ? (type as ServiceType)
        : undefined,
    clusterIP: isNone(get('IP')) ? undefined : get('IP'),
    clusterIPs: ips && !isNone(ips) ? ips.split(',') : undefined,
    ports,
    selector: parseKvList(get('Selector')),
    sessionAffinity: affinity === 'ClientIP' || affinity === 'None' ? affinity : undefined,
    externalTrafficPolicy:
      get('External Traffic Policy') === 'Local'
        ? ('Local' as const)
        : get('External Traffic Policy') === 'Cluster'
          ? ('Cluster' as const)
          : undefined,
    internalTrafficPolicy:
      get('Internal Traffic Policy') === 'Local'
        ? ('Local' as const)
        : get('Internal Traffic Policy') === 'Cluster'
          ? ('Cluster' as const)
          : undefined,
    externalName: get('External Name'),
    externalIPs: listOf(get('External IPs')),
    loadBalancerIPs: listOf(get('LoadBalancer Ingress')),
    evidence: [ev],
  });
  const facts: Fact[] = [svc];
  if (fields.some((field) => field.key === 'Endpoints')) {
    const epLine = fields.find((field) => field.key === 'Endpoints')!;
    const slice: EndpointSlice = compact({
      kind: 'EndpointSlice' as const,
      name,
      namespace,
      serviceName: name,
      ports: slicePorts,
      endpoints: [...endpointIps].map((ip): Endpoint => ({ addresses: [ip] })),
      evidence: [logEvidence(input.uri, epLine.index + first, `Endpoints: ${epLine.value}`, 'kubectl-describe')],
    });
    facts.push(slice);
  }
  return facts;
}

function endpointsFacts({ fields, lines, start, end, evidence: ev }: DescribedBlock): Fact[] {
  const get = (key: string) => fields.find((field) => field.key === key)?.value;
  const name = get('Name')!;
  const endpoints: Endpoint[] = [];
  const ports: EndpointPort[] = [];
  let inPorts = false;
  for (let i = start; i <= end; i++) {
    const line = lines[i];
    const addresses = /^\s+(?<key>Addresses|NotReadyAddresses):\s+(?<list>.*)$/.exec(line)?.groups;
    if (addresses) {
      inPorts = false;
      if (!isNone(addresses.list.trim()))
        for (const ip of addresses.list.trim().split(','))
          endpoints.push({ addresses: [ip], ready: addresses.key === 'Addresses' });
      continue;
    }
    if (/^\s+Ports:\s*$/.test(line)) {
      inPorts = true;
      continue;
    }
    if (inPorts) {
      const match = /^\s+(?<name>\S+)\s+(?<port>\d{1,5})\s+(?<protocol>TCP|UDP|SCTP)\s*$/.exec(line)?.groups;
      if (match)
        ports.push(
          compact({
            name: match.name === '<unset>' ? undefined : match.name,
            port: Number(match.port),
            protocol: protocolOf(match.protocol),
          }),
        );
      else if (!/^\s+(Name|----)\s/.test(line)) inPorts = false;
    }
  }
  return [
    compact({
      kind: 'EndpointSlice' as const,
      name,
      namespace: get('Namespace'),
      serviceName: name,
      ports,
      endpoints,
      evidence: [ev],
    }),
  ];
}

export function parseKubectlDescribe(input: ParseInput): ParseResult {
  const first = input.firstLine ?? 1;
  const lines = input.text.split(/\r?\n/);
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  let records = 0;
  // Objects start at a `Name:` line in column 0.
  const starts: number[] = [];
  lines.forEach((line, i) => {
    if (/^Name:\s/.test(line)) starts.push(i);
  });
  for (let i = 0; i < (starts[0] ?? lines.length); i++) {
    if (lines[i].trim())
      unparsed.push({
        line: i + first,
        reason: 'text before the first described object',
        text: lines[i].slice(0, 240),
      });
  }
  starts.forEach((start, n) => {
    let end = (starts[n + 1] ?? lines.length) - 1;
    while (end > start && lines[end].trim() === '') end--;
    const fields: Field[] = [];
    for (let i = start; i <= end; i++) {
      const keyLine = KEY_LINE.exec(lines[i])?.groups;
      if (keyLine) fields.push({ key: keyLine.key, value: (keyLine.value ?? '').trim(), index: i });
      else if (
        /^\s+\S+=\S*$/.test(lines[i]) &&
        fields.length &&
        ['Labels', 'Annotations', 'Selector'].includes(fields[fields.length - 1].key)
      ) {
        // Further labels are printed on indented lines.
        const field = fields[fields.length - 1];
        if (field.key !== 'Annotations') field.value = `${field.value},${lines[i].trim()}`;
      }
    }
    const ev = logEvidence(input.uri, start + first, lines[start], 'kubectl-describe');
    ev.endLine = end + first;
    const kind = describedKind(fields, input.command);
    if (!kind) {
      unparsed.push({
        line: start + first,
        reason: 'only Services and Endpoints are read from describe output',
        text: lines[start],
      });
      return;
    }
    const block: DescribedBlock = { fields, input, lines, start, end, first, evidence: ev, unparsed };
    const out = kind === 'Service' ? serviceFacts(block) : endpointsFacts(block);
    records++;
    facts.push(...out);
  });
  return { format: 'kubectl-describe', facts, records, unparsed };
}

const TOP_KEYS = [
  'Name',
  'Namespace',
  'Labels',
  'Annotations',
  'Selector',
  'Type',
  'IP Family Policy',
  'IP Families',
  'IP',
  'IPs',
  'LoadBalancer Ingress',
  'External IPs',
  'External Name',
  'Port',
  'TargetPort',
  'NodePort',
  'Endpoints',
  'Session Affinity',
  'External Traffic Policy',
  'Internal Traffic Policy',
  'HealthCheck NodePort',
  'Events',
  'Subsets',
];
const SUB_KEYS = ['Addresses', 'NotReadyAddresses', 'Ports'];
const KEYS = new Map<string, boolean>([
  ...TOP_KEYS.map((key): [string, boolean] => [key, false]),
  ...SUB_KEYS.map((key): [string, boolean] => [key, true]),
]);

/**
 * FormatSpec.unflatten: `Name: a-app Namespace: default … Port: <unset> 80/TCP TargetPort: 80/TCP …`
 * back into `Key: value` lines (sub-keys of `Subsets:` and the `Ports` table rows indented again).
 */
export function unflattenDescribe(line: string): { text: string; start: number }[] {
  const words = wordsOf(line);
  const keyAt = (index: number): { len: number; sub: boolean } | undefined => {
    for (let len = 3; len >= 1; len--) {
      if (index + len > words.length || !words[index + len - 1].w.endsWith(':')) continue;
      const phrase = words
        .slice(index, index + len)
        .map((word) => word.w)
        .join(' ')
        .slice(0, -1);
      const sub = KEYS.get(phrase);
      if (sub !== undefined) return { len, sub };
    }
    return undefined;
  };
  const starts: { i: number; sub: boolean }[] = [];
  for (let i = 0; i < words.length; i++) {
    const key = keyAt(i);
    if (key) {
      starts.push({ i, sub: key.sub });
      i += key.len - 1;
    }
  }
  if (starts.length <= 1) return [{ text: line, start: 0 }];
  const out: { text: string; start: number }[] = [];
  if (starts[0].i > 0) out.push({ text: line.slice(0, words[starts[0].i].at).trimEnd(), start: 0 });
  starts.forEach((st, n) => {
    const endWord = (starts[n + 1]?.i ?? words.length) - 1;
    const from = words[st.i].at;
    const text = line.slice(from, words[endWord].at + words[endWord].w.length);
    const wordAt = (offset: number) => words[st.i + offset]?.w;
    if (
      st.sub &&
      wordAt(0) === 'Ports:' &&
      wordAt(1) === 'Name' &&
      wordAt(2) === 'Port' &&
      wordAt(3) === 'Protocol' &&
      wordAt(4) === '----'
    ) {
      // The Endpoints ports table: header, rule, then `name port protocol` triples.
      out.push({ text: '  Ports:', start: from });
      out.push({ text: '    Name  Port  Protocol', start: words[st.i + 1].at });
      out.push({ text: '    ----  ----  --------', start: words[st.i + 4].at });
      for (let c = st.i + 7; c + 2 <= endWord; c += 3)
        out.push({ text: `    ${words[c].w}  ${words[c + 1].w}  ${words[c + 2].w}`, start: words[c].at });
      return;
    }
    out.push({ text: st.sub ? `  ${text}` : text, start: from });
  });
  return out;
}

export const kubectlDescribeFormat: FormatSpec = {
  id: 'kubectl-describe',
  tools: ['kubectl'],
  parse: parseKubectlDescribe,
  unflatten: unflattenDescribe,
  commands: [/^kubectl\b.*\sdescribe\s/],
  sniff(lines) {
    const name = lines.some((line) => /^Name:\s+\S/.test(line));
    const ns = lines.some((line) => /^Namespace:\s+\S/.test(line));
    return name && ns ? (lines.some((line) => /^(TargetPort|Subsets):/.test(line)) ? 0.95 : 0.6) : 0;
  },
};
