// Ground truth of one lab experiment, from the kernels' own records: the `conntrack -L` listings
// and the `tcpdump -i any -nn` captures in the experiment's transcripts (OUT/<experiment>.<host>.txt),
// plus what `ip addr`/`ip link` said about the nodes (lab.sh kernel_view). It does not use the
// product's parsers or flow engine: it is what those are tested against. Schema: test/lab/README.md.
//
//   node test/lab/truth.mjs OUT EXPERIMENT KERNEL_VIEW > OUT/EXPERIMENT.truth.json
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const VXLAN_PORT = 8472;
const PROMPT = /^root@(?<host>[^:\s]+):\/# (?<command>.*)$/;
const PACKET = /^(?<time>\d\d:\d\d:\d\d\.\d+) (?<iface>\S+) +(?<direction>In|Out|P|B|M) +(?<rest>.*)$/;
const IP_PAIR = /IP (?<src>\d+\.\d+\.\d+\.\d+)\.(?<sport>\d+) > (?<dst>\d+\.\d+\.\d+\.\d+)\.(?<dport>\d+):/g;

const [outDir, experiment, kernelViewFile] = process.argv.slice(2);
if (!outDir || !experiment || !kernelViewFile) {
  process.stderr.write('usage: node truth.mjs OUT EXPERIMENT KERNEL_VIEW\n');
  process.exit(2);
}

/** `addr node iface cidr` and `veth node iface pod ip` lines written by lab.sh kernel_view. */
function readKernelView(file) {
  const nodes = {};
  const veths = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const words = line.split(' ');
    if (words[0] === 'addr' && words.length === 4) {
      const [, node, iface, cidr] = words;
      nodes[node] ??= { addresses: {} };
      nodes[node].addresses[iface] = cidr;
    } else if (words[0] === 'veth' && words.length === 5) {
      const [, node, iface, pod, ip] = words;
      veths.push({ node, iface, pod, ip });
    }
  }
  return { nodes, veths };
}

function ipToNumber(ip) {
  return ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function inCidr(ip, cidr) {
  const [network, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(network) / size);
}

/** Splits a transcript into its commands, each with the 1-based line numbers of its output. */
function commands(text) {
  const blocks = [];
  text.split('\n').forEach((line, index) => {
    const prompt = PROMPT.exec(line);
    if (prompt) blocks.push({ host: prompt.groups.host, command: prompt.groups.command, lines: [] });
    else if (blocks.length) blocks.at(-1).lines.push({ number: index + 1, text: line });
  });
  return blocks;
}

/** One `conntrack -L` line: the first src/dst/sport/dport group is the original direction, the second the reply. */
function parseConntrack(text) {
  const words = text.trim().split(/\s+/);
  if (!['tcp', 'udp', 'icmp'].includes(words[0])) return undefined;
  const entry = { protocol: words[0], state: null, flags: [], tuples: [] };
  for (const word of words.slice(3)) {
    if (/^[A-Z_]+$/.test(word)) entry.state = word;
    else if (word.startsWith('[') && word.endsWith(']')) entry.flags.push(word.slice(1, -1));
    else {
      const equals = word.indexOf('=');
      const key = word.slice(0, equals);
      const value = word.slice(equals + 1);
      if (key === 'src') entry.tuples.push({ src: value });
      else if (['dst', 'sport', 'dport'].includes(key) && entry.tuples.length) entry.tuples.at(-1)[key] = value;
    }
  }
  if (entry.tuples.length !== 2) return undefined;
  const [original, reply] = entry.tuples;
  return { ...entry, original, reply };
}

const address = (ip, port) => (port === undefined ? ip : `${ip}:${port}`);
const flowKey = (src, sport, dst, dport) => `${address(src, sport)}>${address(dst, dport)}`;

function readExperiment() {
  const conntrack = [];
  const packets = [];
  const files = {};
  for (const file of readdirSync(outDir).filter((name) => name.startsWith(`${experiment}.`) && name.endsWith('.txt'))) {
    const host = file.slice(experiment.length + 1, -'.txt'.length);
    files[host] = file;
    for (const block of commands(readFileSync(join(outDir, file), 'utf8'))) {
      if (block.host !== host) continue;
      if (/^conntrack -L\b/.test(block.command)) {
        for (const line of block.lines) {
          const entry = parseConntrack(line.text);
          if (entry) conntrack.push({ ...entry, node: host, file, line: line.number, text: line.text });
        }
      } else if (/^tcpdump\b/.test(block.command)) {
        for (const line of block.lines) {
          const packet = PACKET.exec(line.text);
          if (packet) packets.push({ host, ...packet.groups, text: packet.groups.rest, line: line.number });
          else if (line.text.startsWith('IP ') && packets.at(-1)?.host === host) packets.at(-1).text += ` ${line.text}`;
        }
      }
    }
  }
  for (const packet of packets) {
    packet.flows = [...packet.text.matchAll(IP_PAIR)].map(({ groups }) =>
      flowKey(groups.src, groups.sport, groups.dst, groups.dport),
    );
  }
  return { conntrack, packets, files };
}

function readServices() {
  const services = [];
  const text = readFileSync(join(outDir, 'manifests', 'cluster.yaml'), 'utf8');
  for (const document of parseAllDocuments(text)) {
    const object = document.toJS();
    if (object?.kind !== 'Service') continue;
    services.push({
      name: `${object.metadata.namespace}/${object.metadata.name}`,
      clusterIP: object.spec.clusterIP,
      ports: object.spec.ports ?? [],
    });
  }
  return services;
}

function main() {
  const kernel = readKernelView(kernelViewFile);
  const nodeIps = Object.fromEntries(
    Object.entries(kernel.nodes).map(([node, { addresses }]) => [node, addresses.eth0.split('/')[0]]),
  );
  const podNode = (ip) =>
    Object.entries(kernel.nodes).find(([, { addresses }]) => addresses.cni0 && inCidr(ip, addresses.cni0))?.[0] ?? null;
  const veth = (ip) => kernel.veths.find((entry) => entry.ip === ip);
  /** An address with the node whose pod network holds it, and the pod and host-side veth the kernel shows for it. */
  const podEnd = (ip, port) => ({
    ip,
    port,
    node: podNode(ip),
    pod: veth(ip)?.pod ?? null,
    interface: veth(ip)?.iface ?? null,
  });
  const services = readServices();
  const serviceOf = (ip, port) => {
    for (const service of services) {
      for (const servicePort of service.ports) {
        if (service.clusterIP === ip && servicePort.port === port) return { name: service.name, via: 'ClusterIP' };
        if (servicePort.nodePort === port && Object.values(nodeIps).includes(ip))
          return { name: service.name, via: 'NodePort' };
      }
    }
    return null;
  };

  const { conntrack, packets, files } = readExperiment();
  // The same connection in both nodes' tables: keyed by what the endpoint sees (the reply, reversed).
  const groups = new Map();
  for (const entry of conntrack) {
    const { reply } = entry;
    const key = `${entry.protocol} ${flowKey(reply.dst, reply.dport, reply.src, reply.sport)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(entry);
  }
  const isNat = (entry) =>
    entry.original.dst !== entry.reply.src ||
    entry.original.dport !== entry.reply.sport ||
    entry.original.src !== entry.reply.dst ||
    entry.original.sport !== entry.reply.dport;
  const connections = [];
  const tunnels = [];
  /** Every version of a recorded connection (see `tuples` below): what is left over was never confirmed. */
  const recorded = new Set();
  for (const entries of groups.values()) {
    const nodeAddresses = Object.values(nodeIps);
    const first = entries[0];
    if (
      first.protocol === 'udp' &&
      Number(first.original.dport) === VXLAN_PORT &&
      nodeAddresses.includes(first.original.src) &&
      nodeAddresses.includes(first.original.dst)
    ) {
      for (const entry of entries)
        tunnels.push({
          node: entry.node,
          src: address(entry.original.src, Number(entry.original.sport)),
          dst: address(entry.original.dst, Number(entry.original.dport)),
          replied: !entry.flags.includes('UNREPLIED'),
        });
      continue;
    }
    const natted = entries.filter(isNat);
    if (natted.length > 1) throw new Error(`two nodes translated one connection: ${natted.map((e) => e.text)}`);
    const clientIp = first.original.src;
    const primary = natted[0] ?? entries.find((entry) => entry.node === podNode(clientIp)) ?? first;
    const { original, reply } = primary;
    const dnat = original.dst !== reply.src || original.dport !== reply.sport;
    const snat = original.src !== reply.dst || original.sport !== reply.dport;
    const port = (text) => (text === undefined ? undefined : Number(text));
    // The packet as sent and as delivered, both ways, and half-translated: a reply bridged up from
    // a pod to cni0 is un-SNATed already (br_netfilter PREROUTING) but not yet un-DNATed.
    const tuples = new Set([
      flowKey(original.src, original.sport, original.dst, original.dport),
      flowKey(original.dst, original.dport, original.src, original.sport),
      flowKey(reply.src, reply.sport, reply.dst, reply.dport),
      flowKey(reply.dst, reply.dport, reply.src, reply.sport),
      flowKey(original.src, original.sport, reply.src, reply.sport),
      flowKey(reply.src, reply.sport, original.src, original.sport),
    ]);
    for (const tuple of tuples) recorded.add(`${primary.protocol} ${tuple}`);
    const seen = packets.filter((packet) => packet.flows.some((flow) => tuples.has(flow)));
    const counts = {};
    for (const packet of seen) {
      counts[packet.host] ??= {};
      counts[packet.host][packet.iface] = (counts[packet.host][packet.iface] ?? 0) + 1;
    }
    connections.push({
      protocol: primary.protocol,
      client: podEnd(original.src, port(original.sport)),
      destination: {
        ip: original.dst,
        port: port(original.dport),
        service: serviceOf(original.dst, port(original.dport)),
      },
      endpoint: podEnd(reply.src, port(reply.sport)),
      dnatNode: dnat ? primary.node : null,
      snat: snat ? { ip: reply.dst, port: port(reply.dport), node: primary.node } : null,
      replied: !primary.flags.includes('UNREPLIED'),
      assured: primary.flags.includes('ASSURED'),
      state: primary.state,
      conntrack: entries.map((entry) => ({ node: entry.node, file: entry.file, line: entry.line, entry: entry.text })),
      firstPacket: seen.length ? seen.map((packet) => packet.time).sort()[0] : null,
      packets: counts,
    });
  }
  connections.sort(
    (left, right) =>
      (left.firstPacket ?? '99').localeCompare(right.firstPacket ?? '99') || left.client.port - right.client.port,
  );
  // TCP connections the captures show opening (a SYN without ACK) of which no node's conntrack table
  // has an entry: netfilter dropped the first packet before conntrack confirmed it (a DROP rule).
  const unconfirmed = new Map();
  for (const packet of packets) {
    if (!/Flags \[S\],/.test(packet.text) || packet.flows.length !== 1) continue;
    const [flow] = packet.flows;
    if (recorded.has(`tcp ${flow}`)) continue;
    const pair = /^(?<src>[\d.]+):(?<sport>\d+)>(?<dst>[\d.]+):(?<dport>\d+)$/.exec(flow)?.groups;
    if (!pair) continue;
    if (!unconfirmed.has(flow)) {
      unconfirmed.set(flow, {
        protocol: 'tcp',
        client: podEnd(pair.src, Number(pair.sport)),
        destination: {
          ip: pair.dst,
          port: Number(pair.dport),
          service: serviceOf(pair.dst, Number(pair.dport)),
        },
        firstPacket: packet.time,
        syns: {},
      });
    }
    const syns = unconfirmed.get(flow).syns;
    syns[packet.host] ??= {};
    syns[packet.host][packet.iface] = (syns[packet.host][packet.iface] ?? 0) + 1;
  }
  const nodes = Object.fromEntries(
    Object.entries(kernel.nodes).map(([node, { addresses }]) => [node, { addresses, file: files[node] ?? null }]),
  );
  const others = Object.fromEntries(Object.entries(files).filter(([host]) => !kernel.nodes[host]));
  const truth = {
    experiment,
    producedBy:
      'test/lab/truth.mjs from the `conntrack -L` and `tcpdump -i any -nn` outputs in the files below and the ' +
      "nodes' `ip -4 -o addr` / `ip -o link show master cni0`",
    nodes,
    otherCaptures: others,
    connections,
    unconfirmed: [...unconfirmed.values()],
    tunnels,
  };
  process.stdout.write(`${JSON.stringify(truth, null, 2)}\n`);
}

main();
