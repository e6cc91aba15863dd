/**
 * Reading one of the network ConfigMaps (kube-proxy, Flannel, CoreDNS): GET by name,
 * trying each namespace it may live in. A 404 everywhere is not a failure, only a note
 * of what stays unknown.
 */
import type { Fact } from '../model';
import { apiObjectFacts } from './convert';
import { describeBody, isApiObject } from './pager';
import { httpProblem, transportProblem, type ClusterProblem } from './problems';
import { collectionPath, type ConfigMapSpec } from './resources';
import type { ApiTransport } from './transport';

export interface ConfigMapOutcome {
  facts: Fact[];
  problems: ClusterProblem[];
  /** Read (or known absent) as planned. */
  ok: boolean;
  /** The failure below HTTP, when there was one (for cancel / connection-loss decisions). */
  error?: unknown;
  found: boolean;
}

const WHAT: Record<ConfigMapSpec['yields'], string> = {
  KubeProxy: 'config.conf',
  Cni: 'net-conf.json',
  ClusterDns: 'Corefile kubernetes plugin',
};

/** The kubeconfig context the facts name, and how long and until when to wait for the answer. */
export interface ConfigMapRequest {
  context: string;
  signal: AbortSignal;
  timeoutMs: number;
}

export async function readNetworkConfigMap(
  apiTransport: ApiTransport,
  spec: ConfigMapSpec,
  request: ConfigMapRequest,
): Promise<ConfigMapOutcome> {
  const { context, signal, timeoutMs } = request;
  const notFoundIn: string[] = [];
  for (const ns of spec.namespaces) {
    const target = { verb: 'get' as const, resource: 'configmaps', namespace: ns, name: spec.name };
    let res;
    try {
      res = await apiTransport.get(
        `${collectionPath({ resource: 'configmaps', group: '', version: 'v1' }, ns)}/${encodeURIComponent(spec.name)}`,
        { signal, timeoutMs },
      );
    } catch (e) {
      return {
        facts: [],
        problems: [transportProblem(target, e, spec.missing, apiTransport.server)],
        ok: false,
        error: e,
        found: false,
      };
    }
    if (res.status === 404) {
      notFoundIn.push(ns);
      continue;
    }
    if (res.status !== 200)
      return {
        facts: [],
        problems: [httpProblem(target, res, spec.missing, apiTransport.server)],
        ok: false,
        found: false,
      };
    if (!isApiObject(res.body))
      return {
        facts: [],
        problems: [
          {
            severity: 'warning',
            ...target,
            code: 200,
            reason: 'NotAnObject',
            message:
              `cannot get configmaps ${ns}/${spec.name}: the answer from ${apiTransport.server} is not an ` +
              `object but ${describeBody(res.body)}; ${spec.missing}`,
          },
        ],
        ok: false,
        found: false,
      };
    const facts = apiObjectFacts('ConfigMap', res.body, context).facts.filter((fact) => fact.kind === spec.yields);
    const problems: ClusterProblem[] = facts.length
      ? []
      : [
          {
            severity: 'info',
            ...target,
            message: `ConfigMap ${ns}/${spec.name} was read but holds no usable ${WHAT[spec.yields]}; ${spec.missing}`,
          },
        ];
    return { facts, problems, ok: true, found: true };
  }
  return {
    facts: [],
    ok: true,
    found: false,
    problems: [
      {
        severity: 'info',
        verb: 'get',
        resource: 'configmaps',
        name: spec.name,
        code: 404,
        reason: 'NotFound',
        message:
          `ConfigMap ${spec.name} not found in ` +
          `${notFoundIn.map((namespace) => `namespace ${namespace}`).join(' or ')} (404); ${spec.missing}`,
      },
    ],
  };
}
