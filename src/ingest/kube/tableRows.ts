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

function noHeaderColumns(t: string[], out: TableCommand): string[] | undefined {
  const output = t
    .map((w, i) => (w === '-o' || w === '--output' ? t[i + 1] : /^(-o|--output)=?(.+)$/.exec(w)?.[2]))
    .find((x) => x !== undefined);
  if (output?.startsWith('custom-columns=')) {
    return output
      .slice('custom-columns='.length)
      .split(',')
      .map((c) => c.split(':')[0].toUpperCase());
  }
  if (out.kinds.length !== 1 || (output !== undefined && output !== 'wide')) return undefined;
  const [base, wide] = DEFAULT_COLUMNS[out.kinds[0]];
  const cols = [...(out.allNamespaces ? ['NAMESPACE'] : []), ...base, ...(output === 'wide' ? wide : [])];
  if (t.includes('--show-labels')) cols.push('LABELS');
  return cols;
}

/** Reads `kubectl [-n ns] get svc,endpoints … [-A]` for the kinds and namespace of the rows. */
export function readGetCommand(command: string | undefined): TableCommand {
  const out: TableCommand = { kinds: [], allNamespaces: false };
  if (!command) return out;
  // Only kubectl's own words: `| grep -A 3` must not read as --all-namespaces.
  const t = command.split('|')[0].split(/\s+/).slice(0, 60);
  const get = t.indexOf('get');
  for (let i = 0; i < t.length; i++) {
    const w = t[i];
    if (w === '-A' || w === '--all-namespaces') out.allNamespaces = true;
    else if ((w === '-n' || w === '--namespace') && t[i + 1]) out.namespace = t[i + 1];
    else if (w.startsWith('--namespace=')) out.namespace = w.slice('--namespace='.length);
    else if (/^-n\S/.test(w)) out.namespace = w.slice(2);
  }
  if (get >= 0 && t[get + 1]) {
    for (const r of t[get + 1].split(',')) {
      const k = RESOURCE_KINDS[r.split('/')[0].toLowerCase()];
      if (k) out.kinds.push(k);
    }
  }
  if (t.includes('--no-headers') || t.includes('--no-headers=true')) out.implicitHeaders = noHeaderColumns(t, out);
  return out;
}

/** The kind a section lists, from its headers (or the command when the headers are custom). */
export function sectionKind(section: TableSection, cmd: TableCommand): TableKind | undefined {
  const h = new Set(section.headers);
  if (h.has('CLUSTER-IP') && (h.has('PORT(S)') || h.has('EXTERNAL-IP'))) return 'Service';
  if (h.has('ADDRESSTYPE')) return 'EndpointSlice';
  if (h.has('ENDPOINTS')) return 'Endpoints';
  // DaemonSets also show UP-TO-DATE and AVAILABLE, after DESIRED and CURRENT.
  if (h.has('DESIRED') && h.has('CURRENT'))
    return h.has('NODE SELECTOR') || h.has('UP-TO-DATE') ? 'DaemonSet' : 'ReplicaSet';
  if (h.has('UP-TO-DATE') && h.has('AVAILABLE')) return 'Deployment';
  if (h.has('STATUS') && h.has('RESTARTS')) return 'Pod';
  if (h.has('ROLES') && h.has('VERSION')) return 'Node';
  if (cmd.kinds.length === 1) return cmd.kinds[0];
  // `NAME READY AGE` is a StatefulSet's default table.
  if (section.headers.join(' ') === 'NAME READY AGE' || (h.has('READY') && h.has('CONTAINERS') && !h.has('UP-TO-DATE')))
    return 'StatefulSet';
  return undefined;
}

/** `service/a-app` → Service, `a-app`; plain names stay as they are. */
export function splitKindName(name: string): { kind?: TableKind; name: string } {
  const i = name.indexOf('/');
  if (i <= 0) return { name };
  return { kind: RESOURCE_KINDS[name.slice(0, i).toLowerCase()], name: name.slice(i + 1) };
}

const cell = (row: TableRow, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = row.cells.get(n);
    if (v !== undefined && !isNone(v)) return v;
  }
  return undefined;
};

function readyCount(v: string | undefined): { ready: number; total: number } | undefined {
  const match = v ? /^(\d{1,6})\/(\d{1,6})$/.exec(v) : null;
  return match ? { ready: Number(match[1]), total: Number(match[2]) } : undefined;
}

function containersFrom(row: TableRow): Container[] | undefined {
  const names = cell(row, 'CONTAINERS')?.split(',');
  const images = cell(row, 'IMAGES')?.split(',');
  if (!names) return undefined;
  return names.map((n, i) => compact({ name: n, image: images?.[i], ports: [] }));
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** RESTARTS as printed: `53`, `55 (22m ago)`. */
function restartsOf(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^(?<count>\d+)(?: \(.*\))?$/.exec(text);
  return m?.groups ? Number(m.groups.count) : undefined;
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
  if (row.notes.some((n) => n.includes('does not look like NAME')))
    return { facts: [], problem: 'row does not line up with the columns' };
  const kn = splitKindName(rawName);
  let k = kn.kind ?? kind;
  // Custom columns such as TYPE:.kind name the kind per row.
  const typeCell = row.cells.get('TYPE');
  if (!kn.kind && typeCell && KIND_NAMES.has(typeCell) && !row.cells.has('CLUSTER-IP')) k = typeCell as TableKind;
  if (!k) return { facts: [], problem: 'cannot tell which kind of object this row lists' };
  const name = kn.name;
  const namespace = cell(row, 'NAMESPACE') ?? (cmd.allNamespaces ? undefined : cmd.namespace);
  const evidence = [ev];
  const labels = parseKvList(row.cells.get('LABELS'));
  switch (k) {
    case 'Pod': {
      const ready = readyCount(cell(row, 'READY'));
      const status = cell(row, 'STATUS');
      const p: Pod = compact({
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
      return { facts: [p] };
    }
    case 'Service': {
      const type = typeCell && SERVICE_TYPES.has(typeCell) ? (typeCell as ServiceType) : undefined;
      const portsText = row.cells.get('PORT(S)');
      const ports = parsePorts(portsText);
      const ext = cell(row, 'EXTERNAL-IP');
      const s: Service = compact({
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
      return { facts: [s], problem: ports === undefined ? `PORT(S) "${portsText}" not understood` : undefined };
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
      const ips = [...new Set(list.pairs.map((p) => p.ip))];
      const ports = [...new Set(list.pairs.map((p) => p.port))];
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
              .filter((p) => /^\d{1,5}$/.test(p))
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
      const n: K8sNode = compact({
        kind: 'Node' as const,
        name,
        internalIP: cell(row, 'INTERNAL-IP'),
        externalIP: cell(row, 'EXTERNAL-IP'),
        labels,
        evidence,
      });
      return { facts: [n] };
    }
    default: {
      const ready = readyCount(cell(row, 'READY'));
      const desired = cell(row, 'DESIRED');
      const workload: Workload = compact({
        kind: k,
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
