import { namespacedName, namespaceOf, isHeadless, selectorMatches, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';

/**
 * Why a Service has nobody behind it: no endpoints, a selector that matches nothing, a targetPort
 * name no container has.
 */
export function nothingAnswers(ctx: Pick<TraceContext, 'model'>, services: readonly Service[]): Finding[] {
  const out: Finding[] = [];
  for (const svc of services) {
    if (svc.type === 'ExternalName') continue;
    const slices = ctx.model.slicesOf(svc);
    // Pods with IPs behind the selector, or endpoint rules for it, mean the slice seen is partial
    // (e.g. a kubectl table row), not empty.
    const seps = ctx.model
      .all('NatRule')
      .some((rule) => rule.target.startsWith('KUBE-SEP-') && (rule.comment ?? '').startsWith(namespacedName(svc)));
    const podsBehind = ctx.model.podsSelectedBy(svc).some((pod) => pod.ip && pod.ready !== false);
    if (
      slices.length &&
      !seps &&
      !podsBehind &&
      slices.every((slice) => slice.endpoints.every((endpoint) => endpoint.ready === false))
    ) {
      out.push({
        id: 'service-no-endpoints',
        severity: 'error',
        title: `Service ${svc.name} has no ready endpoints`,
        message:
          `Every EndpointSlice of ${namespacedName(svc)} is empty or not ready: ` +
          (isHeadless(svc)
            ? 'DNS answers no address.'
            : 'kube-proxy installs a REJECT and clients get "connection refused".'),
        evidence: [...svc.evidence, ...slices.flatMap((slice) => slice.evidence)],
      });
    }
    if (!svc.selector || Object.keys(svc.selector).length === 0) continue;
    const pods = ctx.model.podsSelectedBy(svc);
    const workloads = ctx.model.workloads.filter(
      (workload) =>
        namespaceOf(workload) === namespaceOf(svc) &&
        selectorMatches(svc.selector, workload.podLabels ?? workload.selector),
    );
    const sel = Object.entries(svc.selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    // Only meaningful when pods with their labels (a `kubectl get pods` table shows none) or
    // workloads of that namespace were given: pods without labels say nothing about a selector.
    const nsKnown =
      ctx.model.pods.some(
        (pod) => namespaceOf(pod) === namespaceOf(svc) && !pod.predicted && pod.labels !== undefined,
      ) || ctx.model.workloads.some((workload) => namespaceOf(workload) === namespaceOf(svc));
    if (pods.length === 0 && workloads.length === 0 && nsKnown) {
      out.push({
        id: 'selector-matches-no-pod',
        severity: 'error',
        title: `Service ${svc.name} selects no pod`,
        message:
          `The selector ${sel} of ${namespacedName(svc)} matches no known pod or workload template, ` +
          'so it has no endpoints: ' +
          `${isHeadless(svc) ? 'DNS answers nothing' : 'kube-proxy REJECTs connections (connection refused)'}` +
          '. Compare the selector with the pod labels.',
        evidence: [
          ...svc.evidence,
          ...ctx.model.workloads
            .filter((workload) => namespaceOf(workload) === namespaceOf(svc))
            .slice(0, 2)
            .flatMap((workload) => workload.evidence),
        ],
      });
    }
    for (const port of svc.ports) {
      if (typeof port.targetPort !== 'string' || /^\d+$/.test(port.targetPort)) continue;
      const templates = [
        ...pods.map((pod) => ({ name: pod.name, containers: pod.containers, evidence: pod.evidence })),
        ...workloads.map((workload) => ({
          name: `${workload.kind} ${workload.name}`,
          containers: workload.containers,
          evidence: workload.evidence,
        })),
      ].filter((candidate) => candidate.containers);
      const missing = templates.filter(
        (candidate) =>
          !candidate.containers!.some((container) =>
            container.ports.some(
              (containerPort) => containerPort.name === port.targetPort && containerPort.protocol === port.protocol,
            ),
          ),
      );
      if (templates.length && missing.length === templates.length) {
        const missingNames = missing
          .map((candidate) => candidate.name)
          .slice(0, 3)
          .join(', ');
        out.push({
          id: 'targetport-name-missing',
          severity: 'error',
          title: `targetPort '${port.targetPort}' is on no container`,
          message:
            `Port ${port.port} of ${svc.name} targets the container port named '${port.targetPort}', but ` +
            `${missingNames} define no ${port.protocol} port with that name: the endpoints get no port and ` +
            'nothing answers.',
          evidence: [
            ...svc.evidence,
            ...missing
              .slice(0, 2)
              .flatMap((candidate) => candidate.evidence.filter((item) => item.source !== 'derived')),
          ],
        });
      }
    }
  }
  for (const workload of ctx.model.workloads.filter((candidate) => candidate.kind === 'StatefulSet')) {
    if (!workload.serviceName) continue;
    const svc = ctx.model.findService(workload.serviceName, namespaceOf(workload));
    if (svc && isHeadless(svc)) continue;
    if (!svc && ctx.model.services.length === 0) continue;
    out.push({
      id: 'statefulset-service-not-headless',
      severity: 'warning',
      title: `StatefulSet ${workload.name}: serviceName '${workload.serviceName}' is not a headless Service`,
      message: svc
        ? `Service ${workload.serviceName} has ClusterIP ${svc.clusterIP ?? '(allocated)'}: per-pod names ` +
          `like ${workload.name}-0.${workload.serviceName}.${namespaceOf(workload)}.svc.` +
          `${ctx.model.clusterDomain} only exist for a headless Service (clusterIP: None).`
        : `No Service named ${workload.serviceName} is known in ${namespaceOf(workload)}: per-pod DNS names (` +
          `${workload.name}-0.${workload.serviceName}…) will not resolve until a headless Service with that ` +
          'name exists.',
      evidence: [...workload.evidence, ...(svc?.evidence ?? [])],
    });
  }
  return out;
}
