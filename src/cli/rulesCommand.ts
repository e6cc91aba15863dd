import { parseArgs } from 'node:util';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { registerCommand } from './commands';
import { UsageError, type CliIO } from './usage';
import '../ingest/all';
import { formatSpec, sniffFormat } from '../ingest/registry';
import type { FormatSpec } from '../ingest/types';
import { ClusterModel, type KubeProxyMode } from '../model';
import { predictRules } from '../flow/rules/predict';

const usage = `Usage: kube-packet-path rules --manifests PATH [--manifests PATH]... [--logs PATH]...
                              [--mode iptables|nftables|ipvs] [--node NAME] [--cluster-cidr CIDR] [--json]

Prints the rules kube-proxy would program for the Services found in PATH (YAML/JSON
manifests or kubectl output; a directory is read recursively): iptables-save text,
\`nft list table ip kube-proxy\` text, or \`ipvsadm -Ln\` text. Everything printed is a
prediction, derived from the Services and their endpoints (EndpointSlices, else the
pods each selector picks). --logs adds saved command output (kubectl, iptables …).
The mode defaults to the kube-proxy mode found in the inputs, else iptables. The
cluster CIDR (for the "! -s CIDR -j KUBE-MARK-MASQ" rules) comes from the kube-proxy
or Flannel config in the inputs unless given.

Example:
  kube-packet-path rules --manifests test/fixtures/netfilter/seed-cluster.yaml`;

const MODES: KubeProxyMode[] = ['iptables', 'nftables', 'ipvs'];
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function expand(path: string): string[] {
  let st;
  try { st = statSync(path); } catch { return [path]; }
  if (!st.isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((n) => (n.startsWith('.') ? [] : expand(join(path, n))));
}

function formatFor(path: string, text: string, manifests: boolean): FormatSpec | undefined {
  if (manifests && MANIFEST_FILE.test(path)) return formatSpec('manifest') ?? sniffFormat(text.split(/\r?\n/, 50));
  return sniffFormat(text.split(/\r?\n/, 50));
}

registerCommand({
  name: 'rules',
  summary: 'print the iptables/nftables/IPVS rules kube-proxy would program for the Services',
  usage,
  run(args: string[], io: CliIO) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          manifests: { type: 'string', multiple: true, default: [] },
          logs: { type: 'string', multiple: true, default: [] },
          mode: { type: 'string' },
          node: { type: 'string' },
          'cluster-cidr': { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        strict: true,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message, usage);
    }
    const manifests = values.manifests ?? [];
    const logs = values.logs ?? [];
    if (manifests.length === 0 && logs.length === 0) throw new UsageError('--manifests PATH is required', usage);
    if (values.mode !== undefined && !MODES.includes(values.mode as KubeProxyMode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${values.mode}'`, usage);
    const model = new ClusterModel();
    const warnings: string[] = [];
    for (const [paths, isManifest] of [[manifests, true], [logs, false]] as const) {
      for (const file of paths.flatMap(expand)) {
        const text = io.readFile(file);
        const spec = formatFor(file, text, isManifest);
        if (!spec) { warnings.push(`${file}: format not recognised, skipped`); continue; }
        const result = spec.parse({ text, uri: file });
        model.add(result.facts);
        if (result.unparsed.length) warnings.push(`${file}: ${result.unparsed.length} line(s) not understood by ${spec.id} (first: line ${result.unparsed[0].line}, ${result.unparsed[0].reason})`);
      }
    }
    const mode = (values.mode as KubeProxyMode | undefined) ?? model.all('KubeProxy')[0]?.mode ?? 'iptables';
    const predicted = predictRules(model, mode, { nodeName: values.node, clusterCIDR: values['cluster-cidr'] });
    for (const w of warnings) io.err(`kube-packet-path rules: ${w}\n`);
    if (predicted.plan.ports.length === 0) io.err('kube-packet-path rules: no Service with a cluster IP found in the inputs\n');
    if (values.json) {
      io.out(JSON.stringify({ mode, notes: predicted.plan.notes, servicePorts: predicted.plan.ports, text: predicted.text, facts: predicted.facts }, null, 2) + '\n');
      return 0;
    }
    const header = [`# kube-proxy mode: ${mode}`, ...predicted.plan.notes.map((n) => `# ${n}`)].join('\n');
    io.out(`${header}\n${predicted.text}`);
    return 0;
  },
});
