import '../../ingest/all';
import { parseDocument, splitLines } from '../../ingest/document';
import { formatForCommand, formatSpec, sniffFormat } from '../../ingest/registry';
import { commandLine } from '../../ingest/transcript/prompt';
import { ClusterModel, namespacedName, type Fact } from '../../model';
import { SAMPLES, type SampleInput } from '../../samples/registry';
export { buildModel, factsOf } from './modelParts.pure';

/**
 * Pure helpers of the workspace model (no `vscode`): which texts are manifests or logs,
 * how one text becomes facts, and how cached facts become one ClusterModel.
 */

/** A YAML/JSON text that holds Kubernetes objects (cheap test before parsing). */
export function looksLikeManifest(text: string): boolean {
  return /^\s*(- )?kind:\s*[A-Z]/m.test(text) || /"kind"\s*:\s*"[A-Z]/.test(text);
}

/**
 * What the workspace reads on its own (the scan and open manifests): the YAML library pays per
 * document and per byte (a 22 MB multi-document file took 40 s and 1.9 GB), so larger files
 * are skipped with a log line; the CLI and pasted text have no such limit.
 */
export const WORKSPACE_MANIFEST_LIMITS = { maxBytes: 2_000_000, maxDocuments: 1000 };

/** Why a manifest text is over the workspace limits, or undefined. Counts `---` lines (linear). */
export function manifestLimitProblem(text: string): string | undefined {
  const { maxBytes, maxDocuments } = WORKSPACE_MANIFEST_LIMITS;
  if (text.length > maxBytes)
    return `${(text.length / 1e6).toFixed(1)} MB, over the limit of ${(maxBytes / 1e6).toFixed(1)} MB per file`;
  let documents = 1;
  for (let at = text.indexOf('---'); at >= 0; at = text.indexOf('---', at + 3))
    if (at === 0 || text.charCodeAt(at - 1) === 10) documents++;
  if (documents > maxDocuments) return `${documents} YAML documents, over the limit of ${maxDocuments} per file`;
  return undefined;
}

/** Facts of a manifest file (YAML or JSON); bad documents are skipped, never thrown. */
export function manifestFacts(text: string, uri: string): { facts: Fact[]; problems: number } {
  const spec = formatSpec('manifest');
  if (!spec) return { facts: [], problems: 0 };
  const parsed = spec.parse({ text, uri });
  return { facts: parsed.facts, problems: parsed.unparsed.length };
}

/** Facts of a log (a capture, a rule dump, a whole terminal session), through the transcript splitter. */
export function logFacts(text: string, uri: string): { facts: Fact[]; problems: number } {
  const doc = parseDocument(text, uri);
  return { facts: doc.facts, problems: doc.blocks.reduce((count, block) => count + block.result.unparsed.length, 0) };
}

/**
 * The bundled sample a file is (by its path: `…/a2-pod-to-service/nslookup.txt`), when it is one.
 * The samples are one file per command, most flattened to one line and without the command:
 * the registry records the command, so the right parser reads them (as `trace --sample` does).
 */
export function sampleInputOf(uri: string): SampleInput | undefined {
  const path = decodeURIComponent(uri);
  for (const sample of SAMPLES) for (const input of sample.logs) if (path.endsWith(`/${input.file}`)) return input;
  return undefined;
}

/** The samples (labs) a file belongs to: its manifests and logs; kube-system's manifests serve several. */
export function sampleLabsOf(uri: string): string[] {
  const path = decodeURIComponent(uri);
  return SAMPLES.filter(
    (sample) =>
      sample.logs.some((input) => path.endsWith(`/${input.file}`)) ||
      sample.manifests.some((file) => path.endsWith(`/${file}`)),
  ).map((sample) => sample.name);
}

/**
 * Facts of a workspace file that may be a log: a bundled sample through its recorded command,
 * else what the sniffer recognises through the transcript splitter; `undefined` when nothing
 * in it is recognised (the caller says so).
 */
export function logFileFacts(text: string, uri: string): { facts: Fact[]; format: string } | undefined {
  const input = sampleInputOf(uri);
  const spec = input ? formatForCommand(input.command) : undefined;
  if (input && spec) {
    const parsed = spec.parse({ text, uri, command: input.command, host: input.host });
    return { facts: parsed.facts, format: spec.id };
  }
  const format = sniffedFormat(text);
  if (format) return { facts: logFacts(text, uri).facts, format };
  // A terminal session (`root@node1:/# iptables -V`, then its output, then the next command) mixes
  // formats no single sniffer scores high: it counts when its head runs a command a parser reads.
  if (!sessionHead(text)) return undefined;
  const facts = logFacts(text, uri).facts;
  return facts.length ? { facts, format: 'transcript' } : undefined;
}

/** True when one of the first 50 lines is a prompt (or bare command) whose output a parser reads. */
function sessionHead(text: string): boolean {
  const head = splitLines(text.length > 20_000 ? text.slice(0, 20_000) : text).slice(0, 50);
  return head.some((line) => {
    const command = commandLine(line);
    return command !== undefined && formatForCommand(command.effective) !== undefined;
  });
}

/** The format a plain-text document looks like (its first lines), or undefined when none fits. */
export function sniffedFormat(text: string, threshold?: number): string | undefined {
  const head = splitLines(text.length > 20_000 ? text.slice(0, 20_000) : text).slice(0, 50);
  return sniffFormat(head, threshold)?.id;
}

/**
 * buildModel in turns: `slice` facts at a time, awaiting `pause()` between slices, so that a model
 * of a large log (85,000 facts took 0.3–0.9 s) does not hold the extension host's thread.
 */
export async function buildModelInTurns(
  parts: Iterable<readonly Fact[]>,
  options: { slice: number; pause: () => Promise<unknown> },
): Promise<ClusterModel> {
  const model = new ClusterModel();
  for (const facts of parts)
    for (let at = 0; at < facts.length; at += options.slice) {
      model.add(at === 0 && facts.length <= options.slice ? facts : facts.slice(at, at + options.slice));
      if (facts.length > options.slice) await options.pause();
    }
  return model;
}

/** Kinds that are objects people name in manifests; a name means one thing per namespace. */
const OBJECT_KINDS = new Set<string>([
  'Service',
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'EndpointSlice',
]);

const objectName = (fact: Fact): string | undefined =>
  OBJECT_KINDS.has(fact.kind) && 'name' in fact ? namespacedName(fact) : undefined;

export interface SourcePart {
  uri: string;
  /** True for manifests (files and open YAML/JSON), false for logs and the cluster read. */
  manifest: boolean;
  facts: readonly Fact[];
}

/**
 * The parts to merge when tracing from one manifest: that manifest first, and other manifests'
 * objects that reuse one of its namespace/names (of any kind) set aside: the same name in two
 * files is two versions of the app (two labs, two branches), and mixing them would answer with
 * the other one's ClusterIP, selector or pods. Logs and the cluster read are kept whole.
 */
export function preferManifest(
  parts: readonly SourcePart[],
  preferUri: string,
): { facts: (readonly Fact[])[]; setAside: string[] } {
  const preferred = parts.filter((part) => part.uri === preferUri);
  if (preferred.length === 0) return { facts: parts.map((part) => part.facts), setAside: [] };
  // A bundled sample's manifest traces with its own lab's files: another lab's outputs name the
  // same pods and Services with other addresses (a2's a-app has a ClusterIP, a3's is headless).
  const setAside: string[] = [];
  const labs = new Set(sampleLabsOf(preferUri));
  const otherLab = (uri: string) => {
    const mine = sampleLabsOf(uri);
    return labs.size > 0 && mine.length > 0 && !mine.some((lab) => labs.has(lab));
  };
  const names = new Set<string>();
  for (const part of preferred)
    for (const fact of part.facts) {
      const name = objectName(fact);
      if (name) names.add(name);
    }
  const rest = parts
    .filter((part) => part.uri !== preferUri)
    .filter((part) => {
      if (!otherLab(part.uri)) return true;
      setAside.push(`${part.uri} (another sample lab)`);
      return false;
    })
    .map((part) => {
      if (!part.manifest) return part.facts;
      return part.facts.filter((fact) => {
        const name = objectName(fact);
        if (!name || !names.has(name)) return true;
        setAside.push(`${fact.kind} ${name} (${part.uri})`);
        return false;
      });
    });
  return { facts: [...preferred.map((part) => part.facts), ...rest], setAside };
}

/** Formats the extension has an editor language for (grammar, hovers, Show Flow). */
const FORMAT_LANGUAGES: Readonly<Record<string, string>> = { tcpdump: 'tcpdump', 'iptables-save': 'iptables-save' };

/**
 * The language a plain-text file should be shown in, by its content (its first lines; a bundled
 * sample by its recorded command): `.txt` maps to Plain Text before a language's `firstLine`
 * pattern is ever tried, so captures saved as `.txt` were never coloured.
 */
export function detectedLanguage(head: string, uri: string): string | undefined {
  const input = sampleInputOf(uri);
  // A whole file of one tool's output (as `rules` reads one), not a session quoting several.
  const format = input ? formatForCommand(input.command)?.id : sniffedFormat(head, 0.8);
  return format ? FORMAT_LANGUAGES[format] : undefined;
}
