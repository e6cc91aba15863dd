import { isHeadless, type ClusterModel, type Packet, type Pod, type Service } from '../../model';
import { nodeOf, type TraceContext } from '../context';
import type { DstSpec, Target } from '../resolve';
import type { FlowFamily } from '../types';
import { podToPodFamily, tracePodToPod } from './podToPod';
import { traceClusterIp, traceExternalName, traceHeadless, traceHeadlessPod, traceNodePort } from './service';
import { traceToAddress } from './toAddress';

/** What `trace` knows before it walks a flow: who sends, to what, and the NodePort Service DST names. */
export interface TraceRequest {
  src: Target;
  client: Pod | undefined;
  dst: Target;
  spec: DstSpec;
  nodePortSvc: { svc: Service; port: Service['ports'][number] } | undefined;
  /** SRC as the user typed it. */
  from: string;
}

/** One family's walk of one flow, its values already narrowed by the route that chose it. */
export type FamilyWalk = (ctx: TraceContext) => void;

export interface FamilyChoice {
  family: FlowFamily;
  walk: FamilyWalk;
}

/** What choosing a family may read: the model and the packets of the flow's addresses (no flow yet). */
export interface FamilyChoiceInput {
  model: ClusterModel;
  packets: Packet[];
}

interface FamilyRoute {
  /** Which requests this route takes, in words. */
  when: string;
  /** The family and its walk when this route takes the request; undefined lets the next route try. */
  choose(request: TraceRequest, input: FamilyChoiceInput): FamilyChoice | undefined;
}

/** A source outside the cluster reaches nothing but NodePorts: the flow only says what to give instead. */
const outsideSource =
  (from: string): FamilyWalk =>
  (ctx) =>
    ctx.b.need(
      `source ${from} is outside the cluster: only NodePort/LoadBalancer Services or externalIPs reach pods ` +
        'from there (give DST as NODE:NODEPORT)',
    );

/** The walk when there is a client pod (or node), else the outside-source note. */
function fromClient(request: TraceRequest, walk: (client: Pod) => FamilyWalk): FamilyWalk {
  return request.client ? walk(request.client) : outsideSource(request.from);
}

type ServiceTarget = Extract<Target, { kind: 'service' }>;

/** A route for a Service DST that `takes`, walked by `walk` from the client pod. */
function serviceRoute(
  when: string,
  family: FlowFamily,
  walk: (ctx: TraceContext, client: Pod, dst: ServiceTarget, spec: DstSpec) => void,
  takes: (service: Service) => boolean,
): FamilyRoute {
  return {
    when,
    choose: (request) => {
      const { dst, spec } = request;
      if (dst.kind !== 'service' || !takes(dst.service)) return undefined;
      return { family, walk: fromClient(request, (client) => (ctx) => walk(ctx, client, dst, spec)) };
    },
  };
}

/**
 * Every flow family, in the order they are tried: the first route whose `choose` answers decides the
 * flow's family and walks it. To add a family, add its id to `FlowFamily` (src/flow/types.ts) and a
 * route here, before any route that would take its requests.
 */
const FAMILY_ROUTES: readonly FamilyRoute[] = [
  {
    when: 'DST is NODE:NODEPORT (or a Service port only a NodePort matches)',
    choose: ({ src, client, dst, nodePortSvc }) =>
      nodePortSvc && {
        family: 'nodeport',
        walk: (ctx) => {
          const nodeName =
            dst.kind === 'node' ? dst.node.name : client ? nodeOf(ctx, client) : (ctx.model.nodes[0]?.name ?? 'node');
          const nodeAddr =
            dst.kind === 'node'
              ? (dst.ip ?? dst.node.internalIP ?? dst.node.name)
              : dst.kind === 'ip'
                ? dst.ip
                : nodeName;
          traceNodePort(ctx, {
            client,
            srcIp: src.kind === 'ip' ? src.ip : client?.ip,
            nodeName,
            nodeAddr,
            svc: nodePortSvc.svc,
            port: nodePortSvc.port,
          });
        },
      },
  },
  {
    when: 'a pod by its per-pod DNS name (pod.subdomain.namespace.svc)',
    choose: ({ client, dst, spec }, input) =>
      client && dst.kind === 'pod' && dst.dnsName
        ? {
            family: podToPodFamily(input as TraceContext, client, dst.pod),
            walk: (ctx) => traceHeadlessPod(ctx, { client, server: dst.pod, typed: dst.text, spec }),
          }
        : undefined,
  },
  {
    when: 'a pod by name or IP (same node, VXLAN, host-gw or host network)',
    choose: ({ client, dst, spec }, input) =>
      client && dst.kind === 'pod'
        ? {
            family: podToPodFamily(input as TraceContext, client, dst.pod),
            walk: (ctx) => tracePodToPod(ctx, client, dst.pod, spec),
          }
        : undefined,
  },
  serviceRoute('an ExternalName Service', 'external-name', traceExternalName, (svc) => svc.type === 'ExternalName'),
  serviceRoute('a headless Service (clusterIP: None)', 'pod-to-headless', traceHeadless, isHeadless),
  serviceRoute('a ClusterIP Service by name or address', 'pod-to-service', traceClusterIp, () => true),
  {
    when: "anything else: a node, a pod's IP from outside the cluster, an address nothing names",
    choose: (request) => {
      const { dst } = request;
      return {
        family: 'pod-to-external',
        walk: fromClient(request, (client) => (ctx) => {
          if (dst.kind === 'node' || dst.kind === 'ip') traceToAddress(ctx, client, dst);
        }),
      };
    },
  },
];

/** The family of a flow and its walk: the first route of FAMILY_ROUTES that takes the request. */
export function chooseFamily(request: TraceRequest, input: FamilyChoiceInput): FamilyChoice {
  for (const route of FAMILY_ROUTES) {
    const choice = route.choose(request, input);
    if (choice) return choice;
  }
  throw new Error(`no flow family takes ${request.dst.text}`);
}
