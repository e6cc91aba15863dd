import {
  derivedEvidence,
  searchExpansion,
  withRole,
  type DnsLookup,
  type Evidence,
  type Packet,
  type Pod,
  type Service,
} from '../../model';
import { dnsActor, podActor } from '../actors';
import { capturedOn, nodeOf, withPackets, type TraceContext } from '../context';
import { connectionPackets, connectionsAmong, type Connection } from '../correlate/connections';
import { dnsQuestions, printedQuestion, type DnsQuestion } from '../correlate/dnsQuestions';
import { resolverOf } from '../resolve';
import { podByIp } from './endpoints';
import { podToBridge } from './localHops';
import { proxyToEndpoint } from './serviceProxy';

const norm = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** What the client asked and what came back, as the DNS phase worked it out. */
export interface DnsOutcome {
  /** The name that answered. */
  name?: string;
  answers: string[];
  /** Names tried first that failed (NXDOMAIN), in order. */
  failed: string[];
  /** True when a log proved the answer. */
  observed: boolean;
}

/** The kube-dns Service, or a stand-in built from the nameserver address (rules and resolv.conf name it). */
function kubeDnsService(ctx: TraceContext, nameserver: string | undefined): Service | undefined {
  const svc =
    ctx.model.findService('kube-dns', 'kube-system') ??
    ctx.model.services.find((service) => service.clusterIP === nameserver);
  if (svc) return svc;
  if (!nameserver) return undefined;
  return {
    kind: 'Service',
    name: 'kube-dns',
    namespace: 'kube-system',
    clusterIP: nameserver,
    ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }],
    evidence: [
      derivedEvidence(
        `kubeadm names the cluster DNS Service kube-system/kube-dns; its ClusterIP is the pods' nameserver ` +
          `${nameserver}`,
      ),
    ],
  };
}

function lookupsFor(ctx: TraceContext, name: string): DnsLookup[] {
  return ctx.model.all('DnsLookup').filter((dnsLookup) => norm(dnsLookup.question.name) === norm(name));
}

/** One DNS exchange of the client: its query and answer, every NAT version and interface. */
interface DnsExchange {
  name: string;
  packets: Packet[];
  start?: number;
  /** The exchange as a connection: its sightings keep where they were captured. */
  connection: Connection;
}

/**
 * The client's own DNS exchanges before the flow's connection (all of them when the flow has
 * none), newest last: only these may prove the DNS phase of this flow. Another pod's lookup of
 * the same name, or a lookup after the connection, proves nothing about it.
 */
function clientExchanges(ctx: TraceContext, clientIp: string | undefined): DnsExchange[] {
  if (!clientIp) return [];
  const before = ctx.connection?.start;
  return allClientExchanges(ctx, clientIp).filter(
    (dnsExchange) => before === undefined || dnsExchange.start === undefined || dnsExchange.start <= before,
  );
}

/** Every DNS exchange of a client among the trace's packets, computed once per packet list and client. */
const exchangesByList = new WeakMap<readonly Packet[], Map<string, DnsExchange[]>>();

function allClientExchanges(
  ctx: Pick<TraceContext, 'allPackets' | 'connections' | 'siteOf'>,
  clientIp: string,
): DnsExchange[] {
  let byClient = exchangesByList.get(ctx.allPackets);
  if (!byClient) exchangesByList.set(ctx.allPackets, (byClient = new Map<string, DnsExchange[]>()));
  const known = byClient.get(clientIp);
  if (known) return known;
  const mine = ctx.allPackets.filter((packet) => {
    const frame = packet.inner?.dns ? packet.inner : packet;
    if (!frame.dns) return false;
    return frame.dns.response ? frame.dst?.ip === clientIp : frame.src?.ip === clientIp;
  });
  // Queries print their question: answers are paired with their queries only when an exchange's
  // first packet with a question is an answer (dnsQuestions' own answer for a query is its question).
  let paired: ((packet: Packet) => DnsQuestion | undefined) | undefined;
  const question = (frame: Packet): DnsQuestion | undefined =>
    printedQuestion(frame) ?? (paired ??= dnsQuestions(mine))(frame);
  const out: DnsExchange[] = [];
  // An exchange keeps its packets and start, not where they were captured: no sites to look up. The
  // trace's own connections hold them when it rebuilt them (a 400,000-line capture's 104,000 DNS lines
  // were rebuilt again here: 150–600 ms).
  for (const exchange of connectionsAmong(mine, ctx.connections, ctx.siteOf)) {
    let asked: DnsQuestion | undefined;
    for (const sighting of exchange.sightings) if ((asked = question(sighting.frame))) break;
    if (asked)
      out.push({
        name: norm(asked.name),
        packets: connectionPackets(exchange),
        start: exchange.start,
        connection: exchange,
      });
  }
  byClient.set(clientIp, out);
  return out;
}

/**
 * Whether the client asked `typed` (or a search-list name made from it) after `after` (capture clock)
 * and got no answer: a lookup that failed after the connections the capture shows, which none of
 * their flows draws (each draws only the lookups before it).
 */
export function unansweredLookupAfter(
  ctx: Pick<TraceContext, 'allPackets' | 'connections' | 'siteOf'>,
  clientIp: string,
  typed: string,
  after: number,
): boolean {
  const wanted = norm(typed);
  return allClientExchanges(ctx, clientIp).some(
    (exchange) =>
      (exchange.name === wanted || exchange.name.startsWith(`${wanted}.`)) &&
      exchange.start !== undefined &&
      exchange.start > after &&
      exchangePackets(exchange, true).length === 0,
  );
}

/** The client's latest exchange about `name` (before the connection). */
function exchangeFor(exchanges: readonly DnsExchange[], name: string): DnsExchange | undefined {
  const wanted = norm(name);
  return exchanges.filter((dnsExchange) => dnsExchange.name === wanted).at(-1);
}

/**
 * The address a client's DNS queries went to as it sent them: its query leaving its own veth (or
 * from a capture inside it), before any DNAT; else the first query captured.
 */
function nameserverAsked(exchanges: readonly DnsExchange[], clientIp: string | undefined): string | undefined {
  const queries = exchanges
    .flatMap((exchange) => exchangePackets(exchange, false))
    .filter((packet) => packet.src?.ip === clientIp && packet.dst?.port === 53);
  const asSent = queries.find((packet) => packet.interface?.startsWith('veth') || packet.interface === 'eth0');
  return (asSent ?? queries[0])?.dst?.ip;
}

/** Queries or answers of one exchange, in capture order. */
function exchangePackets(exchange: DnsExchange | undefined, response: boolean): Packet[] {
  return (exchange?.packets ?? []).filter((packet) => packet.dns?.response === response);
}

/**
 * The DNS phase of a flow: resolv.conf, the search-list expansion (names that fail
 * first), the query through the kube-dns ClusterIP to one CoreDNS pod, and the answer.
 * `expected` is what the model says the name should resolve to.
 */
export function dnsPhase(
  ctx: TraceContext,
  client: Pod | undefined,
  typed: string,
  expected: { answers: string[]; cname?: string; why: string; evidence: Evidence[] },
): DnsOutcome {
  const phase = ctx.b.phase('DNS');
  const declared = resolverOf(ctx.model, client);
  const clientId = client
    ? ctx.b.actor(podActor(client))
    : ctx.b.actor({ id: 'client', kind: 'external', name: 'client' });
  const names = searchExpansion(typed, declared.search, declared.ndots);
  const dots = (typed.match(/\./g) ?? []).length;
  const exchanges = clientExchanges(ctx, client?.ip);
  const answered = (name: string) =>
    exchangePackets(exchangeFor(exchanges, name), true).some((packet) => (packet.dns?.answers?.length ?? 0) > 0);
  const hitIndex = names.findIndex(
    (name) =>
      ctx.model.byDnsName(name) ||
      lookupsFor(ctx, name).some((dnsLookup) => dnsLookup.answers.length) ||
      answered(name),
  );
  // The first name asked and never answered (up to the one that exists): the resolver stops there.
  const asked = (name: string) => exchangePackets(exchangeFor(exchanges, name), false).length > 0;
  const silentIndex = names.findIndex(
    (name, index) =>
      (hitIndex < 0 || index <= hitIndex) && asked(name) && !exchangePackets(exchangeFor(exchanges, name), true).length,
  );
  const silent = silentIndex >= 0 ? exchangeFor(exchanges, names[silentIndex]) : undefined;
  const hit = silent ?? (hitIndex >= 0 ? exchangeFor(exchanges, names[hitIndex]) : undefined);
  // No resolv.conf or kube-dns Service pasted: the address the client's own query went to is its nameserver.
  const askedServer = declared.nameserver ? undefined : nameserverAsked(exchanges, client?.ip);
  const resolver = askedServer ? { ...declared, nameserver: askedServer } : declared;
  const failed = silent ? names.slice(0, silentIndex) : hitIndex > 0 ? names.slice(0, hitIndex) : [];
  const name = hitIndex >= 0 ? names[hitIndex] : undefined;
  ctx.dns.push({ typed, failed, ndots: resolver.ndots, configEvidence: resolver.config?.evidence ?? [] });
  // A node as the client resolves with its own /etc/resolv.conf, which kubelet never writes.
  const nodeClient = client?.hostNetwork && client.name === client.nodeName && !resolver.config ? client : undefined;
  const expansion =
    `'${typed}' has ${dots} dot(s)` +
    (typed.endsWith('.')
      ? ' and a trailing dot, so it is tried as is'
      : `, ${dots >= resolver.ndots ? 'at least' : 'fewer than'} ndots:${resolver.ndots}`) +
    `: the resolver tries ${names.join(', ')} in that order.`;
  ctx.b.step(phase, {
    from: clientId,
    to: clientId,
    kind: 'note',
    label: nodeClient
      ? `resolv.conf of ${nodeClient.name}: not pasted (a node's own, not the pods')`
      : `resolv.conf: nameserver ${resolver.nameserver ?? 'unknown'}, search ${resolver.search.join(' ')}` +
        `, ndots:${resolver.ndots}`,
    explanation: nodeClient
      ? `${nodeClient.name} resolves with its own /etc/resolv.conf: '${typed}' reaches the cluster DNS only if ` +
        `that file names it (${resolver.nameserver ?? 'the kube-dns ClusterIP'}) and a search list like the ` +
        `pods'. With the pods' list: ${expansion}`
      : expansion,
    evidence: resolver.config
      ? resolver.config.evidence
      : [
          derivedEvidence(
            nodeClient
              ? "kubelet writes resolv.conf for pods only; a node's /etc/resolv.conf is its own"
              : `kubelet writes this resolv.conf for ClusterFirst pods (search ${resolver.search.join(' ')}, ndots:5)`,
          ),
        ],
  });
  if (nodeClient)
    ctx.b.need(`resolver of ${nodeClient.name} unknown: run \`cat /etc/resolv.conf\` on ${nodeClient.name}`);
  else if (!resolver.nameserver)
    ctx.b.need(
      `cluster DNS address unknown: run \`cat /etc/resolv.conf\` in ${client?.name ?? 'the client pod'} or ` +
        `\`kubectl -n kube-system get svc kube-dns\``,
    );
  const svc = kubeDnsService(ctx, resolver.nameserver);
  const node = client ? nodeOf(ctx, client) : 'node';
  const coreDns = (ip?: string) => dnsActor(podByIp(ctx, ip), `CoreDNS (${resolver.nameserver ?? 'kube-dns'})`);
  let dnsId = ctx.b.actor(coreDns(undefined));
  if (svc && client) {
    // resolv.conf's nameserver is always asked on port 53; kube-dns names that port `dns`.
    const port = svc.ports.find((servicePort) => servicePort.protocol === 'UDP' && servicePort.port === 53) ?? {
      name: 'dns',
      protocol: 'UDP' as const,
      port: 53,
      targetPort: 53,
    };
    const query = (packet: Packet) =>
      packet.protocol === 'udp' &&
      packet.src?.ip === client.ip &&
      packet.dst?.ip === svc.clusterIP &&
      packet.dst?.port === 53;
    // The query's own hops are proven by the exchange that got the answer, nothing else.
    const res = withPackets(ctx, hit?.packets ?? [], () => {
      const { at } = podToBridge(ctx, phase, client, {
        match: query,
        label: `DNS query to ${svc.clusterIP ?? resolver.nameserver ?? 'kube-dns'}:53/UDP`,
        kind: 'dns-query',
      });
      const hook = client.hostNetwork ? 'OUTPUT' : 'PREROUTING';
      return proxyToEndpoint(ctx, { phase, from: at, node, svc, port, clientIp: client.ip }, hook);
    });
    if (res.endpoint) {
      dnsId = ctx.b.actor(coreDns(res.endpoint.ip));
      const endpoint = res.endpoint;
      // A query never answered is drawn reaching CoreDNS only by a line that shows it going into the pod.
      const delivered = silent ? deliveredTo(silent, endpoint.ip) : [];
      const evidence = silent
        ? [...endpoint.evidence.filter((item) => withRole(item).role !== 'packet'), ...delivered]
        : endpoint.evidence;
      const draw = () =>
        ctx.b.step(phase, {
          from: res.at!,
          to: dnsId,
          kind: 'dns-query',
          label: `to CoreDNS ${endpoint.ip ?? ''}:${endpoint.port ?? 53}`,
          explanation: "The translated query crosses cni0 and the CoreDNS pod's veth like any pod-to-pod packet.",
          evidence,
          status: res.chosenProven && (!silent || delivered.length) ? undefined : 'predicted',
        });
      if (silent) ctx.b.withScope(silent.packets, draw);
      else draw();
    }
  }
  for (const failedName of failed) {
    const exchange = exchangeFor(exchanges, failedName);
    const ans = exchangePackets(exchange, true);
    const lk = lookupsFor(ctx, failedName);
    ctx.b.withScope(exchange?.packets ?? [], () =>
      ctx.b.step(phase, {
        from: clientId,
        to: dnsId,
        kind: 'dns-query',
        label: `A? ${failedName} → NXDOMAIN`,
        explanation:
          'Search-list candidate tried before the name that exists; CoreDNS answers NXDOMAIN and ' +
          'the resolver moves on.',
        dns: { question: failedName, answers: [], rcode: 'NXDOMAIN' },
        // the first query and the first answer: -i any prints each of them once per interface
        evidence: [
          ...[...exchangePackets(exchange, false).slice(0, 1), ...ans.slice(0, 1)].flatMap((packet) => packet.evidence),
          ...lk.flatMap((dnsLookup) => dnsLookup.evidence),
          derivedEvidence(`searchExpansion('${typed}', search, ndots:${resolver.ndots})`),
        ],
      }),
    );
  }
  if (silent) {
    ctx.dns.at(-1)!.unanswered = unansweredName(ctx, {
      phase,
      from: dnsId,
      to: clientId,
      name: names[silentIndex],
      exchange: silent,
    });
    return { answers: [], failed, observed: false };
  }
  if (!name) {
    unresolvedName(ctx, { phase, from: dnsId, to: clientId, typed, names, exchanges });
    ctx.dns.at(-1)!.unresolved = names;
    ctx.b.need(`no cluster DNS name matches '${typed}': check the Service name and namespace`);
    return { answers: [], failed: names, observed: false };
  }
  const lookups = lookupsFor(ctx, name);
  const observedAnswers = lookups.flatMap((dnsLookup) =>
    dnsLookup.answers
      .filter((dnsAnswer) => dnsAnswer.type === 'A' || dnsAnswer.type === 'AAAA' || dnsAnswer.type === 'CNAME')
      .map((dnsAnswer) => dnsAnswer.data),
  );
  // The answer as the client received it: from the nameserver it asked (un-DNATed), on its own node.
  const responses = exchangePackets(hit, true).filter((packet) => packet.dns?.answers?.length);
  const asReceived = (packet: Packet) => !resolver.nameserver || packet.src?.ip === resolver.nameserver;
  const pkt =
    responses.find((packet) => asReceived(packet) && (!client || capturedOn(ctx, packet, node))) ??
    responses.find(asReceived) ??
    responses[0];
  const packetAnswers = pkt?.dns?.answers?.map((answer) => answer.data) ?? [];
  const seen = [...new Set([...observedAnswers, ...packetAnswers])].map(norm);
  const expectedSet = new Set([...expected.answers, ...(expected.cname ? [expected.cname] : [])].map(norm));
  const logEv = [...lookups.flatMap((dnsLookup) => dnsLookup.evidence), ...(pkt?.evidence ?? [])];
  const proven = pkt !== undefined;
  const contradiction = seen.length > 0 && expectedSet.size > 0 && !seen.some((address) => expectedSet.has(address));
  // The client's own answer (its capture) comes first: a dig by hand may have got another order.
  const answers = seen.length
    ? [...new Set([...packetAnswers, ...observedAnswers])]
    : expected.cname
      ? [expected.cname]
      : expected.answers;
  ctx.b.withScope(hit?.packets ?? [], () =>
    ctx.b.step(phase, {
      from: dnsId,
      to: clientId,
      kind: 'dns-answer',
      label: `${name} → ${answers.join(', ') || 'an address nothing shows'}`,
      explanation: contradiction
        ? `The log answers ${seen.join(', ')} but ${expected.why} (${[...expectedSet].join(', ')}): stale ` +
          'record, another cluster, or a different Service.'
        : `${expected.why}. The reply leaves CoreDNS from its pod IP; conntrack rewrites the source back to ` +
          `${resolver.nameserver ?? 'the kube-dns ClusterIP'} so the resolver accepts it.`,
      dns: { question: name, answers, rcode: 'NOERROR' },
      nat: resolver.nameserver
        ? { type: 'un-DNAT', before: 'CoreDNS pod IP:53', after: `${resolver.nameserver}:53` }
        : undefined,
      evidence: [...logEv, ...expected.evidence],
      // Only this client's answer in a capture makes it observed (the builder's scope); a dig or
      // nslookup by hand shows what the server answers, not this flow's answer.
      status: contradiction ? 'contradicted' : undefined,
    }),
  );
  if (!proven && !logEv.length)
    ctx.b.need(
      nodeClient
        ? `DNS answer for ${name} not observed: run \`nslookup ${name}\` on ${nodeClient.name}`
        : `DNS answer for ${name} not observed: run \`kubectl exec ${client?.name ?? 'POD'} -- nslookup ${name}\``,
    );
  return { name, answers, failed, observed: proven };
}

/**
 * No name of the search list resolved: when the client's own exchanges or a lookup by hand show
 * NXDOMAIN, the answer step says so (contradicted): the flow stops here and no connection follows.
 */
function unresolvedName(
  ctx: TraceContext,
  request: {
    phase: ReturnType<TraceContext['b']['phase']>;
    from: string;
    to: string;
    typed: string;
    names: string[];
    exchanges: readonly DnsExchange[];
  },
): void {
  const { names, exchanges } = request;
  const nxdomain = (packet: Packet) => /nxdomain/i.test(packet.dns?.rcode ?? '');
  const packets = names.flatMap((name) =>
    exchangePackets(exchangeFor(exchanges, name), true).filter(nxdomain).slice(0, 1),
  );
  const lookups = names.flatMap((name) =>
    lookupsFor(ctx, name).filter((dnsLookup) => /nxdomain/i.test(dnsLookup.status ?? '')),
  );
  const denied = new Set([
    ...packets.map((packet) => norm(exchanges.find((dnsExchange) => dnsExchange.packets.includes(packet))?.name ?? '')),
    ...lookups.map((dnsLookup) => norm(dnsLookup.question.name)),
  ]);
  if (!denied.size) return;
  const scope = names.flatMap((name) => exchangeFor(exchanges, name)?.packets ?? []);
  ctx.b.withScope(scope, () =>
    ctx.b.step(request.phase, {
      from: request.from,
      to: request.to,
      kind: 'dns-answer',
      label: `${request.typed}: NXDOMAIN for ${names.filter((name) => denied.has(norm(name))).join(', ')}`,
      explanation:
        `Every name the search list made of '${request.typed}' that was asked came back NXDOMAIN: ` +
        'the client has no address to connect to, and sends no packet to the server.',
      dns: { question: request.typed, answers: [], rcode: 'NXDOMAIN' },
      evidence: [
        ...packets.slice(0, 3).flatMap((packet) => packet.evidence),
        ...lookups.slice(0, 3).flatMap((dnsLookup) => dnsLookup.evidence),
      ],
      status: 'contradicted',
    }),
  );
}

/**
 * The exchange's queries captured going into a pod: on a veth on their way out of the bridge, not
 * wrapped in VXLAN, after DNAT (to a pod's address, not the one the client asked).
 */
function queriesIntoPods(exchange: DnsExchange): Packet[] {
  const queries = exchangePackets(exchange, false);
  const asked = queries[0]?.dst?.ip;
  return queries.filter(
    (packet) =>
      packet.inner === undefined &&
      packet.dst?.ip !== asked &&
      packet.interface?.startsWith('veth') === true &&
      packet.direction !== 'In',
  );
}

/** The first line of the exchange's queries captured going into the pod at `ip`. */
function deliveredTo(exchange: DnsExchange, ip: string | undefined): Evidence[] {
  return (
    queriesIntoPods(exchange)
      .find((packet) => packet.dst?.ip === ip)
      ?.evidence.slice(0, 1) ?? []
  );
}

/**
 * A name asked and never answered: the client's queries (retries included) are in the capture and no
 * answer is. The resolver gives up after its timeout; no later name of the search list is asked.
 */
function unansweredName(
  ctx: TraceContext,
  request: {
    phase: ReturnType<TraceContext['b']['phase']>;
    from: string;
    to: string;
    name: string;
    exchange: DnsExchange;
  },
): NonNullable<TraceContext['dns'][number]['unanswered']> {
  const queries = exchangePackets(request.exchange, false);
  const sent = queriesSent(queries);
  const times = queries.map((packet) => packet.t).filter((time): time is number => time !== undefined);
  const over = times.length > 1 ? ` over ${(times.at(-1)! - times[0]).toFixed(1)} s` : '';
  const refusals = portUnreachables(ctx, queries);
  const refusedBy = [...new Set(refusals.map((packet) => packet.src?.ip))].join(', ');
  ctx.b.withScope([...request.exchange.packets, ...refusals], () =>
    ctx.b.step(request.phase, {
      from: request.from,
      to: request.to,
      kind: 'dns-answer',
      label: refusals.length
        ? `${request.name}: ICMP port unreachable from ${refusedBy} (${sent} queries sent${over})`
        : `no answer to ${request.name} (${sent} queries sent${over})`,
      explanation: refusals.length
        ? `Each query for ${request.name} is answered with ICMP port unreachable (from ${refusedBy}), not with ` +
          'DNS: nothing takes port 53 where it was sent. The resolver gives up at once; no later name of the ' +
          'search list is asked.'
        : `The client's queries for ${request.name} are in the capture (${sent}, retries and AAAA included) ` +
          'and no answer is: the resolver gives up after its timeout, and no later name of the search list is ' +
          'asked.',
      dns: { question: request.name, answers: [], rcode: refusals.length ? 'port unreachable' : 'no answer' },
      evidence: [...queries.slice(0, 1), ...refusals.slice(0, 1), ...queries.slice(-1)].flatMap((packet) =>
        packet.evidence.slice(0, 1),
      ),
      status: refusals.length ? 'contradicted' : 'missing',
    }),
  );
  return {
    name: request.name,
    connection: request.exchange.connection,
    queries,
    sent,
    refusals,
    delivered: queriesIntoPods(request.exchange),
  };
}

/**
 * The ICMP port unreachable errors that answered `queries`: to the client, quoting a UDP packet to
 * port 53, while it was asking (up to a second after its last query).
 */
function portUnreachables(ctx: TraceContext, queries: readonly Packet[]): Packet[] {
  const client = queries[0]?.src?.ip;
  const times = queries.map((packet) => packet.t).filter((time): time is number => time !== undefined);
  if (client === undefined || times.length === 0) return [];
  const [from, to] = [Math.min(...times), Math.max(...times) + 1];
  return ctx.allPackets.filter(
    (packet) =>
      packet.protocol === 'icmp' &&
      packet.icmp?.type === 'port unreachable' &&
      packet.dst?.ip === client &&
      / udp port 53 unreachable/.test(packet.icmp.detail ?? '') &&
      packet.t !== undefined &&
      packet.t >= from &&
      packet.t <= to,
  );
}

/**
 * How many queries the client sent: a line with the id of one printed less than 50 ms before is that
 * query again on another interface (or in its VXLAN packet), not a retry (resolvers wait seconds).
 */
function queriesSent(queries: readonly Packet[]): number {
  const lastSeen = new Map<string, number>();
  let sent = 0;
  for (const packet of [...queries].sort((left, right) => (left.t ?? 0) - (right.t ?? 0))) {
    const key = `${packet.dns?.id ?? ''}|${packet.dns?.qtype ?? ''}`;
    const before = lastSeen.get(key);
    if (before === undefined || packet.t === undefined || packet.t - before >= 0.05) sent++;
    if (packet.t !== undefined) lastSeen.set(key, packet.t);
  }
  return sent;
}
