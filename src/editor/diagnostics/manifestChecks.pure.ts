import * as l10n from '@vscode/l10n';
import { nothingAnswers } from '../../flow/findings';
import { manifestObjectRanges, type ManifestObjectInfo, type TextSpan } from '../../ingest/kube/manifest';
import { scalarText, namespaceOf, isHeadless, selectorMatches, type ClusterModel, type Service } from '../../model';

/**
 * Problems in one manifest, judged against the whole workspace model (no `vscode`).
 * Service findings come from the flow engine's `nothingAnswers` (the same words a trace
 * shows); this file only places them on the right field and adds the check the engine does
 * not make (a StatefulSet without serviceName) and the quick fixes.
 */

export type ProblemCode =
  | 'statefulset-servicename-missing'
  | 'statefulset-service-not-headless'
  | 'selector-matches-no-pod'
  | 'targetport-name-missing';

/** A text edit with 0-based lines and characters (`insert` when start === end). */
export interface TextFix {
  title: string;
  /** Document to edit; undefined = the checked document. */
  uri?: string;
  line: number;
  start: number;
  end: number;
  newText: string;
}

export interface ManifestProblem {
  code: ProblemCode;
  severity: 'error' | 'warning';
  message: string;
  /** 1-based lines and columns, as the manifest reader gives them. */
  span: TextSpan;
  fixes: TextFix[];
  /** A Service elsewhere that a fix must edit (`clusterIP: None`), resolved by the editor side. */
  makeHeadless?: { name: string; namespace: string; uri: string };
}

function fieldSpan(object: ManifestObjectInfo, path: string): TextSpan | undefined {
  const field = object.fields.get(path);
  if (!field) return undefined;
  const { key, value } = field;
  return { ...key, endLine: value?.endLine ?? key.endLine, endColumn: value?.endColumn ?? key.endColumn };
}

/** Where the children of `spec:` start (the indentation of one of its keys). */
function specChildIndent(object: ManifestObjectInfo): number | undefined {
  for (const [path, field] of object.fields) if (/^spec\.[^.[]+$/.test(path)) return field.key.column - 1;
  return undefined;
}

/** Inserts `key: value` as the first child of `spec:` of `object`: the fix `title` (in `uri`, else this document). */
export function insertUnderSpec(
  object: ManifestObjectInfo,
  insert: { key: string; value: string; title: string; uri?: string },
): TextFix | undefined {
  const { key, value, title, uri } = insert;
  const spec = object.fields.get('spec');
  const indent = specChildIndent(object);
  if (!spec || indent === undefined) return undefined;
  return { title, uri, line: spec.key.line, start: 0, end: 0, newText: `${' '.repeat(indent)}${key}: ${value}\n` };
}

/** The edit that makes Service `name` headless in `text` (set or add `clusterIP: None`). */
export function headlessFix(text: string, name: string, namespace: string, uri?: string): TextFix | undefined {
  let read;
  try {
    read = manifestObjectRanges(text);
  } catch {
    return undefined;
  }
  const object = read.objects.find(
    (candidate) => candidate.kind === 'Service' && candidate.name === name && namespaceOf(candidate) === namespace,
  );
  if (!object) return undefined;
  const title = l10n.t('Make Service {0} headless (clusterIP: None)', name);
  const current = object.fields.get('spec.clusterIP');
  if (current?.value)
    return {
      title,
      uri,
      line: current.value.line - 1,
      start: current.value.column - 1,
      end: current.value.endColumn - 1,
      newText: 'None',
    };
  return insertUnderSpec(object, { key: 'clusterIP', value: 'None', title, uri });
}

function objectAt(objects: readonly ManifestObjectInfo[], line: number | undefined): ManifestObjectInfo | undefined {
  return line === undefined
    ? undefined
    : objects.find((object) => object.span.line <= line && line <= object.span.endLine);
}

/** Container port names (of `protocol`) on the pods and workload templates a Service selects. */
function portNamesBehind(model: ClusterModel, svc: Service, protocol: string): string[] {
  const containers = [
    ...model.podsSelectedBy(svc).flatMap((pod) => pod.containers ?? []),
    ...model.workloads
      .filter(
        (workload) =>
          namespaceOf(workload) === namespaceOf(svc) &&
          selectorMatches(svc.selector, workload.podLabels ?? workload.selector),
      )
      .flatMap((workload) => workload.containers ?? []),
  ];
  const names = containers.flatMap((container) =>
    container.ports.filter((port) => port.name && port.protocol === protocol).map((port) => port.name!),
  );
  return [...new Set(names)];
}

export function checkManifest(text: string, uri: string, model: ClusterModel): ManifestProblem[] {
  let read;
  try {
    read = manifestObjectRanges(text);
  } catch {
    return [];
  }
  const objects = read.objects;
  const out: ManifestProblem[] = [];

  // StatefulSets with no serviceName (the engine only judges the ones that have one).
  for (const object of objects) {
    if (object.kind !== 'StatefulSet' || !object.name || object.fields.has('spec.serviceName')) continue;
    const labels = (object.value.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)
      ?.template?.metadata?.labels;
    const governing = model.services.find(
      (service) =>
        namespaceOf(service) === namespaceOf(object) &&
        isHeadless(service) &&
        selectorMatches(service.selector, labels),
    );
    const fix = governing
      ? insertUnderSpec(object, {
          key: 'serviceName',
          value: governing.name,
          title: l10n.t('Set serviceName to the headless Service {0}', governing.name),
        })
      : undefined;
    out.push({
      code: 'statefulset-servicename-missing',
      severity: 'warning',
      span: fieldSpan(object, 'kind') ?? object.span,
      fixes: fix ? [fix] : [],
      message: l10n.t(
        'StatefulSet {0} has no serviceName: its pods get no per-pod DNS names ({0}-0.<service>.{1}.svc…) because no headless Service governs them.',
        object.name,
        namespaceOf(object),
      ),
    });
  }

  const docServices = model.services.filter((service) => service.evidence.some((evidence) => evidence.uri === uri));
  const findings = nothingAnswers({ model }, docServices);
  for (const finding of findings) {
    const here = finding.evidence.find((evidence) => evidence.uri === uri && evidence.line !== undefined);
    const object = objectAt(objects, here?.line);
    if (!object) continue;
    if (finding.id === 'statefulset-service-not-headless') {
      if (object.kind !== 'StatefulSet') continue;
      const serviceName = scalarText((object.value.spec as { serviceName?: unknown }).serviceName);
      const svc = model.findService(serviceName, namespaceOf(object));
      const svcUri = svc?.evidence.find((evidence) => evidence.source === 'manifest')?.uri;
      const fixes: TextFix[] = [];
      if (svc && svcUri === uri) {
        const makeHeadless = headlessFix(text, svc.name, namespaceOf(svc));
        if (makeHeadless) fixes.push(makeHeadless);
      }
      const headless = model.services.find(
        (service) =>
          namespaceOf(service) === namespaceOf(object) &&
          isHeadless(service) &&
          service.name !== serviceName &&
          selectorMatches(
            service.selector,
            (object.value.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata
              ?.labels,
          ),
      );
      const serviceNameField = object.fields.get('spec.serviceName');
      if (headless && serviceNameField?.value)
        fixes.push({
          title: l10n.t('Set serviceName to the headless Service {0}', headless.name),
          line: serviceNameField.value.line - 1,
          start: serviceNameField.value.column - 1,
          end: serviceNameField.value.endColumn - 1,
          newText: headless.name,
        });
      out.push({
        code: 'statefulset-service-not-headless',
        severity: 'warning',
        message: finding.message,
        span: fieldSpan(object, 'spec.serviceName') ?? object.span,
        fixes,
        ...(svc && svcUri && svcUri !== uri
          ? { makeHeadless: { name: svc.name, namespace: namespaceOf(svc), uri: svcUri } }
          : {}),
      });
    } else if (finding.id === 'selector-matches-no-pod') {
      if (object.kind !== 'Service') continue;
      out.push({
        code: 'selector-matches-no-pod',
        severity: 'warning',
        message: finding.message,
        span: fieldSpan(object, 'spec.selector') ?? object.span,
        fixes: [],
      });
    } else if (finding.id === 'targetport-name-missing') {
      if (object.kind !== 'Service') continue;
      const svc = model.findService(object.name ?? '', namespaceOf(object));
      const ports =
        (object.value.spec as { ports?: { targetPort?: unknown; protocol?: string }[] } | undefined)?.ports ?? [];
      ports.forEach((port, index) => {
        const missing = finding.title.match(/'(.*)'/)?.[1];
        if (typeof port.targetPort !== 'string' || port.targetPort !== missing) return;
        const field = object.fields.get(`spec.ports[${index}].targetPort`);
        if (!field) return;
        const names = svc ? portNamesBehind(model, svc, (port.protocol ?? 'TCP').toUpperCase()) : [];
        out.push({
          code: 'targetport-name-missing',
          severity: 'error',
          message: finding.message,
          span: fieldSpan(object, `spec.ports[${index}].targetPort`)!,
          fixes: field.value
            ? names.map((name) => ({
                title: l10n.t("Change targetPort to '{0}'", name),
                line: field.value!.line - 1,
                start: field.value!.column - 1,
                end: field.value!.endColumn - 1,
                newText: name,
              }))
            : [],
        });
      });
    }
  }
  return out;
}
