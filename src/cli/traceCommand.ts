import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from '../ingest/document';
import { formatForCommand, formatSpec, sniffFormat } from '../ingest/registry';
import type { ParseInput } from '../ingest/types';
import { ClusterModel, describeEvidence, evidenceRole, type Evidence, type EvidenceRole } from '../model';
import { brokenAt, trace, UnknownTargetError } from '../flow';
import type { Actor, ConnectionSummary, Flow, FlowStep, TraceResult } from '../flow/types';
import { renderMarkdown } from '../render/markdown';
import { renderMermaid } from '../render/mermaid';
import { findSample, SAMPLES } from '../samples/registry';
import { filesUnder, spreadPathOptions } from './files';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, EXIT_NOTHING_READ, readCluster, wantsCluster } from './clusterSource';
import { registerCommand } from './commands';
import { UsageError, type CliIO } from './usage';

const usage = `Usage: kube-packet-path trace --from SRC --to DST[:PORT[/PROTO]] [--manifests PATH]... [--logs PATH]...
                              [--sample NAME] [--connection N] [--format text|json|mermaid|markdown]
                              [--cluster] [--kubeconfig PATH] [--context NAME] [--namespace NS]...

Traces how a packet from SRC reaches DST, hop by hop, with the evidence for each hop
(file:line) or marked predicted. SRC/DST: pod name, ns/name, IP, Service name, ns/svc,
or a cluster DNS name; DST may end in :PORT or :PORT/PROTO. Exits with 1 when a flow
stops at a hop (the text says "broken at HOP: CAUSE").

  --manifests PATH… YAML/JSON manifests (files or folders; repeatable)
  --logs PATH…      pasted command output (tcpdump, iptables, nslookup, kubectl …; files or folders; repeatable)
  --sample NAME     a bundled sample from the seed report (see \`kube-packet-path samples\`);
                    SRC/DST default to the sample's own
  --connection N    only the flow of the N-th connection between SRC and DST the captures show
                    (1-based, in order of their first packet; every connection by default)
  --format FORMAT   text (default), json, mermaid, markdown
${CLUSTER_USAGE}

Statuses: observed (a packet of this connection captured at this point), configured (rules,
routes or objects say so), predicted (defaults only), missing (a capture covering this point
while the connection ran does not show it), contradicted (a capture shows something else).

Example:
  kube-packet-path trace --sample a2-pod-to-service --format mermaid`;

/** The samples folder beside dist/ (the built CLI is dist/cli.js), else under the working directory. */
export function samplesRoot(): string {
  const candidates = [join(__dirname, '..', 'samples'), join(process.cwd(), 'samples')];
  return candidates.find((candidate) => existsSync(join(candidate, 'README.md'))) ?? candidates[0];
}

export interface Notes {
  lines: string[];
}

/** One saved output (`command`, when known, picks its parser; else its text is sniffed). */
function parseLog(model: ClusterModel, notes: Notes, log: Pick<ParseInput, 'text' | 'uri' | 'command' | 'host'>): void {
  const { text, uri, command, host } = log;
  const spec = (command ? formatForCommand(command) : undefined) ?? sniffFormat(text.split('\n'));
  if (!spec) {
    notes.lines.push(`${uri}: no parser recognises this output${command ? ` (${command})` : ''}; skipped`);
    return;
  }
  const parseResult = spec.parse({ text, uri, command, host });
  model.add(parseResult.facts);
  if (parseResult.unparsed.length)
    notes.lines.push(`${uri}: ${parseResult.unparsed.length} line(s) not understood by ${spec.id}`);
}

/**
 * A file the user pasted: a terminal session, a report, or one command's output; the transcript splitter finds the
 * blocks.
 */
export function parseTranscript(model: ClusterModel, notes: Notes, text: string, uri: string): void {
  const doc = parseDocument(text, uri);
  model.add(doc.facts);
  const unknown = doc.blocks.filter(
    (documentBlock) => documentBlock.format === 'unknown' && documentBlock.result.unparsed.length > 0,
  );
  if (!doc.facts.length) notes.lines.push(`${uri}: nothing recognised`);
  else if (unknown.length)
    notes.lines.push(
      `${uri}: ${unknown.length} block(s) not recognised (lines ${unknown
        .slice(0, 5)
        .map((documentBlock) => `${documentBlock.startLine}-${documentBlock.endLine}`)
        .join(', ')}${unknown.length > 5 ? ', …' : ''})`,
    );
}

export function parseManifest(model: ClusterModel, notes: Notes, text: string, uri: string): void {
  const spec = formatSpec('manifest');
  if (!spec) {
    notes.lines.push(`${uri}: manifest reader not available in this build; skipped`);
    return;
  }
  model.add(spec.parse({ text, uri }).facts);
}

/** The manifests a --manifests PATH names: the file, or every YAML/JSON file under a folder. */
export function manifestFiles(path: string): string[] {
  return filesUnder(path, (name) => /\.(ya?ml|json)$/i.test(name));
}

/** One piece of evidence in the JSON outputs: where it is, what it says, what it can prove. */
export function evidenceJson(evidence: Evidence & { role?: EvidenceRole }): unknown {
  return {
    uri: evidence.uri,
    line: evidence.line ?? null,
    excerpt: evidence.excerpt ?? null,
    role: evidence.role ?? evidenceRole(evidence),
  };
}

/**
 * JSON as documented in README ("The CLI", JSON output): flows → phases → steps with actor objects
 * and evidence {uri, line, excerpt, role}; each flow with the connections between SRC and DST and
 * the one it walks.
 */
function traceJson(result: TraceResult): unknown {
  const ev = evidenceJson;
  const actor = (actors: Actor[], id: string) => {
    const found = actors.find((candidate) => candidate.id === id);
    return found
      ? {
          kind: found.kind,
          name: found.name,
          ...(found.addresses ? { addresses: found.addresses } : {}),
          ...(found.interfaces ? { interfaces: found.interfaces } : {}),
        }
      : { kind: 'unknown', name: id };
  };
  return {
    flows: result.flows.map((flow) => ({
      title: flow.title,
      family: flow.family,
      connection: flow.connection !== undefined ? flow.connection + 1 : null,
      connections: (flow.connections ?? []).map((connectionSummary) => ({
        number: connectionSummary.number,
        protocol: connectionSummary.protocol,
        client: connectionSummary.client,
        original: connectionSummary.original,
        translated: connectionSummary.translated ?? null,
        masqueraded: connectionSummary.masqueraded ?? null,
        endpoint: connectionSummary.endpoint ?? null,
        nodes: connectionSummary.nodes,
        outcome: connectionSummary.outcome,
        start: connectionSummary.start ?? null,
        end: connectionSummary.end ?? null,
        packets: connectionSummary.packets,
        evidence: connectionSummary.evidence.map(ev),
      })),
      phases: flow.phases.map((flowPhase) => ({
        name: flowPhase.name,
        steps: flowPhase.steps.map((flowStep) => ({
          from: actor(flow.actors, flowStep.from),
          to: actor(flow.actors, flowStep.to),
          label: flowStep.label,
          status: flowStep.status,
          kind: flowStep.kind,
          ...(flowStep.nat ? { nat: flowStep.nat } : {}),
          explanation: flowStep.explanation,
          evidence: flowStep.evidence.map(ev),
        })),
      })),
      findings: flow.findings.map((finding) => ({
        id: finding.id,
        severity: finding.severity,
        title: finding.title,
        message: finding.message,
        ...(finding.hop ? { hop: finding.hop, step: finding.step } : {}),
        ...(finding.fix ? { fix: finding.fix } : {}),
        evidence: finding.evidence.map(ev),
      })),
      brokenAt: brokenSummary(flow),
    })),
    unresolved: [...result.unresolved, ...result.flows.flatMap((flow) => flow.unresolved)],
  };
}

/** `{ hop, cause, finding }` of a flow that stops, null when it does not. */
function brokenSummary(flow: Flow): { hop: string; cause: string; finding: string } | null {
  const at = brokenAt(flow);
  return at ? { hop: at.hop, cause: at.title, finding: at.id } : null;
}

/** Plain text for a terminal: one line per hop with its status and where the proof is. */
/** ` ⇒ [masqueraded client → ]translated address`, when a capture shows the translation. */
function translationText(connection: ConnectionSummary): string {
  if (!connection.translated) return '';
  const client = connection.masqueraded ? `${connection.masqueraded} → ` : '';
  return ` ⇒ ${client}${connection.translated}`;
}

/** ` (pod on node)` the translated address belongs to, when known. */
function endpointText(connection: ConnectionSummary): string {
  const endpoint = connection.endpoint;
  if (!endpoint?.pod) return '';
  return ` (${endpoint.pod}${endpoint.node ? ` on ${endpoint.node}` : ''})`;
}

/** `  [DNAT before → after]` for a step that rewrites an address. */
function natText(nat: FlowStep['nat']): string {
  return nat ? `  [${nat.type} ${nat.before} → ${nat.after}]` : '';
}

function traceText(result: TraceResult): string {
  const out: string[] = [];
  for (const flow of result.flows) {
    const name = (id: string) => flow.actors.find((actor) => actor.id === id)?.name ?? id;
    out.push(`${flow.title}  [${flow.family}]`);
    const walked = flow.connection !== undefined ? flow.connections?.[flow.connection] : undefined;
    if (walked)
      out.push(
        `  connection ${walked.number}: ${walked.protocol.toUpperCase()} ${walked.client} → ` +
          `${walked.original}${translationText(walked)}${endpointText(walked)}: ${walked.outcome}; ` +
          `seen on ${walked.nodes.join(', ') || 'an unnamed node'}`,
      );
    for (const flowPhase of flow.phases) {
      out.push(`  ${flowPhase.name}`);
      for (const flowStep of flowPhase.steps) {
        const where = [
          ...new Set(flowStep.evidence.filter((evidence) => evidence.source !== 'derived').map(describeEvidence)),
        ]
          .slice(0, 3)
          .join(', ');
        out.push(
          `    ${flowStep.status.padEnd(12)} ${name(flowStep.from)} → ${name(flowStep.to)}: ` +
            `${flowStep.label}${natText(flowStep.nat)}${where ? `  (${where})` : ''}`,
        );
        if (flowStep.explanation) out.push(`                 ${flowStep.explanation}`);
        for (const alternative of flowStep.alternatives ?? [])
          out.push(
            `                   ${alternative.chosen ? '*' : '-'} ${alternative.label}` +
              (alternative.probability !== undefined
                ? ` (overall ${(alternative.probability * 100).toFixed(0)}%)`
                : ''),
          );
      }
    }
    for (const finding of flow.findings) {
      out.push(
        `  ${finding.severity.toUpperCase()} ${finding.id}${finding.hop ? ` at ${finding.hop}` : ''}: ` +
          `${finding.message}`,
      );
      if (finding.fix) out.push(`    fix: ${finding.fix}`);
    }
    const broken = brokenAt(flow);
    if (broken) out.push(`  broken at ${broken.hop}: ${broken.title}`);
    for (const missing of flow.unresolved) out.push(`  missing: ${missing}`);
  }
  for (const missing of result.unresolved) out.push(`missing: ${missing}`);
  return out.join('\n') + '\n';
}

async function runTrace(args: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: spreadPathOptions(args),
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        manifests: { type: 'string', multiple: true, default: [] },
        logs: { type: 'string', multiple: true, default: [] },
        sample: { type: 'string' },
        connection: { type: 'string' },
        format: { type: 'string', default: 'text' },
        ...CLUSTER_OPTIONS,
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
  const format = values.format;
  if (!['text', 'json', 'mermaid', 'markdown'].includes(format))
    throw new UsageError(`--format must be text, json, mermaid or markdown, got '${format}'`, usage);
  const model = new ClusterModel();
  const notes: Notes = { lines: [] };
  let from = values.from;
  let to = values.to;
  if (values.sample) {
    const sample = findSample(values.sample);
    if (!sample)
      throw new UsageError(
        `unknown sample '${values.sample}'. Samples: ${SAMPLES.map((known) => known.name).join(', ')}`,
        usage,
      );
    const root = samplesRoot();
    for (const manifest of sample.manifests)
      parseManifest(model, notes, io.readFile(join(root, manifest)), `samples/${manifest}`);
    for (const sampleInput of sample.logs)
      parseLog(model, notes, {
        text: io.readFile(join(root, sampleInput.file)),
        uri: `samples/${sampleInput.file}`,
        command: sampleInput.command,
        host: sampleInput.host,
      });
    from ??= sample.from;
    to ??= sample.to;
  }
  for (const path of values.manifests ?? [])
    for (const file of filesUnder(path, (name) => /\.(ya?ml|json)$/i.test(name)))
      parseManifest(model, notes, io.readFile(file), relative(process.cwd(), file) || file);
  // A folder of saved outputs is read file by file, as --manifests reads a folder of manifests.
  for (const path of values.logs ?? [])
    for (const file of filesUnder(path)) parseTranscript(model, notes, io.readFile(file), file);
  if (!from || !to) throw new UsageError('--from and --to are required (or --sample NAME)', usage);
  if (wantsCluster(values)) {
    const read = await readCluster(values, io, model);
    if (read.nothingRead) {
      for (const line of read.lines) io.err(`kube-packet-path trace: ${line}\n`);
      return EXIT_NOTHING_READ;
    }
    notes.lines.push(read.headline, ...read.lines);
  }

  let result: TraceResult;
  try {
    const asked = values.connection !== undefined ? Number(values.connection) : undefined;
    result = trace(model, from, to, asked !== undefined && Number.isInteger(asked) ? { connection: asked } : {});
  } catch (e) {
    if (e instanceof UnknownTargetError) {
      io.err(`kube-packet-path trace: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  for (const line of notes.lines) io.err(`note: ${line}\n`);
  if (values.connection !== undefined) {
    const wanted = Number(values.connection);
    const count = result.flows[0]?.connections?.length ?? 0;
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > count) {
      io.err(
        `kube-packet-path trace: --connection ${values.connection}: ` +
          (count === 0
            ? 'the captures show no connection between them'
            : `give 1 to ${count} (the captures show ${count} connection${count === 1 ? '' : 's'})`) +
          '\n',
      );
      return 2;
    }
  }
  if (format === 'json') io.out(JSON.stringify(traceJson(result), null, 2) + '\n');
  else if (format === 'mermaid') io.out(result.flows.map((flow) => renderMermaid(flow)).join('\n\n') + '\n');
  else if (format === 'markdown') io.out(renderMarkdown(result));
  else io.out(traceText(result));
  // A flow that stops at a hop is a failure the caller can test for (scripts, CI).
  return result.flows.some((flow) => brokenAt(flow) !== undefined) ? 1 : 0;
}

registerCommand({
  name: 'trace',
  summary: 'trace a packet from SRC to DST hop by hop, with evidence',
  usage,
  run: runTrace,
});
