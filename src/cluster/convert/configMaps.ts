/**
 * The three ConfigMaps that say how the cluster network is built: kube-proxy's
 * config.conf, Flannel's net-conf.json and CoreDNS's Corefile. Pure functions of the
 * ConfigMap JSON; each returns the facts it could read and what stayed unknown.
 */
import { parse as parseYaml } from 'yaml';
import type { ClusterDns, CniConfig, KubeProxyConfig, KubeProxyMode } from '../../model';
import { clusterEvidence } from './evidence';
import { compact, int, obj, str, type Json } from './json';

export interface ConfigMapReading<F> {
  fact?: F;
  /** Why a fact (or a field of it) could not be read; shown to the user. */
  notes: string[];
}

function dataOf(cm: Json, key: string): string | undefined {
  return str(obj(cm.data)[key]);
}

function idOf(cm: Json): { name: string; namespace?: string } {
  const m = obj(cm.metadata);
  return { name: str(m.name) ?? '', namespace: str(m.namespace) };
}

/** First line of `text` that matches, trimmed, for evidence excerpts. */
function lineMatching(text: string, re: RegExp): string | undefined {
  return text.split(/\r?\n/).find((l) => re.test(l))?.trim();
}

/** `kube-system/kube-proxy` (kubeadm): `config.conf` is a KubeProxyConfiguration in YAML. */
export function kubeProxyFromConfigMap(cm: Json, context: string): ConfigMapReading<KubeProxyConfig> {
  const { name, namespace } = idOf(cm);
  const text = dataOf(cm, 'config.conf');
  if (!text) return { notes: [`ConfigMap ${namespace}/${name} has no config.conf: kube-proxy mode unknown`] };
  let conf: Json;
  try {
    conf = obj(parseYaml(text));
  } catch (e) {
    return { notes: [`ConfigMap ${namespace}/${name} config.conf is not valid YAML (${(e as Error).message.split('\n')[0]}): kube-proxy mode unknown`] };
  }
  const raw = typeof conf.mode === 'string' ? conf.mode : '';
  const notes: string[] = [];
  let mode: KubeProxyMode;
  if (raw === 'iptables' || raw === 'ipvs' || raw === 'nftables') mode = raw;
  else if (raw === '') {
    // kube-proxy on Linux falls back to iptables when mode is empty (kubeadm writes `mode: ""`).
    mode = 'iptables';
  } else {
    return { notes: [`ConfigMap ${namespace}/${name}: kube-proxy mode '${raw}' is not supported (iptables, ipvs, nftables)`] };
  }
  const modeLine = lineMatching(text, /^mode:/) ?? `mode: ${raw}`;
  const excerpt = raw === '' ? `${modeLine} (empty: kube-proxy's Linux default, iptables)` : modeLine;
  const clusterCIDR = str(conf.clusterCIDR);
  if (!clusterCIDR) notes.push(`ConfigMap ${namespace}/${name}: clusterCIDR is empty — which sources kube-proxy masquerades is unknown`);
  return {
    fact: compact<KubeProxyConfig>({ kind: 'KubeProxy', mode, clusterCIDR, evidence: [clusterEvidence(context, 'ConfigMap', namespace, name, excerpt)] }),
    notes,
  };
}

/** `kube-flannel/kube-flannel-cfg` (or kube-system): `net-conf.json` holds Network and Backend. */
export function flannelFromConfigMap(cm: Json, context: string): ConfigMapReading<CniConfig> {
  const { name, namespace } = idOf(cm);
  const text = dataOf(cm, 'net-conf.json');
  if (!text) return { notes: [`ConfigMap ${namespace}/${name} has no net-conf.json: Flannel network unknown`] };
  let conf: Json;
  try {
    conf = obj(JSON.parse(text));
  } catch (e) {
    return { notes: [`ConfigMap ${namespace}/${name} net-conf.json is not valid JSON (${(e as Error).message}): Flannel network unknown`] };
  }
  const backend = obj(conf.Backend);
  const type = str(backend.Type)?.toLowerCase();
  const excerpt = lineMatching(text, /"Network"/) ?? text.replace(/\s+/g, ' ').slice(0, 200);
  return {
    fact: compact<CniConfig>({
      kind: 'Cni',
      plugin: 'flannel',
      network: str(conf.Network),
      backend: type,
      vni: int(backend.VNI),
      port: int(backend.Port),
      evidence: [clusterEvidence(context, 'ConfigMap', namespace, name, excerpt)],
    }),
    notes: type ? [] : [`ConfigMap ${namespace}/${name}: net-conf.json names no Backend.Type`],
  };
}

const REVERSE_ZONE = /(in-addr|ip6)\.arpa\.?$/i;

/** `kube-system/coredns`: the `kubernetes` plugin line names the cluster domain; `loadbalance` rotates answers. */
export function clusterDnsFromConfigMap(cm: Json, context: string): ConfigMapReading<ClusterDns> {
  const { name, namespace } = idOf(cm);
  const text = dataOf(cm, 'Corefile');
  if (!text) return { notes: [`ConfigMap ${namespace}/${name} has no Corefile: cluster domain unknown`] };
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim());
  const kubeLine = lines.find((l) => /^kubernetes(\s|$|\{)/.test(l));
  if (!kubeLine) return { notes: [`ConfigMap ${namespace}/${name}: the Corefile has no 'kubernetes' plugin: cluster domain unknown`] };
  const zones = kubeLine.replace(/\{.*$/, '').split(/\s+/).slice(1);
  const domain = zones.find((z) => !REVERSE_ZONE.test(z))?.replace(/\.$/, '');
  if (!domain) return { notes: [`ConfigMap ${namespace}/${name}: the kubernetes plugin serves no forward zone: cluster domain unknown`] };
  const loadbalance = lines.some((l) => /^loadbalance(\s|$)/.test(l));
  return {
    fact: { kind: 'ClusterDns', domain, loadbalance, evidence: [clusterEvidence(context, 'ConfigMap', namespace, name, kubeLine)] },
    notes: [],
  };
}
