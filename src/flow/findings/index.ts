import type { Service } from '../../model';
import type { TraceContext } from '../context';
import type { ConnectionSummary, Finding, FindingId } from '../types';
import { backendMismatch } from './backendMismatch';
import { bridgeFlooding } from './bridgeFlooding';
import { bridgeNfOff } from './bridgeNfOff';
import { clusterIpTraceroute } from './clusterIpTraceroute';
import { dnsNameNotFound } from './dnsNameNotFound';
import { dnsNoAnswer } from './dnsNoAnswer';
import { dnsSearchAmplification } from './dnsSearchAmplification';
import { egressNoAnswer } from './egressNoAnswer';
import { endpointSilent } from './endpointSilent';
import { externalTrafficLocal, sourceIpMasqueraded } from './externalTraffic';
import { forwardDrop } from './forwardDrop';
import { hairpinOff } from './hairpinOff';
import { ipForwardOff } from './ipForwardOff';
import { kubeProxyNoRules } from './kubeProxyNoRules';
import { headlessSpread } from './headlessSpread';
import { mtuBlackhole } from './mtuBlackhole';
import { mtuMss } from './mtuMss';
import { networkPolicy } from './networkPolicy';
import { networkPolicyEgressDeny } from './networkPolicyEgress';
import { podEventsOnPath } from './podEvents';
import { nothingAnswers } from './nothingAnswers';
import { nothingListening } from './nothingListening';
import { servicePortMissing } from './servicePortMissing';
import { staleEndpoint } from './staleEndpoint';
import { vtepMacStale } from './vtepMacStale';
import { vxlanBlocked } from './vxlanBlocked';

export { CLUSTER_FINDINGS, clusterFindings, type ClusterCheck } from './clusterChecks';

export {
  backendMismatch,
  bridgeFlooding,
  bridgeNfOff,
  clusterIpTraceroute,
  dnsNameNotFound,
  dnsNoAnswer,
  dnsSearchAmplification,
  egressNoAnswer,
  endpointSilent,
  externalTrafficLocal,
  forwardDrop,
  hairpinOff,
  ipForwardOff,
  headlessSpread,
  kubeProxyNoRules,
  mtuBlackhole,
  mtuMss,
  networkPolicy,
  networkPolicyEgressDeny,
  nothingAnswers,
  podEventsOnPath,
  nothingListening,
  servicePortMissing,
  sourceIpMasqueraded,
  staleEndpoint,
  vtepMacStale,
  vxlanBlocked,
};

/** What the trace knows about a flow beyond its context, for the findings that need it. */
export interface FindingInputs {
  /** The Services the flow relies on (the destination or NodePort Service, and kube-dns for names). */
  services: Service[];
  /** The flow asks a headless Service (or one of its pods by DNS name). */
  headlessFlow: boolean;
  /** The client's namespace, where its short names are looked up. */
  clientNamespace: string | undefined;
  /** The destination port the user asked for, when given. */
  requestedPort?: number;
  /** Every connection the trace found between its source and destination (this flow's among them). */
  peers: readonly ConnectionSummary[];
}

export interface FindingCheck {
  /** The finding ids this check can report. */
  ids: readonly FindingId[];
  find(ctx: TraceContext, inputs: FindingInputs): Finding[];
}

/**
 * Every finding a traced flow is checked for, in the order they are reported: first the puzzles
 * explained, then where the flow stops and why (each marks the hop it breaks). To add one, add its id
 * to `FindingId` (src/flow/types.ts), its file beside these, and an entry here.
 */
export const FLOW_FINDINGS: readonly FindingCheck[] = [
  {
    ids: [
      'service-no-endpoints',
      'selector-matches-no-pod',
      'targetport-name-missing',
      'statefulset-service-not-headless',
    ],
    find: (ctx, { services }) => nothingAnswers(ctx, services),
  },
  { ids: ['clusterip-traceroute', 'clusterip-ping'], find: (ctx, { services }) => clusterIpTraceroute(ctx, services) },
  {
    ids: ['headless-dns-spread'],
    find: (ctx, { services, headlessFlow }) => (headlessFlow ? headlessSpread(ctx, services) : []),
  },
  { ids: ['bridge-flooding'], find: (ctx) => bridgeFlooding(ctx) },
  {
    ids: ['dns-search-amplification'],
    find: (ctx) => ctx.dns.flatMap((asked) => dnsSearchAmplification(ctx, asked)),
  },
  {
    ids: ['service-port-missing'],
    find: (ctx, { services, requestedPort }) => servicePortMissing(ctx, services.slice(0, 1), requestedPort),
  },
  { ids: ['nothing-listening'], find: (ctx, { peers }) => nothingListening(ctx, peers) },
  { ids: ['endpoint-silent'], find: (ctx, { peers }) => endpointSilent(ctx, peers) },
  { ids: ['forward-policy-drop'], find: (ctx, { peers }) => forwardDrop(ctx, peers) },
  { ids: ['ip-forward-off'], find: (ctx) => ipForwardOff(ctx) },
  { ids: ['bridge-nf-call-iptables-off'], find: (ctx) => bridgeNfOff(ctx) },
  { ids: ['hairpin-off'], find: (ctx) => hairpinOff(ctx) },
  { ids: ['iptables-backend-mismatch'], find: (ctx, { services }) => backendMismatch(ctx, services) },
  { ids: ['kube-proxy-no-rules'], find: (ctx, { services }) => kubeProxyNoRules(ctx, services) },
  {
    ids: ['external-traffic-local-no-endpoint'],
    find: (ctx, { services }) => externalTrafficLocal(ctx, services),
  },
  { ids: ['source-ip-masqueraded'], find: (ctx, { services }) => sourceIpMasqueraded(ctx, services) },
  {
    ids: ['network-policy-unenforced', 'network-policy-deny'],
    find: (ctx, { services }) => networkPolicy(ctx, services),
  },
  { ids: ['network-policy-egress-deny'], find: (ctx, { services }) => networkPolicyEgressDeny(ctx, services) },
  { ids: ['stale-endpoint'], find: (ctx, { services }) => staleEndpoint(ctx, services) },
  { ids: ['dns-no-answer', 'dns-port-unreachable'], find: (ctx) => dnsNoAnswer(ctx) },
  {
    ids: ['dns-nxdomain', 'dns-wrong-namespace'],
    find: (ctx, { clientNamespace }) => dnsNameNotFound(ctx, clientNamespace),
  },
  { ids: ['vxlan-blocked'], find: (ctx) => vxlanBlocked(ctx) },
  { ids: ['egress-not-masqueraded', 'external-no-answer'], find: (ctx) => egressNoAnswer(ctx) },
  { ids: ['vtep-mac-stale'], find: (ctx) => vtepMacStale(ctx) },
  {
    // The MSS finding is checked only when no MTU black hole was found.
    ids: ['mtu-blackhole', 'mtu-mss'],
    find: (ctx) => {
      const blackhole = mtuBlackhole(ctx);
      return blackhole.length ? blackhole : mtuMss(ctx);
    },
  }, // Warning events (kubectl get events) about the pods the flow passes, at the hop of each pod.
  { ids: ['pod-event-warning'], find: (ctx) => podEventsOnPath(ctx) },
];

/** The findings about one traced flow, in FLOW_FINDINGS order. */
export function findingsAbout(ctx: TraceContext, inputs: FindingInputs): Finding[] {
  return FLOW_FINDINGS.flatMap((check) => check.find(ctx, inputs));
}
