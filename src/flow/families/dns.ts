import {
  derivedEvidence,
  searchExpansion,
  type DnsLookup,
  type Evidence,
  type Packet,
  type Pod,
  type Service,
} from '../../model';
import { dnsActor, podActor } from '../actors';
import { capturedOn, nodeOf, withPackets, type TraceContext } from '../context';
import { connectionPackets, reconstructConnections } from '../correlate/connections';
import { dnsQuestions } from '../correlate/dnsQuestions';
import { resolverOf } from '../resolve';
import { podByIp } from './endpoints';
import { podToBridge } from './localHops';
import { proxyToEndpoint } from './serviceProxy';

const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

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
    ctx.model.findService('kube-dns', 'kube-system') ?? ctx.model.services.find((s) => s.clusterIP === nameserver);
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
        `kubeadm names the cluster DNS Service kube-system/kube-dns; its ClusterIP is the pods' nameserver ${nameserver}`,
      ),
    ],
  };
}

function lookupsFor(ctx: TraceContext, name: string): DnsLookup[] {
  return ctx.model.all('DnsLookup').filter((l) => norm(l.question.name) === norm(name));
}

/** One DNS exchange of the client: its query and answer, every NAT version and interface. */
interface DnsExchange {
  name: string;
  packets: Packet[];
  start?: number;
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
    (x) => before === undefined || x.start === undefined || x.start <= before,
  );
}

/** Every DNS exchange of a client among the trace's packets, computed once per packet list and client. */
const exchangesByList = new WeakMap<readonly Packet[], Map<string, DnsExchange[]>>();

function allClientExchanges(ctx: TraceContext, clientIp: string): DnsExchange[] {
  let byClient = exchangesByList.get(ctx.allPackets);
  if (!byClient) exchangesByList.set(ctx.allPackets, (byClient = new Map<string, DnsExchange[]>()));
  const known = byClient.get(clientIp);
  if (known) return known;
  const mine = ctx.allPackets.filter((p) => {
    const frame = p.inner?.dns ? p.inner : p;
    if (!frame.dns) return false;
    return frame.dns.response ? frame.dst?.ip === clientIp : frame.src?.ip === clientIp;
  });
  const question = dnsQuestions(mine);
  const out: DnsExchange[] = [];
  for (const exchange of reconstructConnections(mine, ctx.siteOf)) {
    const asked = exchange.sightings.map((s) => question(s.frame)).find((q) => q !== undefined);
    if (asked) out.push({ name: norm(asked.name), packets: connectionPackets(exchange), start: exchange.start });
  }
  byClient.set(clientIp, out);
  return out;
}

/** The client's latest exchange about `name` (before the connection). */
function exchangeFor(exchanges: readonly DnsExchange[], name: string): DnsExchange | undefined {
  const wanted = norm(name);
  return exchanges.filter((x) => x.name === wanted).at(-1);
}

/** Queries or answers of one exchange, in capture order. */
function exchangePackets(exchange: DnsExchange | undefined, response: boolean): Packet[] {
  return (exchange?.packets ?? []).filter((p) => p.dns?.response === response);
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
  const r = resolverOf(ctx.model, client);
  const clientId = client
    ? ctx.b.actor(podActor(client))
    : ctx.b.actor({ id: 'client', kind: 'external', name: 'client' });
  const names = searchExpansion(typed, r.search, r.ndots);
  const exchanges = clientExchanges(ctx, client?.ip);
  const answered = (n: string) =>
    exchangePackets(exchangeFor(exchanges, n), true).some((p) => (p.dns?.answers?.length ?? 0) > 0);
  const hitIndex = names.findIndex(
    (n) => ctx.model.byDnsName(n) || lookupsFor(ctx, n).some((l) => l.answers.length) || answered(n),
  );
  const hit = hitIndex >= 0 ? exchangeFor(exchanges, names[hitIndex]) : undefined;
  const failed = hitIndex > 0 ? names.slice(0, hitIndex) : [];
  const name = hitIndex >= 0 ? names[hitIndex] : undefined;
  ctx.dns.push({ typed, failed, ndots: r.ndots, configEvidence: r.config?.evidence ?? [] });
  ctx.b.step(phase, {
    from: clientId,
    to: clientId,
    kind: 'note',
    label: `resolv.conf: nameserver ${r.nameserver ?? 'unknown'}, search ${r.search.join(' ')}, ndots:${r.ndots}`,
    explanation: `'${typed}' has ${(typed.match(/\./g) ?? []).length} dot(s)${typed.endsWith('.') ? ' and a trailing dot, so it is tried as is' : `, ${(typed.match(/\./g) ?? []).length >= r.ndots ? 'at least' : 'fewer than'} ndots:${r.ndots}`}: the resolver tries ${names.join(', ')} in that order.`,
    evidence: r.config
      ? r.config.evidence
      : [
          derivedEvidence(
            `kubelet writes this resolv.conf for ClusterFirst pods (search ${r.search.join(' ')}, ndots:5)`,
          ),
        ],
  });
  if (!r.nameserver)
    ctx.b.need(
      `cluster DNS address unknown: run \`cat /etc/resolv.conf\` in ${client?.name ?? 'the client pod'} or \`kubectl -n kube-system get svc kube-dns\``,
    );
  const svc = kubeDnsService(ctx, r.nameserver);
  const node = client ? nodeOf(ctx, client) : 'node';
  const coreDns = (ip?: string) => dnsActor(podByIp(ctx, ip), `CoreDNS (${r.nameserver ?? 'kube-dns'})`);
  let dnsId = ctx.b.actor(coreDns(undefined));
  if (svc && client) {
    // resolv.conf's nameserver is always asked on port 53; kube-dns names that port `dns`.
    const port = svc.ports.find((p) => p.protocol === 'UDP' && p.port === 53) ?? {
      name: 'dns',
      protocol: 'UDP' as const,
      port: 53,
      targetPort: 53,
    };
    const query = (p: Packet) =>
      p.protocol === 'udp' && p.src?.ip === client.ip && p.dst?.ip === svc.clusterIP && p.dst?.port === 53;
    // The query's own hops are proven by the exchange that got the answer, nothing else.
    const res = withPackets(ctx, hit?.packets ?? [], () => {
      const { at } = podToBridge(ctx, phase, client, {
        match: query,
        label: `DNS query to ${svc.clusterIP ?? r.nameserver ?? 'kube-dns'}:53/UDP`,
        kind: 'dns-query',
      });
      return proxyToEndpoint(ctx, phase, at, node, svc, port, client.ip);
    });
    if (res.endpoint) {
      dnsId = ctx.b.actor(coreDns(res.endpoint.ip));
      ctx.b.step(phase, {
        from: res.at!,
        to: dnsId,
        kind: 'dns-query',
        label: `to CoreDNS ${res.endpoint.ip ?? ''}:${res.endpoint.port ?? 53}`,
        explanation: "The translated query crosses cni0 and the CoreDNS pod's veth like any pod-to-pod packet.",
        evidence: res.endpoint.evidence,
        status: res.chosenProven ? undefined : 'predicted',
      });
    }
  }
  for (const f of failed) {
    const exchange = exchangeFor(exchanges, f);
    const ans = exchangePackets(exchange, true);
    const lk = lookupsFor(ctx, f);
    ctx.b.withScope(exchange?.packets ?? [], () =>
      ctx.b.step(phase, {
        from: clientId,
        to: dnsId,
        kind: 'dns-query',
        label: `A? ${f} → NXDOMAIN`,
        explanation: `Search-list candidate tried before the name that exists; CoreDNS answers NXDOMAIN and the resolver moves on.`,
        dns: { question: f, answers: [], rcode: 'NXDOMAIN' },
        // the first query and the first answer: -i any prints each of them once per interface
        evidence: [
          ...[...exchangePackets(exchange, false).slice(0, 1), ...ans.slice(0, 1)].flatMap((p) => p.evidence),
          ...lk.flatMap((l) => l.evidence),
          derivedEvidence(`searchExpansion('${typed}', search, ndots:${r.ndots})`),
        ],
      }),
    );
  }
  if (!name) {
    unresolvedName(ctx, { phase, from: dnsId, to: clientId, typed, names, exchanges });
    ctx.dns.at(-1)!.unresolved = names;
    ctx.b.need(`no cluster DNS name matches '${typed}': check the Service name and namespace`);
    return { answers: [], failed: names, observed: false };
  }
  const lookups = lookupsFor(ctx, name);
  const observedAnswers = lookups.flatMap((l) =>
    l.answers.filter((a) => a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME').map((a) => a.data),
  );
  // The answer as the client received it: from the nameserver it asked (un-DNATed), on its own node.
  const responses = exchangePackets(hit, true).filter((p) => p.dns?.answers?.length);
  const asReceived = (p: Packet) => !r.nameserver || p.src?.ip === r.nameserver;
  const pkt =
    responses.find((p) => asReceived(p) && (!client || capturedOn(ctx, p, node))) ??
    responses.find(asReceived) ??
    responses[0];
  const packetAnswers = pkt?.dns?.answers?.map((a) => a.data) ?? [];
  const seen = [...new Set([...observedAnswers, ...packetAnswers])].map(norm);
  const expectedSet = new Set([...expected.answers, ...(expected.cname ? [expected.cname] : [])].map(norm));
  const logEv = [...lookups.flatMap((l) => l.evidence), ...(pkt?.evidence ?? [])];
  const proven = pkt !== undefined;
  const contradiction = seen.length > 0 && expectedSet.size > 0 && !seen.some((a) => expectedSet.has(a));
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
        ? `The log answers ${seen.join(', ')} but ${expected.why} (${[...expectedSet].join(', ')}): stale record, another cluster, or a different Service.`
        : `${expected.why}. The reply leaves CoreDNS from its pod IP; conntrack rewrites the source back to ${r.nameserver ?? 'the kube-dns ClusterIP'} so the resolver accepts it.`,
      dns: { question: name, answers, rcode: 'NOERROR' },
      nat: r.nameserver ? { type: 'un-DNAT', before: 'CoreDNS pod IP:53', after: `${r.nameserver}:53` } : undefined,
      evidence: [...logEv, ...expected.evidence],
      // Only this client's answer in a capture makes it observed (the builder's scope); a dig or
      // nslookup by hand shows what the server answers, not this flow's answer.
      status: contradiction ? 'contradicted' : undefined,
    }),
  );
  if (!proven && !logEv.length)
    ctx.b.need(
      `DNS answer for ${name} not observed: run \`kubectl exec ${client?.name ?? 'POD'} -- nslookup ${name}\``,
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
  const nxdomain = (p: Packet) => /nxdomain/i.test(p.dns?.rcode ?? '');
  const packets = names.flatMap((n) => exchangePackets(exchangeFor(exchanges, n), true).filter(nxdomain).slice(0, 1));
  const lookups = names.flatMap((n) => lookupsFor(ctx, n).filter((l) => /nxdomain/i.test(l.status ?? '')));
  const denied = new Set([
    ...packets.map((p) => norm(exchanges.find((x) => x.packets.includes(p))?.name ?? '')),
    ...lookups.map((l) => norm(l.question.name)),
  ]);
  if (!denied.size) return;
  const scope = names.flatMap((n) => exchangeFor(exchanges, n)?.packets ?? []);
  ctx.b.withScope(scope, () =>
    ctx.b.step(request.phase, {
      from: request.from,
      to: request.to,
      kind: 'dns-answer',
      label: `${request.typed}: NXDOMAIN for ${names.filter((n) => denied.has(norm(n))).join(', ')}`,
      explanation: `Every name the search list made of '${request.typed}' that was asked came back NXDOMAIN: the client has no address to connect to, and sends no packet to the server.`,
      dns: { question: request.typed, answers: [], rcode: 'NXDOMAIN' },
      evidence: [...packets.slice(0, 3).flatMap((p) => p.evidence), ...lookups.slice(0, 3).flatMap((l) => l.evidence)],
      status: 'contradicted',
    }),
  );
}
