import { parseArgs } from 'node:util';
import { ClusterModel, type FactKind } from '../model';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, EXIT_NOTHING_READ, readCluster } from './clusterSource';
import { registerCommand } from './commands';
import { UsageError, type CliIO } from './usage';

const usage = `Usage: kube-packet-path pull [--kubeconfig PATH] [--context NAME] [--namespace NS]... [--timeout SECONDS]
                             [--json]

Reads a live cluster, read-only (get and list only, paged, with deadlines): nodes, pods,
Services, EndpointSlices, workloads and the kube-proxy, Flannel and CoreDNS ConfigMaps. Prints
what was read and every problem (RBAC, 404, timeouts…); --json prints the facts as JSON.
Exit status: 0 when something was read (problems are listed), 3 when nothing could be read.

${CLUSTER_USAGE.split('\n').slice(1).join('\n')}
  --json             the read as JSON: context, server, counts, problems and facts

Example:
  kube-packet-path pull --context kind-lab --namespace default`;

async function runPull(args: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { ...CLUSTER_OPTIONS, json: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
  const model = new ClusterModel();
  const read = await readCluster(values, io, model);
  const { result } = read;
  if (values.json) {
    const facts = (Object.keys(model.summary()) as FactKind[]).flatMap((kind) => model.all(kind));
    io.out(
      JSON.stringify({
        context: result.context,
        server: result.server ?? null,
        complete: result.complete,
        counts: result.counts,
        requests: result.requests,
        problems: result.problems,
        facts,
      }) + '\n',
    );
  } else if (!read.nothingRead) {
    io.out(`${read.headline}${result.server ? ` (${result.requests} GET requests to ${result.server})` : ''}\n`);
    for (const [kind, count] of Object.entries(model.summary())) io.out(`  ${kind}: ${count}\n`);
  }
  for (const line of read.lines) io.err(`${line}\n`);
  return read.nothingRead ? EXIT_NOTHING_READ : 0;
}

registerCommand({
  name: 'pull',
  summary: 'read a live cluster (read-only) and print what was read, or write it as JSON',
  usage,
  run: runPull,
});
