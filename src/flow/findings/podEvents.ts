import type { ClusterModel, KubeEvent } from '../../model';
import type { TraceContext } from '../context';
import { connectionWorked } from '../correlate/connections';
import type { Finding } from '../types';
import { findStep } from './breaks';

/** What an event about a pod says for the network, and what to do about it. */
interface EventMeaning {
  /** Why the pod cannot take part in a flow, in a few words (`cni0 … has another address`). */
  cause: string;
  /** What that breaks, in a sentence. */
  breaks: string;
  fix: string;
}

/** The bridge plugin's error when cni0 kept another subnet's address. */
const BRIDGE_ADDRESS = new RegExp(
  String.raw`failed to set bridge addr: "(?<bridge>[^"]{1,15})" ` +
    String.raw`already has an IP address different from (?<cidr>[\d./]{7,18})`,
);

const SANDBOX_FAILED = 'the pod gets no network: the CNI plugin gave up before it created the veth and the address';

/** The meanings of the Warning events that keep a pod off the network or out of a Service; undefined for others. */
function meaningOf(event: KubeEvent): EventMeaning | undefined {
  const message = event.message.length < 4000 ? event.message : event.message.slice(0, 4000);
  switch (event.reason) {
    case 'FailedCreatePodSandBox': {
      const bridge = BRIDGE_ADDRESS.exec(message);
      if (bridge?.groups)
        return {
          cause: `${bridge.groups.bridge} has an address from another Flannel subnet than ${bridge.groups.cidr}`,
          breaks:
            `${SANDBOX_FAILED}. The node's ${bridge.groups.bridge} kept the address of an earlier Flannel subnet ` +
            '(a node re-joined, or the pod network was changed), and the bridge plugin refuses to change it.',
          fix:
            `On the pod's node delete the stale bridge (ip link set ${bridge.groups.bridge} down; ` +
            `ip link delete ${bridge.groups.bridge}) — the plugin recreates it with the address in ` +
            '/run/flannel/subnet.env — and flannel.1 too if it carries the old subnet, ' +
            'then restart the Flannel pod there.',
        };
      if (/subnet\.env: no such file or directory/.test(message))
        return {
          cause: 'Flannel has not written /run/flannel/subnet.env on its node',
          breaks: `${SANDBOX_FAILED}: Flannel is not running on that node (it writes subnet.env when it starts).`,
          fix: 'Get the Flannel pod of that node running (kubectl get pods -A -o wide | grep flannel; its logs).',
        };
      const plugin = /failed to find plugin "(?<plugin>[^"]{1,64})"/.exec(message);
      if (plugin?.groups)
        return {
          cause: `the CNI plugin "${plugin.groups.plugin}" is not installed on its node`,
          breaks: `${SANDBOX_FAILED}.`,
          fix:
            `Install the CNI plugins on the node (/opt/cni/bin/${plugin.groups.plugin}; ` +
            "Flannel's DaemonSet copies its own in an init container).",
        };
      return {
        cause: 'the CNI plugin failed to set up its network',
        breaks: `${SANDBOX_FAILED}.`,
        fix:
          "Read the event's message to its end: it quotes the CNI plugin's error; " +
          "the kubelet's log on the node has more.",
      };
    }
    case 'NetworkNotReady':
      return {
        cause: "its node's pod network is not ready (no CNI configuration yet)",
        breaks:
          'The kubelet starts no pod sandbox while the runtime reports NetworkReady=false: the pod has no address.',
        fix: 'Flannel writes /etc/cni/net.d/10-flannel.conflist when its pod starts on the node: get that pod running.',
      };
    case 'Unhealthy':
      if (/^Readiness probe failed/.test(message))
        return {
          cause: 'its readiness probe fails',
          breaks:
            "The pod is not Ready: its address is marked not ready in the Service's EndpointSlices and " +
            'kube-proxy sends it no Service traffic. A probe that crosses the pod network fails too when that ' +
            'network is broken.',
          fix:
            "Run the probe by hand from the pod's node (the URL in the message) and read kubectl describe pod; " +
            'fix what it reaches, or the probe.',
        };
      if (/^Liveness probe failed/.test(message))
        return {
          cause: 'its liveness probe fails',
          breaks:
            'The kubelet kills and restarts the container: connections to it are reset or refused while it restarts.',
          fix: "Run the probe by hand from the pod's node and read kubectl describe pod.",
        };
      return undefined;
    case 'BackOff':
      return {
        cause: /pulling image/i.test(message) ? 'its image cannot be pulled' : 'its container keeps crashing',
        breaks: 'The container does not run (CrashLoopBackOff or ImagePullBackOff): nothing in the pod listens.',
        fix: 'kubectl logs --previous and kubectl describe pod say why it exits (or why the image is not pulled).',
      };
    case 'FailedScheduling':
      return {
        cause: 'no node can run it',
        breaks: 'An unscheduled pod has no node and no address: it serves nothing.',
        fix:
          "Read the scheduler's message (taints such as node.kubernetes.io/not-ready, resources, affinity) " +
          'and make a node fit.',
      };
    default:
      return undefined;
  }
}

/** One finding per pod and reason, several events (rows) counted together. */
interface EventGroup {
  namespace?: string;
  pod: string;
  reason: string;
  meaning: EventMeaning;
  events: KubeEvent[];
}

/** The Warning events about pods whose meaning is known, grouped by pod and reason, in their order. */
function podWarningGroups(model: ClusterModel): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const event of model.all('KubeEvent')) {
    if (event.type !== 'Warning' || event.object.kind.toLowerCase() !== 'pod') continue;
    const meaning = meaningOf(event);
    if (!meaning) continue;
    const key = `${event.namespace ?? ''}/${event.object.name}|${event.reason}|${meaning.cause}`;
    const known = groups.get(key);
    if (known) known.events.push(event);
    else
      groups.set(key, {
        namespace: event.namespace,
        pod: event.object.name,
        reason: event.reason,
        meaning,
        events: [event],
      });
  }
  return [...groups.values()];
}

function findingOf(group: EventGroup): Finding {
  const times = group.events.reduce((sum, event) => sum + (event.count ?? 1), 0);
  const where = group.namespace ? `${group.namespace}/${group.pod}` : group.pod;
  return {
    id: 'pod-event-warning',
    severity: 'warning',
    title: `Pod ${group.pod}: ${group.meaning.cause} (${group.reason})`,
    message:
      `kubectl get events reports ${group.reason} for pod ${where} ${times === 1 ? 'once' : `${times} times`}: ` +
      `${group.meaning.breaks} "${group.events[0].message.slice(0, 300)}"`,
    evidence: group.events.slice(0, 3).flatMap((event) => event.evidence),
    fix: group.meaning.fix,
  };
}

/** The Warning events about pods that keep them off the network or out of their Service (for diagnose). */
export function podEventWarnings(model: ClusterModel): Finding[] {
  return podWarningGroups(model).map(findingOf);
}

/** Outcomes that show the flow's connection worked: an event then explains nothing about where it stops. */

/**
 * Warning events about the pods this flow passes (its client, the endpoint, CoreDNS), each attached to
 * the first hop that reaches that pod (or leaves it, for the client) — unless a captured connection
 * shows the flow worked, then the event is reported without a hop.
 */
export function podEventsOnPath(ctx: TraceContext): Finding[] {
  const out: Finding[] = [];
  const worked = ctx.connection !== undefined && connectionWorked(ctx.connection);
  for (const group of podWarningGroups(ctx.model)) {
    const isPod = (actorId: string) =>
      /^(pod|dns):/.test(actorId) &&
      (group.namespace !== undefined
        ? actorId.endsWith(`:${group.namespace}/${group.pod}`)
        : actorId.endsWith(`/${group.pod}`));
    const at = findStep(ctx.b, (step) => isPod(step.to)) ?? findStep(ctx.b, (step) => isPod(step.from));
    if (!at) continue;
    const finding = findingOf(group);
    if (!worked) {
      finding.hop = `${ctx.b.actorName(at.step.from)} → ${ctx.b.actorName(at.step.to)}`;
      finding.step = { phase: at.phase.name, index: at.index };
    }
    out.push(finding);
  }
  return out;
}
