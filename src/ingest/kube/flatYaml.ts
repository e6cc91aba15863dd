import { wordsOf, type LinePiece } from '../words';

/**
 * Rebuilds Kubernetes YAML whose newlines and indentation were lost (copied from a web page):
 * `--- apiVersion: apps/v1 kind: StatefulSet metadata: name: a-app labels: app: a-app spec: …`.
 * Nesting cannot be read from such text, so it is taken from the shape of Kubernetes objects:
 * a key known to the current map nests there, a key known to an enclosing map closes the inner
 * ones, `-` starts a list item, `---` a document. One pass over the words; total.
 */

type Shape = { fields: Record<string, Shape | 'scalar' | 'list-of-scalars'>; list?: boolean };

const SCALAR = 'scalar' as const;
const LS = 'list-of-scalars' as const;
const open = (): Shape => ({ fields: {} });
const list = (item: Shape): Shape => ({ ...item, list: true });

const FREE: Shape = open();
const OWNER: Shape = {
  fields: {
    apiVersion: SCALAR,
    kind: SCALAR,
    name: SCALAR,
    uid: SCALAR,
    controller: SCALAR,
    blockOwnerDeletion: SCALAR,
  },
};
const REF: Shape = {
  fields: {
    kind: SCALAR,
    name: SCALAR,
    namespace: SCALAR,
    uid: SCALAR,
    resourceVersion: SCALAR,
    apiVersion: SCALAR,
    fieldPath: SCALAR,
  },
};
const META: Shape = {
  fields: {
    name: SCALAR,
    namespace: SCALAR,
    labels: FREE,
    annotations: FREE,
    generateName: SCALAR,
    uid: SCALAR,
    resourceVersion: SCALAR,
    creationTimestamp: SCALAR,
    ownerReferences: list(OWNER),
    generation: SCALAR,
    deletionTimestamp: SCALAR,
    finalizers: LS,
    managedFields: list(open()),
  },
};
const CONDITION: Shape = {
  fields: {
    type: SCALAR,
    status: SCALAR,
    lastTransitionTime: SCALAR,
    lastProbeTime: SCALAR,
    lastUpdateTime: SCALAR,
    reason: SCALAR,
    message: SCALAR,
    observedGeneration: SCALAR,
  },
};
const CSTATUS: Shape = {
  fields: {
    name: SCALAR,
    ready: SCALAR,
    restartCount: SCALAR,
    image: SCALAR,
    imageID: SCALAR,
    containerID: SCALAR,
    started: SCALAR,
    state: open(),
    lastState: open(),
    volumeMounts: list(open()),
  },
};
const STATUS: Shape = {
  fields: {
    phase: SCALAR,
    podIP: SCALAR,
    podIPs: list({ fields: { ip: SCALAR } }),
    hostIP: SCALAR,
    hostIPs: list({ fields: { ip: SCALAR } }),
    startTime: SCALAR,
    qosClass: SCALAR,
    conditions: list(CONDITION),
    containerStatuses: list(CSTATUS),
    initContainerStatuses: list(CSTATUS),
    loadBalancer: open(),
    replicas: SCALAR,
    readyReplicas: SCALAR,
    availableReplicas: SCALAR,
    updatedReplicas: SCALAR,
    currentReplicas: SCALAR,
    observedGeneration: SCALAR,
    desiredNumberScheduled: SCALAR,
    currentNumberScheduled: SCALAR,
    numberReady: SCALAR,
    numberAvailable: SCALAR,
    updatedNumberScheduled: SCALAR,
    numberMisscheduled: SCALAR,
    addresses: list({ fields: { type: SCALAR, address: SCALAR } }),
    nodeInfo: open(),
    capacity: FREE,
    allocatable: FREE,
  },
};
const SEL: Shape = { fields: { matchLabels: FREE, matchExpressions: list(open()) } };
const CPORT: Shape = { fields: { containerPort: SCALAR, name: SCALAR, protocol: SCALAR, hostPort: SCALAR } };
const PORT: Shape = {
  fields: { name: SCALAR, port: SCALAR, targetPort: SCALAR, protocol: SCALAR, nodePort: SCALAR, appProtocol: SCALAR },
};
const ENV: Shape = { fields: { name: SCALAR, value: SCALAR, valueFrom: open() } };
const CONTAINER: Shape = {
  fields: {
    name: SCALAR,
    image: SCALAR,
    imagePullPolicy: SCALAR,
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
    workingDir: SCALAR,
  },
};
const SPEC: Shape = {
  fields: {
    type: SCALAR,
    clusterIP: SCALAR,
    clusterIPs: LS,
    selector: SEL,
    ports: list(PORT),
    sessionAffinity: SCALAR,
    sessionAffinityConfig: open(),
    externalTrafficPolicy: SCALAR,
    internalTrafficPolicy: SCALAR,
    externalName: SCALAR,
    externalIPs: LS,
    loadBalancerIP: SCALAR,
    publishNotReadyAddresses: SCALAR,
    ipFamilies: LS,
    ipFamilyPolicy: SCALAR,
    replicas: SCALAR,
    serviceName: SCALAR,
    strategy: open(),
    updateStrategy: open(),
    podManagementPolicy: SCALAR,
    minReadySeconds: SCALAR,
    revisionHistoryLimit: SCALAR,
    containers: list(CONTAINER),
    initContainers: list(CONTAINER),
    hostNetwork: SCALAR,
    nodeName: SCALAR,
    hostname: SCALAR,
    subdomain: SCALAR,
    restartPolicy: SCALAR,
    dnsPolicy: SCALAR,
    dnsConfig: open(),
    nodeSelector: FREE,
    serviceAccountName: SCALAR,
    volumes: list(open()),
    tolerations: list(open()),
    terminationGracePeriodSeconds: SCALAR,
    podCIDR: SCALAR,
    podCIDRs: LS,
  },
};
SPEC.fields.template = { fields: { metadata: META, spec: SPEC } };
const ADDR: Shape = { fields: { ip: SCALAR, hostname: SCALAR, nodeName: SCALAR, targetRef: REF } };
const SUBSET: Shape = { fields: { addresses: list(ADDR), notReadyAddresses: list(ADDR), ports: list(PORT) } };
const EP: Shape = {
  fields: {
    addresses: LS,
    conditions: { fields: { ready: SCALAR, serving: SCALAR, terminating: SCALAR } },
    hostname: SCALAR,
    nodeName: SCALAR,
    zone: SCALAR,
    targetRef: REF,
  },
};
const ROOT: Shape = {
  fields: {
    apiVersion: SCALAR,
    kind: SCALAR,
    metadata: META,
    spec: SPEC,
    data: FREE,
    stringData: FREE,
    subsets: list(SUBSET),
    endpoints: list(EP),
    addressType: SCALAR,
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
const isKey = (word: string) => KEY.test(word);

/** How many words a value takes: a quoted string or a flow collection may hold blanks. */
function valueLength(words: { w: string }[], start: number): number {
  const first = words[start].w;
  if (first.startsWith('"') || first.startsWith("'")) {
    const quote = first[0];
    let end = start;
    while (end < words.length && !(words[end].w.endsWith(quote) && (end > start || first.length > 1))) end++;
    return Math.min(end, words.length - 1) - start + 1;
  }
  if (first.startsWith('[') || first.startsWith('{')) {
    let depth = 0;
    for (let j = start; j < words.length; j++) {
      for (const char of words[j].w) {
        if (char === '[' || char === '{') depth++;
        else if (char === ']' || char === '}') depth--;
      }
      if (depth <= 0) return j - start + 1;
    }
    return words.length - start;
  }
  return 1;
}

/**
 * True when the line looks like several YAML keys run together (not a normal YAML/JSON line): at
 * least three keys, `apiVersion:` or `kind:` among them, outside flow collections. A flow map on
 * one line (`- { name: a, targetRef: { kind: Pod, name: p } }`) holds keys too, and is valid YAML.
 */
export function looksFlattenedYaml(line: string): boolean {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return false;
  let keys = 0;
  let kind = false;
  let depth = 0;
  for (const word of trimmed.split(/\s+/)) {
    if (depth === 0 && isKey(word)) {
      keys++;
      if (word === 'kind:' || word === 'apiVersion:') kind = true;
      if (keys >= 3 && kind) return true;
    }
    for (const char of word) {
      if (char === '{' || char === '[') depth++;
      else if ((char === '}' || char === ']') && depth > 0) depth--;
    }
  }
  return false;
}

export function unflattenYaml(line: string): LinePiece[] {
  if (!looksFlattenedYaml(line)) return [{ text: line, start: 0 }];
  const words = wordsOf(line);
  const out: LinePiece[] = [];
  // Text before the YAML (the command that wrote the file) stays one piece.
  let index = words.findIndex((word) => word.w === '---' || word.w === 'apiVersion:' || word.w === 'kind:');
  if (index > 0) out.push({ text: line.slice(0, words[index].at).trimEnd(), start: 0 });
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
  while (index < words.length) {
    const { w: word, at } = words[index];
    if (word === 'EOF') {
      // End of a here-document: what follows is shell, in a document of its own.
      out.push({ text: '---', start: at }, { text: line.slice(at).trim(), start: at });
      break;
    }
    if (word === '---') {
      out.push({ text: '---', start: at });
      stack = [frame(ROOT, 0)];
      index++;
      continue;
    }
    if (word.startsWith('#')) {
      // A comment runs to the next key; keep it on the line before.
      let end = index;
      while (end < words.length && !isKey(words[end].w) && words[end].w !== '-' && words[end].w !== '---') end++;
      const text = line.slice(at, words[end - 1].at + words[end - 1].w.length);
      if (out.length) out[out.length - 1].text += ` ${text}`;
      else out.push({ text, start: at });
      index = end;
      continue;
    }
    if (word === '-') {
      // New list item: close frames down to the innermost list whose items know the next key
      // (else the innermost list), then open an item at the list's indent.
      const next = words[index + 1]?.w;
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
        const len = valueLength(words, index + 1);
        const valueWords = words.slice(index + 1, index + 1 + len);
        const lastWord = valueWords[valueWords.length - 1];
        out.push({
          text: `${' '.repeat(top.indent)}- ${line.slice(valueWords[0].at, lastWord.at + lastWord.w.length)}`,
          start: at,
        });
        index += 1 + len;
        continue;
      }
      pendingDash = true;
      dashIndent = top.indent;
      dashAt = at;
      if (stack.length < MAX_DEPTH) stack.push(frame({ fields: top.shape.fields }, top.indent + 2));
      index++;
      continue;
    }
    if (!isKey(word)) {
      // A word where a key should be (a multi-word plain value): keep it on the line before.
      if (out.length) out[out.length - 1].text += ` ${word}`;
      else out.push({ text: word, start: at });
      index++;
      continue;
    }
    const key = word.slice(0, -1);
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
        let level = stack.length - 1;
        while (level > 0 && stack[level].seen.has(key)) level--;
        stack = stack.slice(0, level + 1);
      }
    }
    const current = stack[stack.length - 1];
    current.seen.add(key);
    const child = key in current.shape.fields ? current.shape.fields[key] : undefined;
    const next = words[index + 1]?.w;
    if (next === undefined || isKey(next) || next === '-' || next === '---' || next === 'EOF') {
      emit(current.indent, word, at);
      if (stack.length >= MAX_DEPTH) {
        /* too deep: stay in this map */
      } else if (child === LS || (next === '-' && child === undefined))
        stack.push(frame(list(open()), current.indent + 2));
      else if (child !== SCALAR) stack.push(frame(typeof child === 'object' ? child : open(), current.indent + 2));
      index++;
      continue;
    }
    const len = valueLength(words, index + 1);
    const last = words[index + len];
    emit(current.indent, `${word} ${line.slice(words[index + 1].at, last.at + last.w.length)}`, at);
    index += 1 + len;
  }
  return out;
}
