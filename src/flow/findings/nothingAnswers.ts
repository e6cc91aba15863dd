import { namespacedName, namespaceOf, isHeadless, selectorMatches, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

/** Why a Service has nobody behind it: no endpoints, a selector that matches nothing, a targetPort name no container has. */
export function nothingAnswers(ctx: Pick<TraceContext, 'model'>, services: readonly Service[]): Finding[] {
  const out: Finding[] = [];
  for (const svc of services) {
    if (svc.type === 'ExternalName') continue;
    const slices = ctx.model.slicesOf(svc);
    // Pods with IPs behind the selector, or endpoint rules for it, mean the slice seen is partial (e.g. a kubectl table row), not empty.
    const seps = ctx.model
      .all('NatRule')
      .some((r) => r.target.startsWith('KUBE-SEP-') && (r.comment ?? '').startsWith(namespacedName(svc)));
    const podsBehind = ctx.model.podsSelectedBy(svc).some((p) => p.ip && p.ready !== false);
    if (slices.length && !seps && !podsBehind && slices.every((s) => s.endpoints.every((e) => e.ready === false))) {
      out.push({
        id: 'service-no-endpoints',
        severity: 'error',
        title: `Service ${svc.name} has no ready endpoints`,
        message: `Every EndpointSlice of ${namespacedName(svc)} is empty or not ready: ${isHeadless(svc) ? 'DNS answers no address' : 'kube-proxy installs a REJECT and clients get "connection refused"'}.`,
        evidence: [...svc.evidence, ...slices.flatMap((s) => s.evidence)],
      });
    }
    if (!svc.selector || Object.keys(svc.selector).length === 0) continue;
    const pods = ctx.model.podsSelectedBy(svc);
    const workloads = ctx.model.workloads.filter(
      (w) => namespaceOf(w) === namespaceOf(svc) && selectorMatches(svc.selector, w.podLabels ?? w.selector),
    );
    const sel = Object.entries(svc.selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    // Only meaningful when pods with their labels (a `kubectl get pods` table shows none) or
    // workloads of that namespace were given: pods without labels say nothing about a selector.
    const nsKnown =
      ctx.model.pods.some((p) => namespaceOf(p) === namespaceOf(svc) && !p.predicted && p.labels !== undefined) ||
      ctx.model.workloads.some((w) => namespaceOf(w) === namespaceOf(svc));
    if (pods.length === 0 && workloads.length === 0 && nsKnown) {
      out.push({
        id: 'selector-matches-no-pod',
        severity: 'error',
        title: `Service ${svc.name} selects no pod`,
        message: `The selector ${sel} of ${namespacedName(svc)} matches no known pod or workload template, so it has no endpoints: ${isHeadless(svc) ? 'DNS answers nothing' : 'kube-proxy REJECTs connections (connection refused)'}. Compare the selector with the pod labels.`,
        evidence: [
          ...svc.evidence,
          ...ctx.model.workloads
            .filter((w) => namespaceOf(w) === namespaceOf(svc))
            .slice(0, 2)
            .flatMap((w) => w.evidence),
        ],
      });
    }
    for (const port of svc.ports) {
      if (typeof port.targetPort !== 'string' || /^\d+$/.test(port.targetPort)) continue;
      const templates = [
        ...pods.map((p) => ({ name: p.name, containers: p.containers, evidence: p.evidence })),
        ...workloads.map((w) => ({ name: `${w.kind} ${w.name}`, containers: w.containers, evidence: w.evidence })),
      ].filter((x) => x.containers);
      const missing = templates.filter(
        (x) =>
          !x.containers!.some((c) => c.ports.some((p) => p.name === port.targetPort && p.protocol === port.protocol)),
      );
      if (templates.length && missing.length === templates.length) {
        out.push({
          id: 'targetport-name-missing',
          severity: 'error',
          title: `targetPort '${port.targetPort}' is on no container`,
          message: `Port ${port.port} of ${svc.name} targets the container port named '${port.targetPort}', but ${missing
            .map((m) => m.name)
            .slice(0, 3)
            .join(
              ', ',
            )} define no ${port.protocol} port with that name: the endpoints get no port and nothing answers.`,
          evidence: [
            ...svc.evidence,
            ...missing.slice(0, 2).flatMap((m) => m.evidence.filter((e) => e.source !== 'derived')),
          ],
        });
      }
    }
  }
  for (const w of ctx.model.workloads.filter((x) => x.kind === 'StatefulSet')) {
    if (!w.serviceName) continue;
    const svc = ctx.model.findService(w.serviceName, namespaceOf(w));
    if (svc && isHeadless(svc)) continue;
    if (!svc && ctx.model.services.length === 0) continue;
    out.push({
      id: 'statefulset-service-not-headless',
      severity: 'warning',
      title: `StatefulSet ${w.name}: serviceName '${w.serviceName}' is not a headless Service`,
      message: svc
        ? `Service ${w.serviceName} has ClusterIP ${svc.clusterIP ?? '(allocated)'}: per-pod names like ${w.name}-0.${w.serviceName}.${namespaceOf(w)}.svc.${ctx.model.clusterDomain} only exist for a headless Service (clusterIP: None).`
        : `No Service named ${w.serviceName} is known in ${namespaceOf(w)}: per-pod DNS names (${w.name}-0.${w.serviceName}…) will not resolve until a headless Service with that name exists.`,
      evidence: [...w.evidence, ...(svc?.evidence ?? [])],
    });
  }
  return out;
}
