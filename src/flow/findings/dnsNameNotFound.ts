import { namespaceOf, serviceDnsName } from '../../model';
import { closeMatches } from '../closeMatches';
import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, findStep } from './breaks';

/**
 * Every name the search list made of what the client typed came back NXDOMAIN, so no connection
 * was even tried. When a Service of that name exists in another namespace, the name was short and
 * asked from the wrong namespace; else the name is wrong (close matches named).
 */
export function dnsNameNotFound(ctx: TraceContext, clientNamespace: string | undefined): Finding[] {
  const out: Finding[] = [];
  for (const lookup of ctx.dns) {
    if (!lookup.unresolved) continue;
    const at = findStep(
      ctx.b,
      (step) => step.kind === 'dns-answer' && step.status === 'contradicted' && step.dns?.question === lookup.typed,
      'DNS',
    );
    if (!at) continue;
    const typed = lookup.typed.replace(/\.$/, '');
    const [short, second] = typed.split('.');
    const tried = new Set(lookup.unresolved.map((name) => name.toLowerCase()));
    const elsewhere = ctx.model.services.filter(
      (svc) =>
        svc.name === short &&
        !tried.has(serviceDnsName(svc.name, namespaceOf(svc), ctx.model.clusterDomain)) &&
        namespaceOf(svc) !== second,
    );
    const evidence = at.step.evidence;
    if (elsewhere.length) {
      const namespaces = elsewhere.map(namespaceOf);
      out.push({
        id: 'dns-wrong-namespace',
        severity: 'error',
        title: `'${typed}' is looked up in the wrong namespace`,
        message:
          `A short name resolves in the client's own namespace` +
          `${clientNamespace ? ` (${clientNamespace})` : ''} first, and none of the names tried ` +
          `resolves (${at.step.label}). Service ${short} exists in namespace ${namespaces.join(', ')}` +
          ': the client must name the namespace.',
        evidence: [...evidence, ...elsewhere.flatMap((svc) => svc.evidence)],
        fix: `Use ${short}.${namespaces[0]} (or ${serviceDnsName(short, namespaces[0], ctx.model.clusterDomain)}).`,
        ...breakAt(ctx.b, at, 'contradicted'),
      });
      continue;
    }
    const near = closeMatches(ctx.model, typed, 3).filter((name) => /[a-z]/i.test(name));
    out.push({
      id: 'dns-nxdomain',
      severity: 'error',
      title: `'${typed}' does not exist`,
      message:
        `None of the names tried resolves (${at.step.label}), so no connection is attempted.` +
        `${near.length ? ` Close matches: ${near.join(', ')}.` : ''}`,
      evidence,
      fix: near.length ? `Use ${near[0]}.` : 'Check the Service name and its namespace (kubectl get svc -A).',
      ...breakAt(ctx.b, at, 'contradicted'),
    });
  }
  return out;
}
