import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { ClusterModel, describeEvidence, type Evidence } from '../model';
import { diagnose, type Diagnosis } from '../flow';
import { registerCommand } from './commands';
import { filesUnder, spreadPathOptions } from './files';
import { evidenceJson, manifestFiles, parseManifest, parseTranscript, type Notes } from './traceCommand';
import { UsageError, type CliIO } from './usage';

const usage = `Usage: kube-packet-path diagnose --logs PATH... [--manifests PATH]... [--format text|json]

Finds every problem the pasted outputs show, without FROM/TO: each failing connection in the
captures (refused, no reply, reset, unreachable) and each name a client could not resolve is
traced, and the causes found are ranked, each with the hop where the flow stops, its evidence
(file:line) and the fix. Exits with 1 when an error or warning is found.

  --logs PATH       pasted command output (tcpdump, iptables, sysctl, ss, curl …; repeatable)
  --manifests PATH  YAML/JSON manifests (file or folder; repeatable)
  --format FORMAT   text (default) or json

Example:
  kube-packet-path diagnose --logs node1.txt --manifests cluster.yaml`;

const where = (evidence: readonly Evidence[]) =>
  [...new Set(evidence.filter((item) => item.source !== 'derived').map(describeEvidence))].slice(0, 6);

/** Text for a terminal: the problems, most important first, each with where it breaks and its proof. */
function diagnosisText(diagnosis: Diagnosis): string {
  const out: string[] = [];
  const { problems, requests } = diagnosis;
  out.push(
    problems.length
      ? `${problems.length} problem(s), most important first (${requests.length} failing request(s) examined):`
      : `No problem found (${requests.length} failing request(s) examined).`,
  );
  problems.forEach((problem, index) => {
    const { finding } = problem;
    out.push(`${index + 1}. ${finding.severity.toUpperCase()} ${finding.id}: ${finding.title}`);
    if (finding.hop) out.push(`   broken at ${finding.hop} (${problem.flow})`);
    else out.push(`   in ${problem.flow}`);
    out.push(`   ${finding.message}`);
    if (finding.fix) out.push(`   fix: ${finding.fix}`);
    const proof = where(finding.evidence);
    if (proof.length) out.push(`   evidence: ${proof.join(', ')}`);
    if (problem.count > 1) out.push(`   seen in ${problem.count} failing connections or lookups`);
  });
  if (requests.length) out.push('', 'Failing requests:', ...requests.map((request) => `  ${request}`));
  return out.join('\n') + '\n';
}

/** JSON: the ranked problems with their evidence `{uri, line, excerpt, role}`. */
function diagnosisJson(diagnosis: Diagnosis): unknown {
  return {
    problems: diagnosis.problems.map(({ finding, flow, request, count }, index) => ({
      rank: index + 1,
      id: finding.id,
      severity: finding.severity,
      title: finding.title,
      message: finding.message,
      hop: finding.hop ?? null,
      fix: finding.fix ?? null,
      flow,
      request,
      count,
      evidence: finding.evidence.map(evidenceJson),
    })),
    requests: diagnosis.requests,
  };
}

function runDiagnose(args: string[], io: CliIO): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: spreadPathOptions(args),
      options: {
        manifests: { type: 'string', multiple: true, default: [] },
        logs: { type: 'string', multiple: true, default: [] },
        format: { type: 'string', default: 'text' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
  if (!['text', 'json'].includes(values.format))
    throw new UsageError(`--format must be text or json, got '${values.format}'`, usage);
  if (!values.logs?.length) throw new UsageError('--logs is required (the outputs to diagnose)', usage);
  const model = new ClusterModel();
  const notes: Notes = { lines: [] };
  for (const path of values.manifests ?? [])
    for (const manifestFile of manifestFiles(path))
      parseManifest(model, notes, io.readFile(manifestFile), relative(process.cwd(), manifestFile) || manifestFile);
  for (const path of values.logs)
    for (const file of filesUnder(path)) parseTranscript(model, notes, io.readFile(file), file);
  const diagnosis = diagnose(model);
  for (const line of notes.lines) io.err(`note: ${line}\n`);
  io.out(
    values.format === 'json' ? JSON.stringify(diagnosisJson(diagnosis), null, 2) + '\n' : diagnosisText(diagnosis),
  );
  return diagnosis.problems.some((problem) => problem.finding.severity !== 'info') ? 1 : 0;
}

registerCommand({
  name: 'diagnose',
  summary: 'find why requests fail: every problem in the given outputs, ranked, with evidence',
  usage,
  run: runDiagnose,
});
