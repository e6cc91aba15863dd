// The product's promise (DESIGN.md, "Evidence semantics"), checked over every trace of every real
// input we have: the network lab's runs (one node and two), the broken-cluster reproductions, the
// bundled samples. Each connection the captures hold is traced from its client to where it was sent,
// and every flow is held to the rules:
// - an observed step cites a capture line, and every capture line it cites is a packet of the flow's
//   own connection (its addresses are one of the connection's NAT forms), at the step's own point
//   (the interface named on the line is one of the step's actors' interfaces, where they have any);
// - no ARP or DNS line proves a TCP/UDP hop, no object or rule makes a step observed;
// - no label shows `undefined`, `NaN` or a bare `?`.
// The addresses of a cited line are read here with a plain regex, independently of the product's
// tcpdump reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from '../../../src/ingest/document';
import { formatForCommand, formatSpec } from '../../../src/ingest/registry';
import { ClusterModel } from '../../../src/model';
import { trace, UnknownTargetError, type Flow, type FlowStep } from '../../../src/flow';
import { reconstructConnections } from '../../../src/flow/correlate/connections';
import { SAMPLES } from '../../../src/samples/registry';

interface Input {
  name: string;
  model: ClusterModel;
}

function addManifest(model: ClusterModel, path: string): void {
  model.add(formatSpec('manifest')!.parse({ text: readFileSync(path, 'utf8'), uri: path }).facts);
}

function addTranscript(model: ClusterModel, path: string): void {
  model.add(parseDocument(readFileSync(path, 'utf8'), path).facts);
}

function inputs(): Input[] {
  const out: Input[] = [];
  const lab = 'test/fixtures/lab';
  const experiments = new Map<string, string[]>();
  for (const file of readdirSync(lab).filter((f) => f.endsWith('.txt') && f !== 'README.txt')) {
    const experiment = file.split('.')[0];
    experiments.set(experiment, [...(experiments.get(experiment) ?? []), join(lab, file)]);
  }
  for (const [experiment, files] of experiments) {
    const model = new ClusterModel();
    addManifest(model, join(lab, 'manifests', 'cluster.yaml'));
    for (const f of files) addTranscript(model, f);
    out.push({ name: `lab ${experiment}`, model });
  }
  const broken = 'test/fixtures/broken';
  // Every transcript of every scenario (broken, fixed and the other variants: one-way, crashed, …),
  // with its own manifests where the scenario has them (manifests-fixed.yaml, manifests-not-ready.yaml).
  for (const scenario of readdirSync(broken).filter((d) => /^\d/.test(d))) {
    const dir = join(broken, scenario);
    for (const variant of readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
      const name = variant.slice(0, -'.txt'.length);
      const own = readdirSync(dir).find((f) => f.toLowerCase() === `manifests-${name}.yaml`);
      const model = new ClusterModel();
      addManifest(model, join(dir, own ?? 'manifests.yaml'));
      addTranscript(model, join(dir, variant));
      out.push({ name: `broken ${scenario} ${name}`, model });
    }
  }
  // Manifests alone (no capture, no ClusterIP written in some): everything is configured or predicted.
  for (const folder of ['a1-pod-to-pod', 'a2-clusterip-deployment', 'a3-headless-statefulset']) {
    const model = new ClusterModel();
    for (const dir of [join('samples/manifests', folder), 'samples/manifests/kube-system'])
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) addManifest(model, join(dir, f));
    out.push({ name: `manifests ${folder}`, model });
  }
  for (const sample of SAMPLES) {
    const model = new ClusterModel();
    for (const m of sample.manifests) addManifest(model, join('samples', m));
    for (const log of sample.logs) {
      const text = readFileSync(join('samples', log.file), 'utf8');
      const spec = formatForCommand(log.command);
      if (spec)
        model.add(spec.parse({ text, uri: join('samples', log.file), command: log.command, host: log.host }).facts);
    }
    out.push({ name: `sample ${sample.name}`, model });
  }
  return out;
}

/** `10.244.0.170.34110 > 10.106.37.21.80:` → both endpoints, as `ip:port` (or `ip` for ICMP). */
const TUPLE =
  /(?<src>\d+\.\d+\.\d+\.\d+)(?:\.(?<sport>\d+|[a-z][\w-]*))? > (?<dst>\d+\.\d+\.\d+\.\d+)(?:\.(?<dport>\d+|[a-z][\w-]*))?:/g;

/** The port numbers of the service names tcpdump prints without -n (those in the lab's captures). */
const SERVICE_PORTS: Record<string, string> = { http: '80', domain: '53', https: '443' };
const portNumber = (port: string) => SERVICE_PORTS[port] ?? port;

function linePairs(excerpt: string): { src: string; dst: string }[] {
  return [...excerpt.matchAll(TUPLE)].map((m) => ({
    src: m.groups!.sport ? `${m.groups!.src}:${portNumber(m.groups!.sport)}` : m.groups!.src,
    dst: m.groups!.dport ? `${m.groups!.dst}:${portNumber(m.groups!.dport)}` : m.groups!.dst,
  }));
}

/** `ICMP net 10.98.40.7 unreachable`, `ICMP 10.96.0.10 udp port 53 unreachable`: the address it quotes. */
const ICMP_ERROR = /ICMP (?:net |host )?(?<quoted>\d+\.\d+\.\d+\.\d+)[ ,]/;

const files = new Map<string, string[]>();
function fileLines(uri: string): string[] {
  let lines = files.get(uri);
  if (!lines) files.set(uri, (lines = existsSync(uri) ? readFileSync(uri, 'utf8').split('\n') : []));
  return lines;
}

/** The host of the transcript prompt (`root@HOST:/# …`) a line of `uri` follows, if any. */
function promptHost(uri: string, line: number): string | undefined {
  const lines = fileLines(uri);
  for (let at = line - 1; at >= 0; at--) {
    const host = /^[\w-]+@(?<host>[\w.-]+):\S*[#$] /.exec(lines[at] ?? '')?.groups?.host;
    if (host) return host;
  }
  return undefined;
}

const BARE = /(^|[\s(:→])\?($|[\s),:])|undefined|NaN/;

function checkLabels(flow: Flow, problems: string[], where: string): void {
  if (BARE.test(flow.title)) problems.push(`${where}: title '${flow.title}'`);
  for (const phase of flow.phases)
    for (const step of phase.steps) {
      if (BARE.test(step.label)) problems.push(`${where}: label '${step.label}'`);
      for (const alt of step.alternatives ?? [])
        if (BARE.test(alt.label)) problems.push(`${where}: alternative '${alt.label}'`);
    }
}

function checkStep(flow: Flow, phase: string, step: FlowStep, problems: string[], where: string): void {
  const packets = step.evidence.filter((e) => e.role === 'packet');
  if (step.status === 'observed' && packets.length === 0)
    problems.push(`${where}: observed without a capture line: ${step.label}`);
  if (step.evidence.some((e) => e.role === undefined)) problems.push(`${where}: evidence without a role`);
  const connection = flow.connection !== undefined ? flow.connections?.[flow.connection] : undefined;
  const isDnsOrArp = phase === 'DNS' || phase === 'ARP' || step.kind === 'arp' || step.kind.startsWith('dns');
  for (const e of packets) {
    // the record: its excerpt, or for a record of several lines (a VXLAN packet's inner frame is on the
    // line after it) those lines as the file has them
    const text =
      e.line !== undefined && e.endLine !== undefined && e.endLine > e.line
        ? fileLines(e.uri)
            .slice(e.line - 1, e.endLine)
            .join('\n')
        : (e.excerpt ?? '');
    if (!isDnsOrArp && step.kind !== 'note') {
      if (/\bARP\b/.test(text)) problems.push(`${where}: an ARP line proves '${step.label}'`);
      const dnsFlow = connection?.original.endsWith(':53') ?? false;
      if (!dnsFlow && / (A|AAAA|PTR|SRV)\? |NXDomain| \d+\/\d+\/\d+ /.test(text))
        problems.push(`${where}: a DNS line proves '${step.label}'`);
      // Own connection: the line's addresses are one of the connection's NAT forms.
      if (connection) {
        const forms = new Set(
          [
            connection.client,
            connection.original,
            connection.translated,
            connection.masqueraded,
            ...connection.forms.flatMap((form) => form.split(' → ')),
          ].filter((x): x is string => !!x),
        );
        // ICMP lines print no port (the connection names its ICMP id as one): compare addresses there.
        const ips = new Set([...forms].map((f) => f.slice(0, f.lastIndexOf(':'))));
        const known = (endpoint: string) => forms.has(endpoint) || (!endpoint.includes(':') && ips.has(endpoint));
        const pairs = linePairs(text);
        const inner = pairs.at(-1);
        // An ICMP error is sent by a router or host to the client side (its own or masqueraded
        // address) and quotes the destination the failed packet had: those are what must be its own.
        const icmpError = ICMP_ERROR.exec(text)?.groups;
        const ok =
          inner === undefined ||
          (known(inner.src) && known(inner.dst)) ||
          (icmpError !== undefined && ips.has(inner.dst) && ips.has(icmpError.quoted));
        if (!ok) problems.push(`${where}: '${step.label}' cites another connection's line: ${text.slice(0, 120)}`);
      }
      // Own point: the interface on the line belongs to one of the step's actors (a pod's own eth0
      // only on a line captured inside that pod: its transcript's prompt names the pod).
      const actors = [step.from, step.to].map((id) => flow.actors.find((a) => a.id === id));
      const capturedIn = e.line !== undefined ? promptHost(e.uri, e.line) : undefined;
      const ifaces = actors.flatMap((a) =>
        a && (a.kind !== 'pod' || a.name === capturedIn) ? (a.interfaces ?? (a.kind === 'pod' ? ['eth0'] : [])) : [],
      );
      const lineIface = /^\S+ +(?<iface>\S+) +(?:In|Out|P|B|M) /.exec(text)?.groups?.iface;
      const pointed = step.kind === 'packet' || step.kind === 'encap' || step.kind === 'decap';
      if (pointed && ifaces.length && lineIface && !ifaces.includes(lineIface))
        problems.push(`${where}: '${step.label}' on ${ifaces.join('/')} cites a line on ${lineIface}`);
    }
  }
}

test('every trace of every real input keeps the evidence semantics', () => {
  const problems: string[] = [];
  let flows = 0;
  let observed = 0;
  const unknown: string[] = [];
  for (const { name, model } of inputs()) {
    // Every client → destination the captures show, by address, and again by the names a person would
    // type (the client pod, the Service and its port), which adds the DNS phase.
    const pairs = new Map<string, [string, string]>();
    for (const c of reconstructConnections(model.packets)) {
      if (c.original.sightings[0]?.frame.dns) continue;
      const clientIp = c.client.slice(0, c.client.lastIndexOf(':'));
      const to = c.protocol === 'icmp' ? c.original.to.slice(0, c.original.to.lastIndexOf(':')) : c.original.to;
      pairs.set(`${clientIp} ${to}`, [clientIp, to]);
      const pod = model.pods.find((p) => p.ip === clientIp);
      const [vip, port] = [c.original.to.slice(0, c.original.to.lastIndexOf(':')), c.original.to.split(':').pop()];
      const svc = model.services.find((x) => x.clusterIP === vip);
      if (pod && svc && c.protocol === 'tcp')
        pairs.set(`${pod.name} ${svc.name}:${port}`, [pod.name, `${svc.name}:${port}`]);
    }
    // With no capture, every client pod to every Service (by name and port) and to every pod.
    if (pairs.size === 0)
      for (const client of model.pods.filter((p) => !p.name.includes('predicted')).slice(0, 3)) {
        for (const svc of model.services.slice(0, 4))
          pairs.set(`${client.name} ${svc.name}`, [client.name, `${svc.name}:${svc.ports[0]?.port ?? 80}`]);
        for (const pod of model.pods.filter((p) => p !== client).slice(0, 3))
          pairs.set(`${client.name} ${pod.name}`, [client.name, pod.name]);
      }
    for (const [from, to] of [...pairs.values()].slice(0, 16)) {
      let result;
      try {
        result = trace(model, from, to);
      } catch (e) {
        if (e instanceof UnknownTargetError) {
          unknown.push(`${name}: ${from} → ${to}`);
          continue;
        }
        throw e;
      }
      for (const flow of result.flows) {
        flows++;
        const where = `${name}: ${flow.title}`;
        checkLabels(flow, problems, where);
        for (const phase of flow.phases)
          for (const step of phase.steps) {
            if (step.status === 'observed') observed++;
            checkStep(flow, phase.name, step, problems, where);
          }
      }
    }
  }
  assert.deepEqual(unknown, [], 'every address a capture shows resolves');
  assert.ok(flows > 90, `flows traced: ${flows}`);
  assert.ok(observed > 800, `observed steps: ${observed}`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
});
