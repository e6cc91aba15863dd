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

function fieldSpan(o: ManifestObjectInfo, path: string): TextSpan | undefined {
  const f = o.fields.get(path);
  return f
    ? { ...f.key, endLine: f.value?.endLine ?? f.key.endLine, endColumn: f.value?.endColumn ?? f.key.endColumn }
    : undefined;
}

/** Where the children of `spec:` start (the indentation of one of its keys). */
function specChildIndent(o: ManifestObjectInfo): number | undefined {
  for (const [path, f] of o.fields) if (/^spec\.[^.[]+$/.test(path)) return f.key.column - 1;
  return undefined;
}

/** Inserts `key: value` as the first child of `spec:` of object `o`. */
export function insertUnderSpec(
  o: ManifestObjectInfo,
  key: string,
  value: string,
  title: string,
  uri?: string,
): TextFix | undefined {
  const spec = o.fields.get('spec');
  const indent = specChildIndent(o);
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
  const o = read.objects.find((x) => x.kind === 'Service' && x.name === name && namespaceOf(x) === namespace);
  if (!o) return undefined;
  const title = l10n.t('Make Service {0} headless (clusterIP: None)', name);
  const current = o.fields.get('spec.clusterIP');
  if (current?.value)
    return {
      title,
      uri,
      line: current.value.line - 1,
      start: current.value.column - 1,
      end: current.value.endColumn - 1,
      newText: 'None',
    };
  return insertUnderSpec(o, 'clusterIP', 'None', title, uri);
}

function objectAt(objects: readonly ManifestObjectInfo[], line: number | undefined): ManifestObjectInfo | undefined {
  return line === undefined ? undefined : objects.find((o) => o.span.line <= line && line <= o.span.endLine);
}

/** Container port names (of `protocol`) on the pods and workload templates a Service selects. */
function portNamesBehind(model: ClusterModel, svc: Service, protocol: string): string[] {
  const containers = [
    ...model.podsSelectedBy(svc).flatMap((p) => p.containers ?? []),
    ...model.workloads
      .filter((w) => namespaceOf(w) === namespaceOf(svc) && selectorMatches(svc.selector, w.podLabels ?? w.selector))
      .flatMap((w) => w.containers ?? []),
  ];
  return [
    ...new Set(containers.flatMap((c) => c.ports.filter((p) => p.name && p.protocol === protocol).map((p) => p.name!))),
  ];
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
  for (const o of objects) {
    if (o.kind !== 'StatefulSet' || !o.name || o.fields.has('spec.serviceName')) continue;
    const labels = (o.value.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)
      ?.template?.metadata?.labels;
    const governing = model.services.find(
      (s) => namespaceOf(s) === namespaceOf(o) && isHeadless(s) && selectorMatches(s.selector, labels),
    );
    const fix = governing
      ? insertUnderSpec(
          o,
          'serviceName',
          governing.name,
          l10n.t('Set serviceName to the headless Service {0}', governing.name),
        )
      : undefined;
    out.push({
      code: 'statefulset-servicename-missing',
      severity: 'warning',
      span: fieldSpan(o, 'kind') ?? o.span,
      fixes: fix ? [fix] : [],
      message: l10n.t(
        'StatefulSet {0} has no serviceName: its pods get no per-pod DNS names ({0}-0.<service>.{1}.svc…) because no headless Service governs them.',
        o.name,
        namespaceOf(o),
      ),
    });
  }

  const docServices = model.services.filter((s) => s.evidence.some((e) => e.uri === uri));
  const findings = nothingAnswers({ model }, docServices);
  for (const f of findings) {
    const ev = f.evidence.find((e) => e.uri === uri && e.line !== undefined);
    const o = objectAt(objects, ev?.line);
    if (!o) continue;
    if (f.id === 'statefulset-service-not-headless') {
      if (o.kind !== 'StatefulSet') continue;
      const serviceName = scalarText((o.value.spec as { serviceName?: unknown }).serviceName);
      const svc = model.findService(serviceName, namespaceOf(o));
      const svcUri = svc?.evidence.find((e) => e.source === 'manifest')?.uri;
      const fixes: TextFix[] = [];
      if (svc && svcUri === uri) {
        const fx = headlessFix(text, svc.name, namespaceOf(svc));
        if (fx) fixes.push(fx);
      }
      const headless = model.services.find(
        (s) =>
          namespaceOf(s) === namespaceOf(o) &&
          isHeadless(s) &&
          s.name !== serviceName &&
          selectorMatches(
            s.selector,
            (o.value.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata
              ?.labels,
          ),
      );
      const sn = o.fields.get('spec.serviceName');
      if (headless && sn?.value)
        fixes.push({
          title: l10n.t('Set serviceName to the headless Service {0}', headless.name),
          line: sn.value.line - 1,
          start: sn.value.column - 1,
          end: sn.value.endColumn - 1,
          newText: headless.name,
        });
      out.push({
        code: 'statefulset-service-not-headless',
        severity: 'warning',
        message: f.message,
        span: fieldSpan(o, 'spec.serviceName') ?? o.span,
        fixes,
        ...(svc && svcUri && svcUri !== uri
          ? { makeHeadless: { name: svc.name, namespace: namespaceOf(svc), uri: svcUri } }
          : {}),
      });
    } else if (f.id === 'selector-matches-no-pod') {
      if (o.kind !== 'Service') continue;
      out.push({
        code: 'selector-matches-no-pod',
        severity: 'warning',
        message: f.message,
        span: fieldSpan(o, 'spec.selector') ?? o.span,
        fixes: [],
      });
    } else if (f.id === 'targetport-name-missing') {
      if (o.kind !== 'Service') continue;
      const svc = model.findService(o.name ?? '', namespaceOf(o));
      const ports =
        (o.value.spec as { ports?: { targetPort?: unknown; protocol?: string }[] } | undefined)?.ports ?? [];
      ports.forEach((p, i) => {
        const missing = f.title.match(/'(.*)'/)?.[1];
        if (typeof p.targetPort !== 'string' || p.targetPort !== missing) return;
        const field = o.fields.get(`spec.ports[${i}].targetPort`);
        if (!field) return;
        const names = svc ? portNamesBehind(model, svc, (p.protocol ?? 'TCP').toUpperCase()) : [];
        out.push({
          code: 'targetport-name-missing',
          severity: 'error',
          message: f.message,
          span: fieldSpan(o, `spec.ports[${i}].targetPort`)!,
          fixes: field.value
            ? names.map((n) => ({
                title: l10n.t("Change targetPort to '{0}'", n),
                line: field.value!.line - 1,
                start: field.value!.column - 1,
                end: field.value!.endColumn - 1,
                newText: n,
              }))
            : [],
        });
      });
    }
  }
  return out;
}
