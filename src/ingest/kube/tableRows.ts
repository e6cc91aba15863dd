import type {
  Container,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  Evidence,
  Fact,
  K8sNode,
  Pod,
  Service,
  ServiceType,
  Workload,
} from '../../model';
import { derivedEvidence } from '../../model';
import { compact } from './values';
import type { TableRow, TableSection } from './tableColumns';
import { isNone, parseEndpointList, parseKvList, parsePorts } from './tableValues';

/** Turns rows of kubectl tables into facts, knowing which kind each section lists. */

export type TableKind =
  | 'Pod'
  | 'Service'
  | 'Endpoints'
  | 'EndpointSlice'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Node';

const RESOURCE_KINDS: Record<string, TableKind> = {
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
  svc: 'Service',
  service: 'Service',
  services: 'Service',
  ep: 'Endpoints',
  endpoints: 'Endpoints',
  endpointslice: 'EndpointSlice',
  endpointslices: 'EndpointSlice',
  'endpointslice.discovery.k8s.io': 'EndpointSlice',
  'endpointslices.discovery.k8s.io': 'EndpointSlice',
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  'deployment.apps': 'Deployment',
  'deployments.apps': 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  'statefulset.apps': 'StatefulSet',
  'statefulsets.apps': 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  'daemonset.apps': 'DaemonSet',
  'daemonsets.apps': 'DaemonSet',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  'replicaset.apps': 'ReplicaSet',
  'replicasets.apps': 'ReplicaSet',
  no: 'Node',
  node: 'Node',
  nodes: 'Node',
};
const KIND_NAMES = new Set<string>(Object.values(RESOURCE_KINDS));

export interface TableCommand {
  kinds: TableKind[];
  namespace?: string;
  allNamespaces: boolean;
  /** The columns when the output has no header line (`--no-headers`), if they can be known. */
  implicitHeaders?: string[];
}

/** kubectl's default columns per kind, and what `-o wide` adds (the API server's printers). */
const DEFAULT_COLUMNS: Record<TableKind, [string[], string[]]> = {
  Pod: [
    ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  ],
  Service: [['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], ['SELECTOR']],
  Endpoints: [['NAME', 'ENDPOINTS', 'AGE'], []],
  EndpointSlice: [['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], []],
  Deployment: [
    ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  ],
  StatefulSet: [
    ['NAME', 'READY', 'AGE'],
    ['CONTAINERS', 'IMAGES'],
  ],
  DaemonSet: [
    ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  ],
  ReplicaSet: [
    ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  ],
  Node: [
    ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  ],
};

function noHeaderColumns(words: string[], out: TableCommand): string[] | undefined {
  const output = words
    .map((word, i) => (word === '-o' || word === '--output' ? words[i + 1] : /^(-o|--output)=?(.+)$/.exec(word)?.[2]))
    .find((value) => value !== undefined);
  if (output?.startsWith('custom-columns=')) {
    return output
      .slice('custom-columns='.length)
      .split(',')
      .map((column) => column.split(':')[0].toUpperCase());
  }
  if (out.kinds.length !== 1 || (output !== undefined && output !== 'wide')) return undefined;
  const [base, wide] = DEFAULT_COLUMNS[out.kinds[0]];
  const cols = [...(out.allNamespaces ? ['NAMESPACE'] : []), ...base, ...(output === 'wide' ? wide : [])];
  if (words.includes('--show-labels')) cols.push('LABELS');
  return cols;
}

/** Reads `kubectl [-n ns] get svc,endpoints … [-A]` for the kinds and namespace of the rows. */
export function readGetCommand(command: string | undefined): TableCommand {
  const out: TableCommand = { kinds: [], allNamespaces: false };
  if (!command) return out;
  // Only kubectl's own words: `| grep -A 3` must not read as --all-namespaces.
  const words = command.split('|')[0].split(/\s+/).slice(0, 60);
  const get = words.indexOf('get');
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === '-A' || word === '--all-namespaces') out.allNamespaces = true;
    else if ((word === '-n' || word === '--namespace') && words[i + 1]) out.namespace = words[i + 1];
    else if (word.startsWith('--namespace=')) out.namespace = word.slice('--namespace='.length);
    else if (/^-n\S/.test(word)) out.namespace = word.slice(2);
  }
  if (get >= 0 && words[get + 1]) {
    for (const resource of words[get + 1].split(',')) {
      const listed = RESOURCE_KINDS[resource.split('/')[0].toLowerCase()];
      if (listed) out.kinds.push(listed);
    }
  }
  if (words.includes('--no-headers') || words.includes('--no-headers=true'))
    out.implicitHeaders = noHeaderColumns(words, out);
  return out;
}

/** The kind a section lists, from its headers (or the command when the headers are custom). */
export function sectionKind(section: TableSection, cmd: TableCommand): TableKind | undefined {
  const headers = new Set(section.headers);
  if (headers.has('CLUSTER-IP') && (headers.has('PORT(S)') || headers.has('EXTERNAL-IP'))) return 'Service';
  if (headers.has('ADDRESSTYPE')) return 'EndpointSlice';
  if (headers.has('ENDPOINTS')) return 'Endpoints';
  // DaemonSets also show UP-TO-DATE and AVAILABLE, after DESIRED and CURRENT.
  if (headers.has('DESIRED') && headers.has('CURRENT'))
    return headers.has('NODE SELECTOR') || headers.has('UP-TO-DATE') ? 'DaemonSet' : 'ReplicaSet';
  if (headers.has('UP-TO-DATE') && headers.has('AVAILABLE')) return 'Deployment';
  if (headers.has('STATUS') && headers.has('RESTARTS')) return 'Pod';
  if (headers.has('ROLES') && headers.has('VERSION')) return 'Node';
  if (cmd.kinds.length === 1) return cmd.kinds[0];
  // `NAME READY AGE` is a StatefulSet's default table.
  if (
    section.headers.join(' ') === 'NAME READY AGE' ||
    (headers.has('READY') && headers.has('CONTAINERS') && !headers.has('UP-TO-DATE'))
  )
    return 'StatefulSet';
  return undefined;
}

/** `service/a-app` → Service, `a-app`; plain names stay as they are. */
export function splitKindName(name: string): { kind?: TableKind; name: string } {
  const slash = name.indexOf('/');
  if (slash <= 0) return { name };
  return { kind: RESOURCE_KINDS[name.slice(0, slash).toLowerCase()], name: name.slice(slash + 1) };
}

const cell = (row: TableRow, ...names: string[]): string | undefined => {
  for (const name of names) {
    const value = row.cells.get(name);
    if (value !== undefined && !isNone(value)) return value;
  }
  return undefined;
};

function readyCount(value: string | undefined): { ready: number; total: number } | undefined {
  const match = value ? /^(?<ready>\d{1,6})\/(?<total>\d{1,6})$/.exec(value)?.groups : undefined;
  return match ? { ready: Number(match.ready), total: Number(match.total) } : undefined;
}

function containersFrom(row: TableRow): Container[] | undefined {
  const names = cell(row, 'CONTAINERS')?.split(',');
  const images = cell(row, 'IMAGES')?.split(',');
  if (!names) return undefined;
  return names.map((name, i) => compact({ name, image: images?.[i], ports: [] }));
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** RESTARTS as printed: `53`, `55 (22m ago)`. */
function restartsOf(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^(?<count>\d+)(?: \(.*\))?$/.exec(text);
  return match?.groups ? Number(match.groups.count) : undefined;
}
const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export interface RowFacts {
  facts: Fact[];
  problem?: string;
}

/** Facts for one row of a section of kind `kind`; `ev` is the row's evidence. */
export function rowFacts(kind: TableKind | undefined, row: TableRow, ev: Evidence, cmd: TableCommand): RowFacts {
  const rawName = cell(row, 'NAME');
  if (!rawName) return { facts: [], problem: 'row without a NAME' };
  // A misaligned row (text that lost its spacing and could not be matched to the columns) invents nothing.
  if (row.notes.some((note) => note.includes('does not look like NAME')))
    return { facts: [], problem: 'row does not line up with the columns' };
  const kn = splitKindName(rawName);
  let rowKind = kn.kind ?? kind;
  // Custom columns such as TYPE:.kind name the kind per row.
  const typeCell = row.cells.get('TYPE');
  if (!kn.kind && typeCell && KIND_NAMES.has(typeCell) && !row.cells.has('CLUSTER-IP')) rowKind = typeCell as TableKind;
  if (!rowKind) return { facts: [], problem: 'cannot tell which kind of object this row lists' };
  const name = kn.name;
  const namespace = cell(row, 'NAMESPACE') ?? (cmd.allNamespaces ? undefined : cmd.namespace);
  const evidence = [ev];
  const labels = parseKvList(row.cells.get('LABELS'));
  switch (rowKind) {
    case 'Pod': {
      const ready = readyCount(cell(row, 'READY'));
      const status = cell(row, 'STATUS');
      const pod: Pod = compact({
        kind: 'Pod' as const,
        namespace,
        name,
        ip: cell(row, 'IP', 'POD-IP', 'PODIP', 'POD_IP'),
        nodeName: cell(row, 'NODE', 'NODE-NAME', 'NODENAME'),
        hostIP: cell(row, 'HOST-IP', 'HOSTIP'),
        phase: status && PHASES.has(status) ? status : undefined,
        reason: status && !PHASES.has(status) && /^[\w:-]+$/.test(status) ? status : undefined,
        restarts: restartsOf(cell(row, 'RESTARTS')),
        ready: ready ? ready.total > 0 && ready.ready === ready.total : undefined,
        labels,
        evidence,
      });
      return { facts: [pod] };
    }
    case 'Service': {
      const type = typeCell && SERVICE_TYPES.has(typeCell) ? (typeCell as ServiceType) : undefined;
      const portsText = row.cells.get('PORT(S)');
      const ports = parsePorts(portsText);
      const ext = cell(row, 'EXTERNAL-IP');
      const service: Service = compact({
        kind: 'Service' as const,
        namespace,
        name,
        type,
        clusterIP: cell(row, 'CLUSTER-IP', 'CLUSTERIP'),
        externalIPs: ext && type !== 'LoadBalancer' && type !== 'ExternalName' ? ext.split(',') : undefined,
        loadBalancerIPs: ext && type === 'LoadBalancer' ? ext.split(',') : undefined,
        externalName: ext && type === 'ExternalName' ? ext : undefined,
        ports: (ports ?? []).map((portSpec) =>
          compact({ protocol: portSpec.protocol, port: portSpec.port, nodePort: portSpec.nodePort }),
        ),
        selector: parseKvList(row.cells.get('SELECTOR')),
        labels,
        evidence,
      });
      return { facts: [service], problem: ports === undefined ? `PORT(S) "${portsText}" not understood` : undefined };
    }
    case 'Endpoints': {
      const list = parseEndpointList(row.cells.get('ENDPOINTS'));
      const slice: EndpointSlice = {
        kind: 'EndpointSlice',
        name,
        serviceName: name,
        ports: [],
        endpoints: [],
        evidence,
      };
      if (namespace) slice.namespace = namespace;
      if (!list) return { facts: [slice], problem: `ENDPOINTS "${row.cells.get('ENDPOINTS')}" not understood` };
      const ips = [...new Set(list.pairs.map((pair) => pair.ip))];
      const ports = [...new Set(list.pairs.map((pair) => pair.port))];
      slice.endpoints = ips.map((ip): Endpoint => ({ addresses: [ip], ready: true }));
      // kubectl shows neither the protocol nor the port names.
      slice.ports = ports.map((port): EndpointPort => ({ port, protocol: 'TCP' }));
      if (ports.length) evidence.push(derivedEvidence('kubectl get endpoints shows no protocol: TCP assumed'));
      if (list.more) evidence.push(derivedEvidence(`kubectl listed only part of the endpoints (+ ${list.more} more)`));
      return { facts: [slice] };
    }
    case 'EndpointSlice': {
      const at = cell(row, 'ADDRESSTYPE');
      const slice: EndpointSlice = compact({
        kind: 'EndpointSlice' as const,
        namespace,
        name,
        addressType: at === 'IPv4' || at === 'IPv6' || at === 'FQDN' ? at : undefined,
        ports: [
          ...new Set(
            (cell(row, 'PORTS') ?? '')
              .split(',')
              .filter((port) => /^\d{1,5}$/.test(port))
              .map(Number),
          ),
        ].map((port): EndpointPort => ({ port, protocol: 'TCP' })),
        endpoints: (cell(row, 'ENDPOINTS') ?? '')
          .replace(/ \+ \d+ more\.\.\.$/, '')
          .split(',')
          .filter(Boolean)
          .map((ip): Endpoint => ({ addresses: [ip] })),
        evidence,
      });
      if (slice.ports.length)
        evidence.push(derivedEvidence('kubectl get endpointslices shows no protocol: TCP assumed'));
      return { facts: [slice] };
    }
    case 'Node': {
      const node: K8sNode = compact({
        kind: 'Node' as const,
        name,
        internalIP: cell(row, 'INTERNAL-IP'),
        externalIP: cell(row, 'EXTERNAL-IP'),
        labels,
        evidence,
      });
      return { facts: [node] };
    }
    default: {
      const ready = readyCount(cell(row, 'READY'));
      const desired = cell(row, 'DESIRED');
      const workload: Workload = compact({
        kind: rowKind,
        namespace,
        name,
        replicas: desired && /^\d+$/.test(desired) ? Number(desired) : ready?.total,
        containers: containersFrom(row),
        selector: parseKvList(row.cells.get('SELECTOR')),
        evidence,
      });
      return { facts: [workload] };
    }
  }
}
