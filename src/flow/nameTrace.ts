import { namespaceOf, searchExpansion, type ClusterModel, type Pod } from '../model';
import { FlowBuilder } from './builder';
import type { TraceContext } from './context';
import { correlate, correlateOptionsOf } from './correlate/correlate';
import { declaredClaims, vethOwnership } from './correlate/vethOwnership';
import { sitedPackets } from './correlate/sites';
import { dnsPhase } from './families/dns';
import { dnsNameNotFound, dnsNoAnswer, dnsSearchAmplification } from './findings';
import { resolverOf } from './resolve';
import type { TraceResult } from './types';

const norm = (name: string) => name.replace(/\.$/, '').toLowerCase();

/**
 * True when the client asked DNS for `typed` (a lookup by hand or its own queries in a capture):
 * a name nobody has is then still a flow, one that stops at its DNS answer.
 */
export function nameWasAsked(model: ClusterModel, client: Pod, typed: string): boolean {
  const { search, ndots } = resolverOf(model, client);
  const names = new Set(searchExpansion(typed, search, ndots).map(norm));
  if (model.all('DnsLookup').some((dnsLookup) => names.has(norm(dnsLookup.question.name)))) return true;
  if (!client.ip) return false;
  return sitedPackets(model, new Set([client.ip])).packets.some(
    (packet) =>
      packet.dns && !packet.dns.response && packet.src?.ip === client.ip && names.has(norm(packet.dns.qname ?? '')),
  );
}

/** The flow of a name that resolves to nothing the model knows: the DNS phase and why it fails. */
export function traceUnresolvedName(model: ClusterModel, client: Pod, typed: string): TraceResult {
  const sited = sitedPackets(model, client.ip ? new Set([client.ip]) : undefined);
  const all = correlate(sited.packets, correlateOptionsOf(model));
  const flowBuilder = new FlowBuilder(`${client.name} → ${typed}`, 'dns');
  const ctx: TraceContext = {
    model,
    packets: [],
    allPackets: sited.packets,
    siteOf: sited.siteOf,
    sites: sited.sites,
    corr: all,
    veths: vethOwnership([...declaredClaims(model), ...all.vethClaims]),
    b: flowBuilder,
    dns: [],
  };
  flowBuilder.withScope([], () => {
    dnsPhase(ctx, client, typed, { answers: [], why: 'no Service or pod of the model has this name', evidence: [] });
    const findings = [
      ...ctx.dns.flatMap((question) => dnsSearchAmplification(ctx, question)),
      ...dnsNameNotFound(ctx, namespaceOf(client)),
      ...dnsNoAnswer(ctx),
    ];
    for (const finding of findings) flowBuilder.finding(finding);
  });
  return { flows: [flowBuilder.build()], unresolved: [] };
}
