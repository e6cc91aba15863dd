import {
  isLocalEndpointDrop,
  namespacedName,
  namespaceOf,
  cidrContains,
  derivedEvidence,
  iptablesPrintedProbability,
  iptablesServiceChain,
  nftEndpointChain,
  nftServiceChain,
  type Evidence,
  type KubeProxyMode,
  type Packet,
  type Service,
  type ServicePort,
} from '../../model';
import { ipvsActor, netfilterActor } from '../actors';
import { clusterIpText, conntrackEntries, endpointText, type TraceContext } from '../context';
import { endpointKey, ipOf, portOf, translatedLeg } from '../correlate/connections';
import type { Alternative, ConnectionSummary, FlowPhase } from '../types';
import { chainRules, endpointChoices, podByIp, servicePortalRule, spnOf, type EndpointChoice } from './endpoints';

/** kube-proxy's mode: its config, else what the pasted rules look like, else iptables (the default). */
function proxyMode(ctx: TraceContext): { mode: KubeProxyMode; evidence: Evidence[] } {
  const cfg = ctx.model.all('KubeProxy')[0];
  if (cfg) return { mode: cfg.mode, evidence: cfg.evidence };
  const ipvs = ctx.model.all('IpvsVirtualServer')[0];
  if (ipvs) return { mode: 'ipvs', evidence: ipvs.evidence };
  const nft =
    ctx.model.all('NftMapElement')[0] ?? ctx.model.all('NftRule').find((nftRule) => nftRule.table === 'kube-proxy');
  if (nft) return { mode: 'nftables', evidence: nft.evidence };
  const kube = ctx.model.all('NatRule').find((natRule) => natRule.chain.startsWith('KUBE-'));
  if (kube) return { mode: 'iptables', evidence: kube.evidence };
  return { mode: 'iptables', evidence: [derivedEvidence("kube-proxy's default mode on Linux is iptables")] };
}

/** One Service port the packet is sent to: where it is now and who sent it. */
export interface ProxyHop {
  phase: FlowPhase;
  /** The actor the packet comes from. */
  from: string;
  node: string;
  svc: Service;
  port: ServicePort;
  clientIp: string | undefined;
}

export interface ProxyResult {
  /** Actor where the translated packet is now; undefined when it was rejected. */
  at?: string;
  endpoint?: EndpointChoice;
  choices: EndpointChoice[];
  problems: string[];
  /** KUBE-SVC-… / service-… / IPVS name, for findings and labels. */
  serviceChain?: string;
  /** True when kube-proxy's REJECT answered (no endpoints proven). */
  rejected?: boolean;
  /** True when logs show (or there is only one) endpoint this connection went to. */
  chosenProven?: boolean;
}

/**
 * Which endpoint this connection really went to: a DNAT pair in the captures, post-DNAT packets,
 * server logs, conntrack.
 */
function chosenEndpoint(
  ctx: TraceContext,
  { svc, port, clientIp }: ProxyHop,
  choices: EndpointChoice[],
  vip = svc.clusterIP,
): { choice?: EndpointChoice; evidence: Evidence[] } {
  const byIp = (ip?: string) => choices.find((endpointChoice) => endpointChoice.ip === ip);
  // The connection the flow walks names its endpoint: the DNATed leg (after a masquerade too).
  const translated = ctx.connection ? translatedLeg(ctx.connection) : undefined;
  if (translated) {
    const [ip, port] = [ipOf(translated.to), portOf(translated.to)];
    const choice = choices.find(
      (endpointChoice) =>
        endpointChoice.ip === ip && (endpointChoice.port === undefined || endpointChoice.port === port),
    );
    const proof = translated.sightings.slice(0, 1).flatMap((sighting) => sighting.packet.evidence);
    const before = ctx.connection!.original.sightings.slice(0, 1).flatMap((sighting) => sighting.packet.evidence);
    if (choice) return { choice, evidence: [...before, ...proof] };
  }
  const pair = ctx.corr.natPairs.find(
    (natPair) =>
      natPair.direction === 'forward' &&
      natPair.before.dst?.ip === vip &&
      natPair.before.dst?.port === (vip === svc.clusterIP ? port.port : port.nodePort) &&
      (!clientIp || natPair.before.src?.ip === clientIp),
  );
  if (pair && byIp(pair.after.dst?.ip))
    return { choice: byIp(pair.after.dst?.ip), evidence: [...pair.before.evidence, ...pair.after.evidence] };
  if (clientIp) {
    const post = ctx.packets.find(
      (packet) =>
        packet.src?.ip === clientIp &&
        !!byIp(packet.dst?.ip) &&
        (byIp(packet.dst?.ip)?.port === undefined || packet.dst?.port === byIp(packet.dst?.ip)?.port),
    );
    if (post) return { choice: byIp(post.dst?.ip), evidence: post.evidence };
    const log = ctx.model
      .all('HttpAccess')
      .find(
        (httpAccess) =>
          httpAccess.client === clientIp &&
          httpAccess.server &&
          choices.some((endpointChoice) => endpointChoice.pod?.name === httpAccess.server),
      );
    if (log)
      return {
        choice: choices.find((endpointChoice) => endpointChoice.pod?.name === log.server),
        evidence: log.evidence,
      };
    const dport = vip === svc.clusterIP ? port.port : port.nodePort;
    // With a connection, only its own entry: the one whose reply goes back to its client's port.
    const connectionClient = ctx.connection?.client;
    const ct = conntrackEntries(ctx).find(
      (conntrackEntry) =>
        (conntrackEntry.original.src === clientIp || conntrackEntry.reply.dst === clientIp) &&
        conntrackEntry.original.dst === vip &&
        (conntrackEntry.original.dport === undefined || conntrackEntry.original.dport === dport) &&
        (connectionClient === undefined ||
          endpointKey(conntrackEntry.reply.dst, conntrackEntry.reply.dport) === connectionClient ||
          endpointKey(conntrackEntry.original.src, conntrackEntry.original.sport) === connectionClient) &&
        !!byIp(conntrackEntry.reply.src),
    );
    if (ct) return { choice: byIp(ct.reply.src), evidence: ct.evidence };
  }
  return { evidence: [] };
}

/**
 * `printed`: iptables rule probabilities, conditional on reaching the jump; otherwise each choice's
 * own share (IPVS weights, nft numgen).
 */
function alternatives(
  ctx: TraceContext,
  choices: EndpointChoice[],
  chosen: { choice: EndpointChoice | undefined; evidence: Evidence[] },
  printed: boolean,
): Alternative[] {
  const chosenEv = chosen.evidence;
  // Every connection of the trace that a capture shows going to this endpoint (never "not taken" for those).
  const takenBy = (endpointChoice: EndpointChoice) => {
    if (endpointChoice.ip === undefined) return [];
    const endpoint = endpointKey(endpointChoice.ip, endpointChoice.port);
    return ctx.b.connections
      .filter((connectionSummary) => connectionSummary.translated === endpoint)
      .map((connectionSummary) => connectionSummary.number);
  };
  let remaining = 1;
  return choices.map((endpointChoice) => {
    // iptables: the chance of reaching this jump times its own probability, always 1/n overall.
    const probability = endpointChoice.probability ?? 1;
    const share = printed ? remaining * probability : probability;
    remaining *= 1 - probability;
    const prob =
      endpointChoice.probability !== undefined
        ? printed
          ? iptablesPrintedProbability(endpointChoice.probability)
          : endpointChoice.probability.toFixed(10)
        : 'rest';
    const taken = takenBy(endpointChoice);
    const takenText = taken.length ? ` · taken by connection${taken.length > 1 ? 's' : ''} ${taken.join(', ')}` : '';
    const odds = endpointChoice.seenInCaptures ? 'seen in the captures' : `rule probability ${prob}`;
    return {
      label:
        `${endpointChoice.chain ?? 'endpoint'} → ` +
        `${endpointChoice.ip ?? endpointChoice.pod?.name ?? 'unknown address'}` +
        `${endpointChoice.port !== undefined ? `:${endpointChoice.port}` : ''}` +
        (endpointChoice.pod
          ? ` (${endpointChoice.pod.name}${endpointChoice.pod.predicted ? ', predicted' : ''})`
          : '') +
        `, ${odds}${takenText}`,
      probability: Number(share.toFixed(6)),
      chosen: chosen.choice === endpointChoice ? true : undefined,
      evidence: chosen.choice === endpointChoice ? [...endpointChoice.evidence, ...chosenEv] : endpointChoice.evidence,
    };
  });
}

/**
 * From the bridge (or node) to the DNAT: kube-proxy's rules for one Service port, in
 * the mode the node runs, with every endpoint as an alternative and the one the logs
 * show marked chosen. Services with no endpoints end in a reject step.
 */
export function proxyToEndpoint(ctx: TraceContext, hop: ProxyHop, hook = 'PREROUTING'): ProxyResult {
  const { mode, evidence: modeEv } = proxyMode(ctx);
  if (mode === 'ipvs') return viaIpvs(ctx, hop);
  if (mode === 'nftables') return viaNft(ctx, hop, modeEv);
  const { phase, from, node, svc, port } = hop;
  const spn = spnOf(svc, port);
  const vip = `${clusterIpText(svc)}:${port.port}`;

  const portal = servicePortalRule(ctx, svc, port);
  const svcChain = portal?.target ?? iptablesServiceChain('SVC', spn, port.protocol);
  const portalEv = portal
    ? portal.evidence
    : [
        derivedEvidence(
          `kube-proxy service chain = KUBE-SVC- + base32(sha256("${spn}" + "${port.protocol.toLowerCase()}"))[:16]`,
        ),
      ];
  const services = ctx.b.actor(netfilterActor(node, 'KUBE-SERVICES'));
  const svcId = ctx.b.actor(netfilterActor(node, svcChain));
  const { choices, problems } = endpointChoices(ctx, svc, port, portal ? svcChain : undefined);
  ctx.b.step(phase, {
    from,
    to: services,
    kind: 'nat',
    label: `nat ${hook} → KUBE-SERVICES`,
    explanation:
      `Every packet entering the node's nat ${hook} hook jumps to KUBE-SERVICES, where kube-proxy ` +
      'keeps one rule per Service IP and port. The ClusterIP is on no interface: it exists only ' +
      'as these rules.',
    evidence: portal ? portal.evidence : modeEv,
  });
  ctx.b.step(phase, {
    from: services,
    to: svcId,
    kind: 'nat',
    label: `dst ${vip}/${port.protocol} → ${svcChain}`,
    explanation:
      `The rule for ${spn} matches the destination ${vip} (${port.protocol} only) and jumps to ` +
      `the Service's chain.`,
    evidence: portalEv,
  });
  if (choices.length === 0) return reject(ctx, { ...hop, from: svcId }, problems, svcChain);
  return pickAndDnat(ctx, { ...hop, from: svcId }, { svcChain, choices, problems, vip, vipIp: svc.clusterIP });
}

/** What pickAndDnat chooses from and how it names the address being translated. */
interface DnatChoice {
  /** KUBE-SVC-… or KUBE-SVL-…: the chain holding the endpoint jumps. */
  svcChain: string;
  choices: EndpointChoice[];
  problems: string[];
  /** The address:port being translated, as labels show it. */
  vip: string;
  /** Its IP, to match captures and conntrack against. */
  vipIp: string | undefined;
}

/**
 * sessionAffinity ClientIP: the earlier connection of the trace from the same client address to the
 * same address, DNATed to the same endpoint within the affinity timeout. Its DNAT's `recent --set`
 * recorded the client, so this connection's `recent --rcheck` matched: affinity, not a random pick.
 * None (the first connection a capture shows, say): which of the two it was is unknown.
 */
function affinityPredecessor(
  ctx: TraceContext,
  { vip, target, seconds }: { vip: string; target: string; seconds: number },
): ConnectionSummary | undefined {
  const connection = ctx.connection;
  if (!connection || connection.start === undefined) return undefined;
  const start = connection.start;
  const clientIp = ipOf(connection.client);
  // The latest such connection: each DNAT of the endpoint refreshes the client's `recent` entry.
  return ctx.b.connections
    .filter(
      (summary) =>
        summary.start !== undefined &&
        summary.start < start &&
        summary.start >= start - seconds &&
        ipOf(summary.client) === clientIp &&
        summary.original === vip &&
        summary.translated === target,
    )
    .at(-1);
}

/** KUBE-SVC/KUBE-SVL → one KUBE-SEP (alternatives, the chosen one from the logs) → DNAT. */
function pickAndDnat(ctx: TraceContext, hop: ProxyHop, dnat: DnatChoice): ProxyResult {
  const { phase, from: svcId, node, svc, clientIp } = hop;
  const { svcChain, choices, problems, vip, vipIp } = dnat;
  const { choice, evidence: chosenEv } = chosenEndpoint(ctx, hop, choices, vipIp);
  const taken = choice ?? choices[0];
  const masq = chainRules(ctx, svcChain).find((natRule) => natRule.target === 'KUBE-MARK-MASQ');
  const affinity = chainRules(ctx, svcChain).filter((natRule) => natRule.recent);
  const sticky = svc.sessionAffinity === 'ClientIP' || affinity.length > 0;
  const affinitySeconds = svc.sessionAffinityTimeoutSeconds ?? 10800;
  const stuck =
    sticky && choice
      ? affinityPredecessor(ctx, {
          vip,
          target: endpointText(taken.ip ?? taken.pod?.name, taken.port),
          seconds: affinitySeconds,
        })
      : undefined;
  const sepId = ctx.b.actor(
    netfilterActor(node, taken.chain ?? `KUBE-SEP for ${taken.ip ?? taken.pod?.name ?? 'an unknown endpoint'}`),
  );
  ctx.b.step(phase, {
    from: svcId,
    to: sepId,
    kind: 'nat',
    label:
      choices.length > 1 && stuck
        ? `affinity: ${taken.chain ?? `the endpoint ${taken.pod?.name ?? taken.ip ?? 'nothing names'}`} ` +
          `(as connection ${stuck.number} from ${ipOf(stuck.client)})`
        : choices.length > 1
          ? `${sticky ? 'affinity or random' : 'random'} choice: ` +
            `${taken.chain ?? `the endpoint ${taken.pod?.name ?? taken.ip ?? 'nothing names'}`}` +
            `${choice ? '' : ' (one of ' + choices.length + ')'}`
          : taken.seenInCaptures
            ? `endpoint: ${taken.pod?.name ?? taken.ip ?? 'one nothing names'} (the only one the captures show)`
            : `only endpoint: ${taken.chain ?? taken.pod?.name ?? taken.ip ?? 'one nothing names'}`,
    explanation: [
      taken.seenInCaptures
        ? `Nothing pasted lists the endpoints of ${svc.name} (no EndpointSlice, selected pod or KUBE-SEP ` +
          'rule): these are the addresses the captured connections were DNATed to, and there may be more.'
        : '',
      masq
        ? `${masq.source?.negated ? `Sources outside ${masq.source.cidr}` : 'Matching sources'} are marked ` +
          'for masquerade first (' +
          `${clientIp && masq.source?.negated ? `${clientIp} is inside, so no SNAT` : 'KUBE-MARK-MASQ'}).`
        : '',
      taken.seenInCaptures
        ? ''
        : choices.length > 1
          ? `kube-proxy jumps to endpoint i of n with probability 1/(n−i), so each of the ${choices.length} ` +
            `endpoints gets 1/${choices.length} of new connections.`
          : 'A single endpoint: the jump is unconditional.',
      sticky
        ? `sessionAffinity ClientIP: a \`recent\` match (--rcheck --seconds ` +
          `${affinitySeconds}) sends later connections from the same client IP to ` +
          'the same endpoint before the random rules are consulted.'
        : '',
      stuck
        ? `Connection ${stuck.number} from the same client IP was DNATed to this endpoint ` +
          `${(ctx.connection!.start! - stuck.start!).toFixed(3)} s earlier, within the affinity timeout: ` +
          'its DNAT recorded the client (`recent --set`), so this one followed it.'
        : sticky && choice && choices.length > 1
          ? 'No earlier connection from this client IP is in the captures: a random pick, or affinity to a ' +
            'connection made before them.'
          : '',
      choice
        ? 'The logs show which one this connection took.'
        : 'Which one a given connection takes is random; no log shows it yet.',
    ]
      .filter(Boolean)
      .join(' '),
    evidence: [
      ...taken.evidence,
      ...(masq?.evidence ?? []),
      ...affinity.flatMap((natRule) => natRule.evidence),
      ...(sticky && !affinity.length ? svc.evidence : []),
      ...chosenEv,
      ...(stuck?.evidence ?? []),
    ],
    status: choice || taken.observedRule ? undefined : 'predicted',
    alternatives: alternatives(ctx, choices, { choice, evidence: chosenEv }, true),
  });
  if (!choice)
    ctx.b.need(
      `endpoint chosen for ${vip} unknown: ` +
        `${clientIp ? `capture with \`tcpdump -i any -n host ${clientIp}\` on the node` : 'capture on the node'}` +
        `, or run \`conntrack -L -d ${vipIp ?? vip}\``,
    );
  const target = endpointText(taken.ip ?? taken.pod?.name, taken.port);
  const dnatRule = taken.chain ? chainRules(ctx, taken.chain).find((natRule) => natRule.dnatTo) : undefined;
  const pair = ctx.corr.natPairs.find(
    (natPair) => natPair.direction === 'forward' && natPair.original === vip && natPair.translated === target,
  );
  ctx.b.step(phase, {
    from: sepId,
    to: sepId,
    kind: 'nat',
    label: `DNAT ${vip} → ${target}`,
    explanation:
      `${taken.chain ?? 'The endpoint chain'} rewrites the destination to the pod; conntrack ` +
      'remembers the translation so replies are rewritten back. Same source port and TCP sequence ' +
      'before and after: it is one connection.',
    nat: { type: 'DNAT', before: vip, after: target },
    evidence: [
      ...(dnatRule?.evidence ?? taken.evidence),
      ...(pair ? [...pair.before.evidence, ...pair.after.evidence] : []),
      ...(choice ? chosenEv : []),
    ],
    // The rule exists either way; that this connection was rewritten by it is only known when the chosen endpoint is.
    status:
      choice || pair || choices.length === 1
        ? pair || dnatRule || taken.observedRule || choice
          ? undefined
          : 'predicted'
        : 'predicted',
  });
  return {
    at: sepId,
    endpoint: taken,
    choices,
    problems,
    serviceChain: svcChain,
    chosenProven: !!choice || choices.length === 1,
  };
}

/**
 * NodePort: KUBE-SERVICES' last rule (dst-type LOCAL) → KUBE-NODEPORTS → KUBE-EXT-…;
 * Cluster policy marks for masquerade and uses KUBE-SVC-…, Local policy uses KUBE-SVL-…
 * (endpoints on this node only; none → dropped), then the usual endpoint DNAT.
 */
export function proxyNodePort(ctx: TraceContext, hop: ProxyHop, nodeAddr: string, hook = 'PREROUTING'): ProxyResult {
  const { phase, from, node, svc, port, clientIp } = hop;
  const spn = spnOf(svc, port);
  const local = svc.externalTrafficPolicy === 'Local';
  const rules = ctx.model.all('NatRule');
  const toNodePorts = rules.find((natRule) => natRule.chain === 'KUBE-SERVICES' && natRule.target === 'KUBE-NODEPORTS');
  const npRule = rules.find(
    (natRule) =>
      natRule.chain === 'KUBE-NODEPORTS' && natRule.dport === port.nodePort && natRule.target.startsWith('KUBE-EXT-'),
  );
  const extChain = npRule?.target ?? iptablesServiceChain('EXT', spn, port.protocol);
  const services = ctx.b.actor(netfilterActor(node, 'KUBE-SERVICES'));
  const nodePorts = ctx.b.actor(netfilterActor(node, 'KUBE-NODEPORTS'));
  const ext = ctx.b.actor(netfilterActor(node, extChain));
  const derived = (why: string) => [derivedEvidence(why)];
  ctx.b.step(phase, {
    from,
    to: services,
    kind: 'nat',
    label: `nat ${hook} → KUBE-SERVICES`,
    explanation:
      `No ClusterIP rule matches ${nodeAddr}; the chain's last rule sends traffic for the node's ` +
      'own addresses (dst-type LOCAL) to KUBE-NODEPORTS.' +
      (hook === 'OUTPUT' ? ' The node sent it itself, so nat OUTPUT, not PREROUTING, sends it there.' : ''),
    evidence:
      toNodePorts?.evidence ??
      derived('kube-proxy: the last KUBE-SERVICES rule jumps to KUBE-NODEPORTS for local destinations'),
  });
  ctx.b.step(phase, {
    from: services,
    to: nodePorts,
    kind: 'nat',
    label: 'dst-type LOCAL → KUBE-NODEPORTS',
    explanation: 'Every node address accepts every NodePort.',
    evidence: toNodePorts?.evidence ?? derived('addrtype --dst-type LOCAL'),
  });
  ctx.b.step(phase, {
    from: nodePorts,
    to: ext,
    kind: 'nat',
    label: `dport ${port.nodePort}/${port.protocol} → ${extChain}`,
    explanation: `The NodePort rule of ${spn} jumps to its external chain.`,
    evidence:
      npRule?.evidence ?? derived(`KUBE-EXT- + base32(sha256("${spn}" + "${port.protocol.toLowerCase()}"))[:16]`),
  });
  const extRules = rules.filter((natRule) => natRule.chain === extChain);
  // kube-proxy short-circuits pod-sourced traffic (-s clusterCIDR) to the cluster-wide chain even with Local policy.
  const podShortcut =
    local && clientIp
      ? extRules.find(
          (natRule) =>
            natRule.target.startsWith('KUBE-SVC-') &&
            natRule.source &&
            !natRule.source.negated &&
            cidrContains(natRule.source.cidr, clientIp),
        )
      : undefined;
  const inner =
    local && !podShortcut
      ? (extRules.find((natRule) => natRule.target.startsWith('KUBE-SVL-'))?.target ??
        iptablesServiceChain('SVL', spn, port.protocol))
      : (extRules.find((natRule) => natRule.target.startsWith('KUBE-SVC-'))?.target ??
        iptablesServiceChain('SVC', spn, port.protocol));
  const chosen = endpointChoices(ctx, svc, port, rules.some((natRule) => natRule.chain === inner) ? inner : undefined);
  const problems = chosen.problems;
  let choices = chosen.choices;
  if (local && !podShortcut && !rules.some((natRule) => natRule.chain === inner))
    choices = choices.filter(
      (endpointChoice) =>
        (endpointChoice.pod?.nodeName ??
          ctx.model.endpointsOf(svc).find((entry) => entry.endpoint.addresses.includes(endpointChoice.ip ?? ''))
            ?.endpoint.nodeName) === node,
    );
  // A node with no local endpoint has no KUBE-SVL jump in KUBE-EXT: external traffic falls through
  // the nat table undrawn, and filter's KUBE-EXTERNAL-SERVICES drops it.
  if (local && !podShortcut && !choices.length) return dropWithoutLocalEndpoint(ctx, hop, { ext, problems });
  const innerId = ctx.b.actor(netfilterActor(node, inner));
  const masq = extRules.find((natRule) => natRule.target === 'KUBE-MARK-MASQ' && !natRule.text.includes('LOCAL'));
  ctx.b.step(phase, {
    from: ext,
    to: innerId,
    kind: 'nat',
    label: podShortcut
      ? `pod source ${clientIp ?? 'address'} → ${inner} (cluster-wide)`
      : local
        ? `externalTrafficPolicy Local → ${inner}`
        : `KUBE-MARK-MASQ, then ${inner}`,
    explanation: podShortcut
      ? 'externalTrafficPolicy: Local applies to external clients only: traffic from pods (' +
        `${podShortcut.source!.cidr}) is sent to the cluster-wide ${inner}, so any endpoint may be chosen, ` +
        'without masquerade.'
      : local
        ? `externalTrafficPolicy: Local: only endpoints on ${node} are candidates and the packet is not ` +
          `marked for masquerade, so the pod sees the client's own source IP.`
        : `externalTrafficPolicy: Cluster: the packet is marked for masquerade (the pod will see ${node}'s ` +
          'address, the client IP is lost) and any endpoint in the cluster may be chosen.',
    evidence: [
      ...(podShortcut
        ? [podShortcut]
        : local
          ? extRules.filter((natRule) => natRule.target === inner)
          : [masq, extRules.find((natRule) => natRule.target === inner)]
      )
        .filter((natRule): natRule is NonNullable<typeof natRule> => !!natRule)
        .flatMap((natRule) => natRule.evidence),
      ...svc.evidence,
    ],
  });
  if (!choices.length) {
    const drop = ctx.b.actor(netfilterActor(node, 'KUBE-SERVICES (filter)'));
    ctx.b.step(phase, {
      from: innerId,
      to: drop,
      kind: 'reject',
      label: `REJECT: ${svc.name} has no endpoints`,
      explanation: 'No endpoint anywhere.',
      evidence: svc.evidence,
    });
    return { choices, problems, serviceChain: inner };
  }
  return pickAndDnat(
    ctx,
    { ...hop, from: innerId },
    { svcChain: inner, choices, problems, vip: endpointText(nodeAddr, port.nodePort), vipIp: nodeAddr },
  );
}

/**
 * externalTrafficPolicy Local on a node without a ready endpoint of the Service: kube-proxy writes
 * no KUBE-SVL jump there, so nothing in the nat table translates the packet, and filter's
 * KUBE-EXTERNAL-SERVICES drops it ("has no local endpoints").
 */
function dropWithoutLocalEndpoint(
  ctx: TraceContext,
  hop: ProxyHop,
  { ext, problems }: { ext: string; problems: string[] },
): ProxyResult {
  const { phase, node, svc, port } = hop;
  const dropRule = ctx.model
    .all('NatRule')
    .find((natRule) => natRule.dport === port.nodePort && isLocalEndpointDrop(natRule, namespacedName(svc)));
  const drop = ctx.b.actor(netfilterActor(node, 'KUBE-EXTERNAL-SERVICES (filter)'));
  ctx.b.step(phase, {
    from: ext,
    to: drop,
    kind: 'reject',
    label: `DROP: no local endpoint of ${svc.name} on ${node}`,
    explanation:
      `externalTrafficPolicy: Local and no ready endpoint of ${svc.name} on ${node}: its external chain has ` +
      "no rule for traffic from outside (no KUBE-SVL jump), so no DNAT happens, and the filter table's " +
      'KUBE-EXTERNAL-SERVICES rule "has no local endpoints" drops the packet (the load balancer health check ' +
      'fails on this node).',
    evidence: [...(dropRule?.evidence ?? []), ...svc.evidence],
  });
  return { choices: [], problems, serviceChain: ext };
}

/**
 * No endpoint to choose: a REJECT when the rules or an empty EndpointSlice prove it;
 * otherwise the endpoints are simply unknown, and the flow says what would show them.
 */
function reject(ctx: TraceContext, hop: ProxyHop, problems: string[], chain: string): ProxyResult {
  const { phase, from, node, svc, port } = hop;
  const rule = ctx.model
    .all('NatRule')
    .find((natRule) => natRule.target === 'REJECT' && (natRule.comment ?? natRule.text).includes(namespacedName(svc)));
  const slices = ctx.model.slicesOf(svc);
  const knownEmpty =
    slices.length > 0 &&
    slices.every((endpointSlice) => endpointSlice.endpoints.every((endpoint) => endpoint.ready === false)) &&
    ctx.model.podsSelectedBy(svc).every((pod) => !pod.ip);
  // Only a REJECT rule, an empty EndpointSlice or a targetPort no container has proves "no endpoints";
  // a selector matching none of the pods pasted may just mean the pods were not pasted.
  if (!rule && !knownEmpty && !problems.some((problem) => problem.includes('is not the name'))) {
    const unknownId = ctx.b.actor(netfilterActor(node, `${chain} (endpoints unknown)`));
    ctx.b.step(phase, {
      from,
      to: unknownId,
      kind: 'note',
      label: `endpoints of ${namespacedName(svc)} unknown`,
      explanation: `Nothing pasted shows the pods behind ${svc.name}, so the DNAT target cannot be named.`,
      evidence: [derivedEvidence('no EndpointSlice, selected pod or KUBE-SEP rule for this Service')],
    });
    ctx.b.need(
      `endpoints of ${namespacedName(svc)} unknown: run \`kubectl get endpointslices ` +
        `-n ${namespaceOf(svc)} -l kubernetes.io/service-name=${svc.name}\` or \`iptables -t nat ` +
        `-L ${chain} -n\``,
    );
    return { choices: [], problems, serviceChain: chain };
  }
  const rj = ctx.b.actor(netfilterActor(node, 'KUBE-SERVICES (filter)'));
  ctx.b.step(phase, {
    from,
    to: rj,
    kind: 'reject',
    label: `REJECT: ${namespacedName(svc)} has no endpoints`,
    explanation:
      `With no ready endpoint kube-proxy installs a filter-table REJECT for ${clusterIpText(svc)}:` +
      `${port.port}: the client gets ICMP port unreachable (TCP: connection refused) at once. ` +
      `${problems.join('; ')}`,
    evidence: rule
      ? rule.evidence
      : [
          ...svc.evidence,
          ...slices.flatMap((endpointSlice) => endpointSlice.evidence),
          derivedEvidence('kube-proxy rejects traffic to Services without endpoints'),
        ],
  });
  return { choices: [], problems, serviceChain: chain, rejected: true };
}

function viaIpvs(ctx: TraceContext, hop: ProxyHop): ProxyResult {
  const { phase, from, node, svc, port } = hop;
  const vs = ctx.model
    .all('IpvsVirtualServer')
    .find(
      (server) => server.address === svc.clusterIP && server.port === port.port && server.protocol === port.protocol,
    );
  const name = `${port.protocol} ${clusterIpText(svc)}:${port.port}`;
  const ipvs = ctx.b.actor(ipvsActor(node, name));
  let choices: EndpointChoice[];
  let problems: string[] = [];
  if (vs) {
    const total = vs.realServers.reduce((sum, real) => sum + real.weight, 0) || 1;
    choices = vs.realServers.map((real) => ({
      ip: real.address,
      port: real.port,
      pod: podByIp(ctx, real.address),
      chain: `real server ${real.address}:${real.port}`,
      probability: real.weight / total,
      evidence: vs.evidence,
      observedRule: true,
    }));
  } else {
    ({ choices, problems } = endpointChoices(ctx, svc, port));
    choices = choices.map((endpointChoice) => ({
      ...endpointChoice,
      chain: `real server ${endpointText(endpointChoice.ip ?? endpointChoice.pod?.name, endpointChoice.port)}`,
      probability: 1 / (choices.length || 1),
    }));
  }
  ctx.b.step(phase, {
    from,
    to: ipvs,
    kind: 'nat',
    label: `${clusterIpText(svc)} is local (kube-ipvs0) → IPVS ${name}${vs ? ` ${vs.scheduler}` : ''}`,
    explanation:
      'In IPVS mode kube-proxy binds every ClusterIP to the dummy interface kube-ipvs0, so the node accepts ' +
      'the packet and the IPVS virtual server picks a real server (round robin by default).',
    evidence: vs
      ? vs.evidence
      : [...svc.evidence, derivedEvidence('ipvs mode: one virtual server per Service IP and port')],
  });
  if (!choices.length) return reject(ctx, { ...hop, from: ipvs }, problems, name);
  const { choice, evidence: chosenEv } = chosenEndpoint(ctx, hop, choices);
  const taken = choice ?? choices[0];
  const target = endpointText(taken.ip ?? taken.pod?.name, taken.port);
  ctx.b.step(phase, {
    from: ipvs,
    to: ipvs,
    kind: 'nat',
    label: `DNAT ${clusterIpText(svc)}:${port.port} → ${target}`,
    explanation:
      'IPVS (masquerading forward) rewrites the destination to the real server; ' +
      `${vs?.scheduler ?? 'rr'} spreads connections by weight.`,
    nat: { type: 'DNAT', before: `${clusterIpText(svc)}:${port.port}`, after: target },
    evidence: [...taken.evidence, ...chosenEv],
    alternatives: alternatives(ctx, choices, { choice, evidence: chosenEv }, false),
    status: choice || choices.length === 1 ? undefined : 'predicted',
  });
  return {
    at: ipvs,
    endpoint: taken,
    choices,
    problems,
    serviceChain: name,
    chosenProven: !!choice || choices.length === 1,
  };
}

function viaNft(ctx: TraceContext, hop: ProxyHop, modeEv: Evidence[]): ProxyResult {
  const { phase, from, node, svc, port } = hop;
  const portName = port.name ?? '';
  const servicePort = { namespace: namespaceOf(svc), name: svc.name, protocol: port.protocol, portName };
  const predictedChain = nftServiceChain('service', servicePort);
  const el = ctx.model
    .all('NftMapElement')
    .find(
      (element) =>
        element.map === 'service-ips' && element.key[0] === svc.clusterIP && element.key[2] === String(port.port),
    );
  const svcChain = el ? el.verdict.replace(/^(goto|jump)\s+/, '') : predictedChain;
  const services = ctx.b.actor(netfilterActor(node, 'services (service-ips map)'));
  const svcId = ctx.b.actor(netfilterActor(node, svcChain));
  ctx.b.step(phase, {
    from,
    to: services,
    kind: 'nat',
    label: 'nat prerouting → services',
    explanation: 'nftables mode: table ip kube-proxy looks the destination up in the service-ips verdict map.',
    evidence: modeEv,
  });
  ctx.b.step(phase, {
    from: services,
    to: svcId,
    kind: 'nat',
    label: `${clusterIpText(svc)} . ${port.protocol.toLowerCase()} . ${port.port} → ${svcChain}`,
    explanation: 'One map element per Service IP, protocol and port.',
    evidence: el
      ? el.evidence
      : [
          derivedEvidence(
            `nftables service chain name = hash prefix + ${namespacedName(svc)}/` +
              `${port.protocol.toLowerCase()}/${portName}`,
          ),
        ],
  });
  const { choices: base, problems } = endpointChoices(ctx, svc, port);
  const rule = ctx.model.all('NftRule').find((nftRule) => nftRule.chain === svcChain && nftRule.endpointChains?.length);
  const choices: EndpointChoice[] = rule?.endpointChains
    ? rule.endpointChains.map((chain) => {
        const nftRule = ctx.model.all('NftRule').find((candidate) => candidate.chain === chain && candidate.dnatTo);
        return {
          ip: nftRule?.dnatTo?.ip,
          port: nftRule?.dnatTo?.port,
          pod: podByIp(ctx, nftRule?.dnatTo?.ip),
          chain: chain,
          probability: 1 / rule.endpointChains!.length,
          evidence: [...rule.evidence, ...(nftRule?.evidence ?? [])],
          observedRule: true,
        };
      })
    : base.map((endpointChoice) => ({
        ...endpointChoice,
        chain:
          endpointChoice.ip && endpointChoice.port !== undefined
            ? nftEndpointChain(servicePort, { ip: endpointChoice.ip, port: endpointChoice.port })
            : undefined,
        probability: 1 / (base.length || 1),
      }));
  if (!choices.length) return reject(ctx, { ...hop, from: svcId }, problems, svcChain);
  const { choice, evidence: chosenEv } = chosenEndpoint(ctx, hop, choices);
  const taken = choice ?? choices[0];
  const epId = ctx.b.actor(netfilterActor(node, taken.chain ?? 'endpoint-?'));
  const target = endpointText(taken.ip ?? taken.pod?.name, taken.port);
  ctx.b.step(phase, {
    from: svcId,
    to: epId,
    kind: 'nat',
    label: `numgen random mod ${choices.length} → ${taken.chain ?? taken.pod?.name ?? 'an endpoint nothing names'}`,
    explanation: 'nftables mode picks the endpoint with one numgen random vmap: each endpoint has an equal share.',
    evidence: [...taken.evidence, ...chosenEv],
    alternatives: alternatives(ctx, choices, { choice, evidence: chosenEv }, false),
  });
  ctx.b.step(phase, {
    from: epId,
    to: epId,
    kind: 'nat',
    label: `DNAT ${clusterIpText(svc)}:${port.port} → ${target}`,
    nat: { type: 'DNAT', before: `${clusterIpText(svc)}:${port.port}`, after: target },
    explanation: 'The endpoint chain rewrites the destination; conntrack reverses it for replies.',
    evidence: [...taken.evidence, ...chosenEv],
    status: choice || choices.length === 1 ? undefined : 'predicted',
  });
  return {
    at: epId,
    endpoint: taken,
    choices,
    problems,
    serviceChain: svcChain,
    chosenProven: !!choice || choices.length === 1,
  };
}

/** Packets of the connection as the client sees it (to the virtual address). */
export function clientSidePackets(
  ctx: TraceContext,
  clientIp: string | undefined,
  vip: string | undefined,
  port: number,
): Packet[] {
  return ctx.packets.filter(
    (packet) =>
      clientIp &&
      vip &&
      ((packet.src?.ip === clientIp && packet.dst?.ip === vip && packet.dst?.port === port) ||
        (packet.src?.ip === vip && packet.dst?.ip === clientIp && packet.src?.port === port)),
  );
}
