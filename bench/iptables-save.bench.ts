// A large node: 5,000 Services × 2 ports (all NodePort, half with ClientIP affinity),
// 20,000 endpoints (4 per Service). Our predictor writes its iptables-save (~250k
// lines), the iptables-save parser reads it back, and a ClusterModel indexes the
// facts. Prints seconds, MB/s, lines/s and peak RSS. No assertions on time.
import { predictFromPlan } from '../src/flow/rules/predict';
import { predictIptablesSave } from '../src/flow/rules/iptablesPredictor';
import type { RulePlan, ServicePortPlan } from '../src/flow/rules/servicePlan';
import { parseIptablesSave } from '../src/ingest/netfilter/iptablesSave';
import { ClusterModel, DEFAULT_KUBE_PROXY_FLAGS, servicePortName } from '../src/model';

const SERVICES = 5000;
const ENDPOINTS_PER_SERVICE = 4;

function plan(): RulePlan {
  const ports: ServicePortPlan[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const ns = `ns${s % 50}`;
    const name = `svc-${s}`;
    const clusterIP = `10.96.${Math.floor(s / 250)}.${(s % 250) + 1}`;
    const endpoints = Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, e) => {
      const number = s * ENDPOINTS_PER_SERVICE + e;
      return {
        ip: `10.244.${Math.floor(number / 250)}.${(number % 250) + 2}`,
        port: 8080,
        nodeName: `node${number % 10}`,
      };
    });
    for (const [portIndex, portName] of ['http', 'https'].entries()) {
      ports.push({
        namespace: ns,
        name,
        portName,
        spn: servicePortName(ns, name, portName),
        protocol: 'TCP',
        port: 80 + portIndex * 363,
        clusterIP,
        nodePort: 30000 + ((s * 2 + portIndex) % 2768),
        externalIPs: [],
        loadBalancerIPs: [],
        externalLocal: false,
        internalLocal: false,
        sourceRanges: [],
        endpoints: endpoints.map((endpoint) => ({ ...endpoint, port: endpoint.port + portIndex })),
        usable: endpoints.map((endpoint) => ({ ...endpoint, port: endpoint.port + portIndex })),
        sources: [],
        ...(s % 2 === 0 ? { affinitySeconds: 10800 } : {}),
      });
    }
  }
  return {
    ports,
    clusterCIDR: '10.244.0.0/16',
    nodeName: 'node0',
    nodeIPs: ['192.168.0.10'],
    notes: [],
    flags: DEFAULT_KUBE_PROXY_FLAGS,
  };
}

// Wall time and this process's CPU time: on a busy machine the CPU figure is the steadier one.
interface Mark {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}
const mark = (): Mark => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });
function took(start: Mark): { wall: number; cpu: number; text: string } {
  const wall = Number(process.hrtime.bigint() - start.wall) / 1e9;
  const cpuUsed = process.cpuUsage(start.cpu);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  return { wall, cpu, text: `${wall.toFixed(3)} s wall, ${cpu.toFixed(3)} s CPU` };
}

const rulePlan = plan();
let startMark = mark();
const text = predictIptablesSave(rulePlan);
const predictText = took(startMark);
const lines = text.split('\n').length;
const mb = Buffer.byteLength(text) / 1e6;

(globalThis as { gc?: () => void }).gc?.();
startMark = mark();
const parsed = parseIptablesSave({ text, uri: 'bench:iptables-save' });
const parse = took(startMark);

startMark = mark();
const model = new ClusterModel().add(parsed.facts);
const rules = model.all('NatRule').length;
const index = took(startMark);

// Last, so its facts do not weigh on the parse and index figures.
startMark = mark();
const predicted = predictFromPlan(rulePlan, 'iptables');
const predictFacts = took(startMark);

const rss = process.resourceUsage().maxRSS / 1024;
console.log(
  `input: ${lines} lines, ${mb.toFixed(1)} MB (${SERVICES} services, ${SERVICES * ENDPOINTS_PER_SERVICE} endpoints, ${predicted.plan.ports.length} service ports)`,
);
console.log(`predict iptables-save text: ${predictText.text}`);
console.log(
  `parse iptables-save: ${parse.text}; ${(mb / parse.cpu).toFixed(1)} MB/s, ${Math.round(lines / parse.cpu)} lines/s per CPU second; ${parsed.records} records, ${parsed.unparsed.length} unparsed`,
);
const parsedRules = parsed.facts.filter((fact) => fact.kind === 'NatRule').length;
// ClusterModel merges NatRules by identity: in = after means distinct rules stayed apart
// (an affinity Service's `--rcheck` jump and plain jump to the same endpoint are two rules).
console.log(
  `index into ClusterModel: ${index.text} (${parsedRules} NatRule facts in, ${rules} after merge, ${model.conflicts.length} conflicts)`,
);
console.log(`predict text + derived NatRule facts: ${predictFacts.text} (${predicted.facts.length} facts)`);
console.log(`peak RSS: ${rss.toFixed(0)} MB`);
