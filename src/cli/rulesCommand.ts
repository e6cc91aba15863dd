import { parseArgs } from 'node:util';
import { filesUnder, spreadPathOptions } from './files';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, EXIT_NOTHING_READ, readCluster, wantsCluster } from './clusterSource';
import { registerCommand } from './commands';
import { UsageError, type CliIO } from './usage';
import { formatSpec, sniffFormat } from '../ingest/registry';
import { parseDocument } from '../ingest/document';
import type { FormatSpec } from '../ingest/types';
import { ClusterModel, describeEvidence, type Fact, type KubeProxyMode, type NatRule } from '../model';
import { predictRules } from '../flow/rules/predict';
import { compareNft, compareRules, type NftComparison, type RuleComparison } from '../flow/rules/compare';

const usage = `Usage: kube-packet-path rules --manifests PATH [--manifests PATH]... [--logs PATH]...
                              [--mode iptables|nftables|ipvs] [--node NAME] [--cluster-cidr CIDR]
                              [kube-proxy flags below] [--compare] [--json]
                              [--cluster] [--kubeconfig PATH] [--context NAME] [--namespace NS]...

Prints the rules kube-proxy would program for the Services found in PATH (YAML/JSON
manifests or kubectl output; a directory is read recursively): iptables-save text,
\`nft list table ip kube-proxy\` text, or \`ipvsadm -Ln\` text. Everything printed is a
prediction, derived from the Services and their endpoints (EndpointSlices, else the
pods each selector picks). --logs adds saved command output or whole terminal
sessions (kubectl, iptables …; the transcript splitter finds the blocks).
--compare checks the prediction against what --logs printed: in iptables mode the
rules (observed, observed with different fields, missing, unexpected); in nftables
mode the kube-proxy table's map elements, endpoint choices and DNATs.
The mode defaults to the kube-proxy mode found in the inputs, else iptables. The
cluster CIDR (for the "! -s CIDR -j KUBE-MARK-MASQ" rules) comes from the kube-proxy
or Flannel config in the inputs unless given. The cluster options read the Services,
EndpointSlices and ConfigMaps from a live cluster instead of (or besides) manifests:
${CLUSTER_USAGE}
Exit status 3 when a cluster was asked for and nothing could be read.

kube-proxy flags that change the rules (kube-proxy's defaults in brackets):
  --node-ip IP[,IP]                  the node's addresses [the node's InternalIP]
  --masquerade-all[=false]           SNAT all traffic to cluster IPs [false]
  --iptables-localhost-nodeports=false
                                     NodePorts do not answer on 127.0.0.1 [true]
  --nodeport-addresses CIDR[,CIDR]   addresses NodePorts answer on [all local addresses]
  --random-fully=false               MASQUERADE without --random-fully [true where iptables has it]
  --nfacct                           the nfacct counter rules kube-proxy >= 1.30 adds when the
                                     kernel has nfacct [off]
  --conntrack-tcp-be-liberal         no DROP of conntrack-INVALID packets [false]
  --service-cluster-ip-range CIDR[,CIDR]
                                     nftables: drop traffic to unallocated cluster IPs [none]

Example:
  kube-packet-path rules --manifests test/fixtures/netfilter/seed-cluster.yaml`;

const MODES: KubeProxyMode[] = ['iptables', 'nftables', 'ipvs'];
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

const expand = (path: string): string[] => filesUnder(path);

function formatFor(path: string, text: string, manifests: boolean): FormatSpec | undefined {
  if (manifests && MANIFEST_FILE.test(path)) return formatSpec('manifest') ?? sniffFormat(text.split(/\r?\n/, 50));
  return sniffFormat(text.split(/\r?\n/, 50));
}

function formatComparison(ruleComparison: RuleComparison, seenCount: number): string {
  const exact = ruleComparison.observed.filter((observedRule) => observedRule.differences.length === 0);
  const differing = ruleComparison.observed.filter((observedRule) => observedRule.differences.length > 0);
  const where = (natRule: NatRule) => (natRule.evidence[0] ? describeEvidence(natRule.evidence[0]) : '');
  const lines = [
    `# predicted kube-proxy rules compared with ${seenCount} printed rule(s)`,
    `observed exactly: ${exact.length}`,
    `observed with different fields: ${differing.length}`,
    ...differing.map(
      (observedRule) =>
        `  ${observedRule.seen.chain || '(no chain shown)'} -j ${observedRule.seen.target} at ` +
        `${where(observedRule.seen)}: ${observedRule.differences.join('; ')}`,
    ),
    `missing (predicted; the chain was printed without it): ${ruleComparison.missing.length}`,
    ...ruleComparison.missing.map((natRule) => `  ${natRule.table} ${natRule.text}`),
    `unexpected (printed; not predicted): ${ruleComparison.unexpected.length}`,
    ...ruleComparison.unexpected.map((natRule) => `  ${where(natRule)}: ${natRule.text}`),
  ];
  return lines.join('\n') + '\n';
}

const SWITCHES = new Set([
  'masquerade-all',
  'iptables-localhost-nodeports',
  'random-fully',
  'nfacct',
  'conntrack-tcp-be-liberal',
]);

/** kube-proxy style booleans: `--flag`, `--flag=true`, `--flag=false`; the other arguments stay. */
function takeSwitches(args: readonly string[]): { rest: string[]; switches: Map<string, boolean> } {
  const switches = new Map<string, boolean>();
  const rest: string[] = [];
  for (const arg of args) {
    const flag = /^--(?<name>[a-z-]+)(?:=(?<value>.*))?$/.exec(arg)?.groups;
    if (!flag || !SWITCHES.has(flag.name)) {
      rest.push(arg);
      continue;
    }
    if (flag.value !== undefined && flag.value !== 'true' && flag.value !== 'false')
      throw new UsageError(`--${flag.name} takes true or false, got '${flag.value}'`, usage);
    switches.set(flag.name, flag.value !== 'false');
  }
  return { rest, switches };
}

registerCommand({
  name: 'rules',
  summary: 'print the iptables/nftables/IPVS rules kube-proxy would program for the Services',
  usage,
  async run(args: string[], io: CliIO) {
    let values;
    const { rest, switches } = takeSwitches(args);
    try {
      ({ values } = parseArgs({
        args: spreadPathOptions(rest),
        options: {
          manifests: { type: 'string', multiple: true, default: [] },
          logs: { type: 'string', multiple: true, default: [] },
          mode: { type: 'string' },
          node: { type: 'string' },
          'cluster-cidr': { type: 'string' },
          'node-ip': { type: 'string' },
          'nodeport-addresses': { type: 'string' },
          'service-cluster-ip-range': { type: 'string' },
          json: { type: 'boolean', default: false },
          compare: { type: 'boolean', default: false },
          ...CLUSTER_OPTIONS,
        },
        strict: true,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message, usage);
    }
    const manifests = values.manifests ?? [];
    const logs = values.logs ?? [];
    if (manifests.length === 0 && logs.length === 0 && !wantsCluster(values))
      throw new UsageError('--manifests PATH is required (or --cluster to read a live cluster)', usage);
    if (values.mode !== undefined && !MODES.includes(values.mode as KubeProxyMode))
      throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${values.mode}'`, usage);
    const model = new ClusterModel();
    const warnings: string[] = [];
    const seenRules: NatRule[] = [];
    const seenFacts: Fact[] = [];
    const collect = (facts: Fact[]) => {
      model.add(facts);
      for (const fact of facts) {
        if (fact.kind === 'NatRule') seenRules.push(fact);
        if (fact.kind === 'NftMapElement' || fact.kind === 'NftRule') seenFacts.push(fact);
      }
    };
    for (const file of manifests.flatMap(expand)) {
      const text = io.readFile(file);
      const spec = formatFor(file, text, true);
      if (!spec) {
        warnings.push(`${file}: format not recognised, skipped`);
        continue;
      }
      const result = spec.parse({ text, uri: file });
      collect(result.facts);
      if (result.unparsed.length)
        warnings.push(
          `${file}: ${result.unparsed.length} line(s) not understood by ${spec.id} (first: line ` +
            `${result.unparsed[0].line}, ${result.unparsed[0].reason})`,
        );
    }
    for (const file of logs.flatMap(expand)) {
      const text = io.readFile(file);
      // A file that is clearly one tool's output is parsed whole (an nft listing's indented
      // `ip daddr …` lines must not be taken for commands); anything else may be a session
      // quoting several commands, which the transcript splitter cuts into blocks.
      const whole = sniffFormat(text.split(/\r?\n/, 50), 0.8);
      if (whole) {
        const result = whole.parse({ text, uri: file });
        collect(result.facts);
        if (result.unparsed.length)
          warnings.push(
            `${file}: ${result.unparsed.length} line(s) not understood by ${whole.id} (first: line ` +
              `${result.unparsed[0].line}, ${result.unparsed[0].reason})`,
          );
        continue;
      }
      const doc = parseDocument(text, file);
      collect(doc.facts);
      const unknown = doc.blocks.filter(
        (documentBlock) => documentBlock.format === 'unknown' && documentBlock.result.unparsed.length > 0,
      );
      if (!doc.facts.length) warnings.push(`${file}: nothing recognised`);
      else if (unknown.length) warnings.push(`${file}: ${unknown.length} block(s) not recognised`);
    }
    if (wantsCluster(values)) {
      const sink = { add: collect };
      const read = await readCluster(values, io, sink);
      if (read.nothingRead) {
        for (const line of read.lines) io.err(`kube-packet-path rules: ${line}\n`);
        return EXIT_NOTHING_READ;
      }
      warnings.push(read.headline, ...read.lines);
    }
    const mode = (values.mode as KubeProxyMode | undefined) ?? model.all('KubeProxy')[0]?.mode ?? 'iptables';
    const list = (text: string | undefined) => (text ? text.split(',').map((item) => item.trim()) : undefined);
    const predicted = predictRules(model, mode, {
      nodeName: values.node,
      clusterCIDR: values['cluster-cidr'],
      nodeIPs: list(values['node-ip']),
      flags: {
        masqueradeAll: switches.get('masquerade-all') ?? false,
        localhostNodePorts: switches.get('iptables-localhost-nodeports') ?? true,
        randomFully: switches.get('random-fully') ?? true,
        nodePortAddresses: list(values['nodeport-addresses']) ?? [],
        nfacct: switches.get('nfacct') ?? false,
        conntrackTCPLiberal: switches.get('conntrack-tcp-be-liberal') ?? false,
        serviceCIDRs: list(values['service-cluster-ip-range']) ?? [],
      },
    });
    for (const warning of warnings) io.err(`kube-packet-path rules: ${warning}\n`);
    if (predicted.plan.ports.length === 0)
      io.err('kube-packet-path rules: no Service with a cluster IP found in the inputs\n');
    let comparison: RuleComparison | undefined;
    let nftComparison: NftComparison | undefined;
    if (values.compare) {
      if (mode === 'iptables') {
        if (seenRules.length === 0)
          throw new UsageError('--compare needs iptables output (iptables-save or iptables -L) in --logs', usage);
        comparison = compareRules(
          predicted.facts.filter((fact): fact is NatRule => fact.kind === 'NatRule'),
          seenRules,
        );
      } else if (mode === 'nftables') {
        if (!seenFacts.some((seenFact) => seenFact.kind === 'NftMapElement' || seenFact.kind === 'NftRule'))
          throw new UsageError('--compare needs `nft list table ip kube-proxy` output in --logs', usage);
        nftComparison = compareNft(predicted.facts, seenFacts);
      } else {
        throw new UsageError(
          '--compare works in iptables and nftables mode (no ipvsadm listing could be checked here)',
          usage,
        );
      }
    }
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            mode,
            notes: predicted.plan.notes,
            servicePorts: predicted.plan.ports,
            text: predicted.text,
            facts: predicted.facts,
            comparison: comparison ?? nftComparison,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    if (comparison) {
      io.out(formatComparison(comparison, seenRules.length));
      return 0;
    }
    if (nftComparison) {
      io.out(
        [
          '# predicted kube-proxy nftables elements compared with the printed table',
          `observed: ${nftComparison.observed.length}`,
          `missing (predicted, not printed): ${nftComparison.missing.length}`,
          ...nftComparison.missing.map((line) => `  ${line}`),
          `unexpected (printed, not predicted): ${nftComparison.unexpected.length}`,
          ...nftComparison.unexpected.map((line) => `  ${line}`),
        ].join('\n') + '\n',
      );
      return 0;
    }
    const header = [`# kube-proxy mode: ${mode}`, ...predicted.plan.notes.map((note) => `# ${note}`)].join('\n');
    io.out(`${header}\n${predicted.text}`);
    return 0;
  },
});
