import { parseArgs } from 'node:util';
import { registerCommand } from './commands';
import { UsageError } from './usage';
import {
  endpointProbabilities,
  iptablesEndpointChain,
  iptablesPrintedProbability,
  iptablesServiceChain,
  nftEndpointChain,
  nftServiceChain,
  serviceDnsName,
  servicePortName,
  srvDnsName,
  DEFAULT_CLUSTER_DOMAIN,
} from '../model';

const usage = `Usage: kube-packet-path names --service NS/NAME [--port NAME] [--protocol TCP|UDP|SCTP]
                              [--endpoint IP:PORT]... [--domain cluster.local] [--json]

Prints the names Kubernetes derives for a Service port: its DNS names and the chain
names kube-proxy programs in iptables and nftables mode, with the probability on each
endpoint jump (as kube-proxy writes it and as iptables prints it back).

Example (the seed report's kube-dns):
  kube-packet-path names --service kube-system/kube-dns --port dns --protocol UDP \\
    --endpoint 10.244.0.105:53 --endpoint 10.244.0.107:53`;

function parseEndpoint(text: string): { ip: string; port: number } {
  const match = /^\[?(?<ip>[^\]]+?)\]?:(?<port>\d+)$/.exec(text)?.groups;
  if (!match) throw new UsageError(`--endpoint expects IP:PORT, got '${text}'`, usage);
  return { ip: match.ip, port: Number(match.port) };
}

/** How an endpoint's iptables rule is picked: its probability, or last when none is printed. */
function probabilityNote(probabilityPrinted: string | null | undefined): string {
  return probabilityPrinted
    ? `  statistic mode random probability ${probabilityPrinted}`
    : '  (last: taken when no earlier rule matched)';
}

registerCommand({
  name: 'names',
  summary: "print a Service port's DNS names and kube-proxy chain names",
  usage,
  run(args, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          service: { type: 'string' },
          port: { type: 'string', default: '' },
          protocol: { type: 'string', default: 'TCP' },
          endpoint: { type: 'string', multiple: true, default: [] },
          domain: { type: 'string', default: DEFAULT_CLUSTER_DOMAIN },
          json: { type: 'boolean', default: false },
        },
        strict: true,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message, usage);
    }
    const [namespace, name, extra] = (values.service ?? '').split('/');
    if (!namespace || !name || extra !== undefined) throw new UsageError('--service NS/NAME is required', usage);
    const protocol = values.protocol.toUpperCase();
    if (!['TCP', 'UDP', 'SCTP'].includes(protocol))
      throw new UsageError(`--protocol must be TCP, UDP or SCTP, got '${values.protocol}'`, usage);
    const portName = values.port ?? '';
    const spn = servicePortName(namespace, name, portName);
    const servicePort = { namespace, name, protocol, portName };
    const endpoints = (values.endpoint ?? []).map(parseEndpoint);
    const probs = endpointProbabilities(endpoints.length);
    const result = {
      servicePortName: spn,
      dns: {
        service: serviceDnsName(name, namespace, values.domain),
        srv: portName ? srvDnsName({ portName, protocol, service: name, namespace, domain: values.domain }) : null,
      },
      iptables: {
        service: iptablesServiceChain('SVC', spn, protocol),
        local: iptablesServiceChain('SVL', spn, protocol),
        external: iptablesServiceChain('EXT', spn, protocol),
        firewall: iptablesServiceChain('FW', spn, protocol),
      },
      nftables: {
        service: nftServiceChain('service', servicePort),
        local: nftServiceChain('local', servicePort),
        external: nftServiceChain('external', servicePort),
        firewall: nftServiceChain('firewall', servicePort),
      },
      endpoints: endpoints.map((ep, i) => ({
        endpoint: `${ep.ip}:${ep.port}`,
        iptablesChain: iptablesEndpointChain(spn, protocol, ep.ip, ep.port),
        nftablesChain: nftEndpointChain(servicePort, ep),
        probabilityWritten: probs[i] ?? null,
        probabilityPrinted: probs[i] ? iptablesPrintedProbability(probs[i]) : null,
      })),
    };
    if (values.json) {
      io.out(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `${spn} (${protocol})`,
      `  DNS name        ${result.dns.service}`,
      ...(result.dns.srv ? [`  SRV name        ${result.dns.srv}`] : []),
      `  iptables        ${result.iptables.service}  (SVL ${result.iptables.local}, EXT ${result.iptables.external}, ` +
        `FW ${result.iptables.firewall})`,
      `  nftables        ${result.nftables.service}  (local ${result.nftables.local}, external ` +
        `${result.nftables.external}, firewall ${result.nftables.firewall})`,
      ...result.endpoints.flatMap((endpoint) => [
        `  -> ${endpoint.endpoint}`,
        `       iptables   ${endpoint.iptablesChain}${probabilityNote(endpoint.probabilityPrinted)}`,
        `       nftables   ${endpoint.nftablesChain}`,
      ]),
    ];
    io.out(lines.join('\n') + '\n');
    return 0;
  },
});
