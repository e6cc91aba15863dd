import { wordsOf, type LinePiece } from '../words';

/**
 * Rebuilds Kubernetes YAML whose newlines and indentation were lost (copied from a web page):
 * `--- apiVersion: apps/v1 kind: StatefulSet metadata: name: a-app labels: app: a-app spec: …`.
 * Nesting cannot be read from such text, so it is taken from the shape of Kubernetes objects:
 * a key known to the current map nests there, a key known to an enclosing map closes the inner
 * ones, `-` starts a list item, `---` a document. One pass over the words; total.
 */

type Shape = { fields: Record<string, Shape | 'scalar' | 'list-of-scalars'>; list?: boolean };

const S = 'scalar' as const;
const LS = 'list-of-scalars' as const;
const open = (): Shape => ({ fields: {} });
const list = (item: Shape): Shape => ({ ...item, list: true });

const FREE: Shape = open();
const OWNER: Shape = { fields: { apiVersion: S, kind: S, name: S, uid: S, controller: S, blockOwnerDeletion: S } };
const REF: Shape = {
  fields: { kind: S, name: S, namespace: S, uid: S, resourceVersion: S, apiVersion: S, fieldPath: S },
};
const META: Shape = {
  fields: {
    name: S,
    namespace: S,
    labels: FREE,
    annotations: FREE,
    generateName: S,
    uid: S,
    resourceVersion: S,
    creationTimestamp: S,
    ownerReferences: list(OWNER),
    generation: S,
    deletionTimestamp: S,
    finalizers: LS,
    managedFields: list(open()),
  },
};
const CONDITION: Shape = {
  fields: {
    type: S,
    status: S,
    lastTransitionTime: S,
    lastProbeTime: S,
    lastUpdateTime: S,
    reason: S,
    message: S,
    observedGeneration: S,
  },
};
const CSTATUS: Shape = {
  fields: {
    name: S,
    ready: S,
    restartCount: S,
    image: S,
    imageID: S,
    containerID: S,
    started: S,
    state: open(),
    lastState: open(),
    volumeMounts: list(open()),
  },
};
const STATUS: Shape = {
  fields: {
    phase: S,
    podIP: S,
    podIPs: list({ fields: { ip: S } }),
    hostIP: S,
    hostIPs: list({ fields: { ip: S } }),
    startTime: S,
    qosClass: S,
    conditions: list(CONDITION),
    containerStatuses: list(CSTATUS),
    initContainerStatuses: list(CSTATUS),
    loadBalancer: open(),
    replicas: S,
    readyReplicas: S,
    availableReplicas: S,
    updatedReplicas: S,
    currentReplicas: S,
    observedGeneration: S,
    desiredNumberScheduled: S,
    currentNumberScheduled: S,
    numberReady: S,
    numberAvailable: S,
    updatedNumberScheduled: S,
    numberMisscheduled: S,
    addresses: list({ fields: { type: S, address: S } }),
    nodeInfo: open(),
    capacity: FREE,
    allocatable: FREE,
  },
};
const SEL: Shape = { fields: { matchLabels: FREE, matchExpressions: list(open()) } };
const CPORT: Shape = { fields: { containerPort: S, name: S, protocol: S, hostPort: S } };
const PORT: Shape = { fields: { name: S, port: S, targetPort: S, protocol: S, nodePort: S, appProtocol: S } };
const ENV: Shape = { fields: { name: S, value: S, valueFrom: open() } };
const CONTAINER: Shape = {
  fields: {
    name: S,
    image: S,
    imagePullPolicy: S,
    command: LS,
    args: LS,
    ports: list(CPORT),
    env: list(ENV),
    resources: open(),
    volumeMounts: list(open()),
    readinessProbe: open(),
    livenessProbe: open(),
    startupProbe: open(),
    securityContext: open(),
    workingDir: S,
  },
};
const SPEC: Shape = {
  fields: {
    type: S,
    clusterIP: S,
    clusterIPs: LS,
    selector: SEL,
    ports: list(PORT),
    sessionAffinity: S,
    sessionAffinityConfig: open(),
    externalTrafficPolicy: S,
    internalTrafficPolicy: S,
    externalName: S,
    externalIPs: LS,
    loadBalancerIP: S,
    publishNotReadyAddresses: S,
    ipFamilies: LS,
    ipFamilyPolicy: S,
    replicas: S,
    serviceName: S,
    strategy: open(),
    updateStrategy: open(),
    podManagementPolicy: S,
    minReadySeconds: S,
    revisionHistoryLimit: S,
    containers: list(CONTAINER),
    initContainers: list(CONTAINER),
    hostNetwork: S,
    nodeName: S,
    hostname: S,
    subdomain: S,
    restartPolicy: S,
    dnsPolicy: S,
    dnsConfig: open(),
    nodeSelector: FREE,
    serviceAccountName: S,
    volumes: list(open()),
    tolerations: list(open()),
    terminationGracePeriodSeconds: S,
    podCIDR: S,
    podCIDRs: LS,
  },
};
SPEC.fields.template = { fields: { metadata: META, spec: SPEC } };
const ADDR: Shape = { fields: { ip: S, hostname: S, nodeName: S, targetRef: REF } };
const SUBSET: Shape = { fields: { addresses: list(ADDR), notReadyAddresses: list(ADDR), ports: list(PORT) } };
const EP: Shape = {
  fields: {
    addresses: LS,
    conditions: { fields: { ready: S, serving: S, terminating: S } },
    hostname: S,
    nodeName: S,
    zone: S,
    targetRef: REF,
  },
};
const ROOT: Shape = {
  fields: {
    apiVersion: S,
    kind: S,
    metadata: META,
    spec: SPEC,
    data: FREE,
    stringData: FREE,
    subsets: list(SUBSET),
    endpoints: list(EP),
    addressType: S,
    ports: list(PORT),
    status: STATUS,
  },
};
ROOT.fields.items = list(ROOT);

/** One open map or list: its shape, the indent of its keys, the keys it already has. */
interface Frame {
  shape: Shape;
  indent: number;
  seen: Set<string>;
}
const frame = (shape: Shape, indent: number): Frame => ({ shape, indent, seen: new Set<string>() });

const KEY = /^[A-Za-z_][\w./-]{0,252}:$/;
/** Kubernetes objects nest far less; the cap keeps every search over the stack short. */
const MAX_DEPTH = 64;
const isKey = (w: string) => KEY.test(w);

/** How many words a value takes: a quoted string or a flow collection may hold blanks. */
function valueLength(words: { w: string }[], i: number): number {
  const first = words[i].w;
  if (first.startsWith('"') || first.startsWith("'")) {
    const q = first[0];
    let j = i;
    while (j < words.length && !(words[j].w.endsWith(q) && (j > i || first.length > 1))) j++;
    return Math.min(j, words.length - 1) - i + 1;
  }
  if (first.startsWith('[') || first.startsWith('{')) {
    let depth = 0;
    for (let j = i; j < words.length; j++) {
      for (const c of words[j].w) {
        if (c === '[' || c === '{') depth++;
        else if (c === ']' || c === '}') depth--;
      }
      if (depth <= 0) return j - i + 1;
    }
    return words.length - i;
  }
  return 1;
}

/**
 * True when the line looks like several YAML keys run together (not a normal YAML/JSON line): at
 * least three keys, `apiVersion:` or `kind:` among them, outside flow collections. A flow map on
 * one line (`- { name: a, targetRef: { kind: Pod, name: p } }`) holds keys too, and is valid YAML.
 */
export function looksFlattenedYaml(line: string): boolean {
  const t = line.trim();
  if (t.startsWith('{') || t.startsWith('[')) return false;
  let keys = 0;
  let kind = false;
  let depth = 0;
  for (const w of t.split(/\s+/)) {
    if (depth === 0 && isKey(w)) {
      keys++;
      if (w === 'kind:' || w === 'apiVersion:') kind = true;
      if (keys >= 3 && kind) return true;
    }
    for (const c of w) {
      if (c === '{' || c === '[') depth++;
      else if ((c === '}' || c === ']') && depth > 0) depth--;
    }
  }
  return false;
}

export function unflattenYaml(line: string): LinePiece[] {
  if (!looksFlattenedYaml(line)) return [{ text: line, start: 0 }];
  const words = wordsOf(line);
  const out: LinePiece[] = [];
  // Text before the YAML (the command that wrote the file) stays one piece.
  let i = words.findIndex((x) => x.w === '---' || x.w === 'apiVersion:' || x.w === 'kind:');
  if (i > 0) out.push({ text: line.slice(0, words[i].at).trimEnd(), start: 0 });
  let stack: Frame[] = [frame(ROOT, 0)];
  let pendingDash = false;
  let dashIndent = 0;
  let dashAt = 0;
  const emit = (indent: number, text: string, at: number) => {
    if (pendingDash) {
      out.push({ text: `${' '.repeat(dashIndent)}- ${text}`, start: dashAt });
      pendingDash = false;
    } else out.push({ text: `${' '.repeat(indent)}${text}`, start: at });
  };
  while (i < words.length) {
    const { w, at } = words[i];
    if (w === 'EOF') {
      // End of a here-document: what follows is shell, in a document of its own.
      out.push({ text: '---', start: at }, { text: line.slice(at).trim(), start: at });
      break;
    }
    if (w === '---') {
      out.push({ text: '---', start: at });
      stack = [frame(ROOT, 0)];
      i++;
      continue;
    }
    if (w.startsWith('#')) {
      // A comment runs to the next key; keep it on the line before.
      let j = i;
      while (j < words.length && !isKey(words[j].w) && words[j].w !== '-' && words[j].w !== '---') j++;
      const text = line.slice(at, words[j - 1].at + words[j - 1].w.length);
      if (out.length) out[out.length - 1].text += ` ${text}`;
      else out.push({ text, start: at });
      i = j;
      continue;
    }
    if (w === '-') {
      // New list item: close frames down to the innermost list whose items know the next key
      // (else the innermost list), then open an item at the list's indent.
      const next = words[i + 1]?.w;
      const nextKey = next !== undefined && isKey(next) ? next.slice(0, -1) : undefined;
      let listDepth = -1;
      for (let d = stack.length - 1; d > 0; d--) {
        if (!stack[d].shape.list) continue;
        if (listDepth < 0) listDepth = d;
        if (nextKey !== undefined && nextKey in stack[d].shape.fields) {
          listDepth = d;
          break;
        }
      }
      if (listDepth > 0) stack = stack.slice(0, listDepth + 1);
      const top = stack[stack.length - 1];
      if (next !== undefined && !isKey(next)) {
        const len = valueLength(words, i + 1);
        const v = words.slice(i + 1, i + 1 + len);
        out.push({
          text: `${' '.repeat(top.indent)}- ${line.slice(v[0].at, v[v.length - 1].at + v[v.length - 1].w.length)}`,
          start: at,
        });
        i += 1 + len;
        continue;
      }
      pendingDash = true;
      dashIndent = top.indent;
      dashAt = at;
      if (stack.length < MAX_DEPTH) stack.push(frame({ fields: top.shape.fields }, top.indent + 2));
      i++;
      continue;
    }
    if (!isKey(w)) {
      // A word where a key should be (a multi-word plain value): keep it on the line before.
      if (out.length) out[out.length - 1].text += ` ${w}`;
      else out.push({ text: w, start: at });
      i++;
      continue;
    }
    const key = w.slice(0, -1);
    // The first key after `-` belongs to the new item. Otherwise: the innermost map that knows the
    // key and does not have it yet (keys are unique); unknown keys stay in the current map (labels, data …).
    if (!pendingDash) {
      let depth = stack.length - 1;
      // List frames hold items, never keys of their own.
      while (
        depth >= 0 &&
        !(key in stack[depth].shape.fields && !stack[depth].seen.has(key) && !stack[depth].shape.list)
      )
        depth--;
      if (depth >= 0) stack = stack.slice(0, depth + 1);
      else {
        // Unknown everywhere: the current map, unless it already has that key.
        let d = stack.length - 1;
        while (d > 0 && stack[d].seen.has(key)) d--;
        stack = stack.slice(0, d + 1);
      }
    }
    const current = stack[stack.length - 1];
    current.seen.add(key);
    const child = key in current.shape.fields ? current.shape.fields[key] : undefined;
    const next = words[i + 1]?.w;
    if (next === undefined || isKey(next) || next === '-' || next === '---' || next === 'EOF') {
      emit(current.indent, w, at);
      if (stack.length >= MAX_DEPTH) {
        /* too deep: stay in this map */
      } else if (child === LS || (next === '-' && child === undefined))
        stack.push(frame(list(open()), current.indent + 2));
      else if (child !== S) stack.push(frame(typeof child === 'object' ? child : open(), current.indent + 2));
      i++;
      continue;
    }
    const len = valueLength(words, i + 1);
    const last = words[i + len];
    emit(current.indent, `${w} ${line.slice(words[i + 1].at, last.at + last.w.length)}`, at);
    i += 1 + len;
  }
  return out;
}
