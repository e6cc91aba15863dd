/**
 * Every parser, in one ordered list, and the command words a transcript recognises without a
 * prompt. To add a parser, add its `FormatSpec` here (CONTRIBUTING.md, "add a parser").
 */
import type { FormatSpec } from './types';
import { tcpdumpFormat } from './tcpdump';
import { iptablesVersionFormat } from './state/iptablesBackend';
import { iptablesListFormat } from './netfilter/iptablesList';
import { iptablesSaveFormat } from './netfilter/iptablesSave';
import { nftFormat } from './netfilter/nft';
import { ipvsadmFormat } from './netfilter/ipvsadm';
import { conntrackFormat } from './netfilter/conntrack';
import { nslookupFormat } from './dns/nslookup';
import { digFormat } from './dns/dig';
import { hostFormat } from './dns/host';
import { hostsFormat } from './dns/hostsFile';
import { resolvConfFormat } from './dns/resolvConf';
import { tracerouteFormat } from './misc/traceroute';
import { kubectlLogsFormat } from './misc/nginxAccess';
import { kubeProxyLogFormat } from './misc/kubeProxyLog';
import { manifestFormat } from './kube/manifest';
import { kubectlJsonFormat, kubectlYamlFormat } from './kube/kubectlObjects';
import { kubectlEventsFormat } from './kube/kubectlEvents';
import { kubectlTableFormat } from './kube/kubectlTable';
import { kubectlDescribeFormat } from './kube/kubectlDescribe';
import { ipAddrFormat, ipLinkFormat } from './host/ipLink';
import { ipRouteFormat } from './host/ipRoute';
import { ipNeighFormat } from './host/ipNeigh';
import { bridgeFdbFormat } from './host/bridgeFdb';
import { subnetEnvFormat } from './host/subnetEnv';
import { sysctlFormat } from './state/sysctl';
import { bridgeLinkFormat } from './state/bridgeLink';
import { socketsFormat } from './state/sockets';
import { conntrackStatsFormat } from './state/conntrackStats';
import { httpClientFormat } from './clients/httpClient';
import { pingFormat } from './clients/ping';

/**
 * The order breaks ties: a command goes to the first format whose `commands` match it, and a
 * block with no command to the best sniffer, an earlier one winning an equal score. `hosts` comes
 * before `resolv-conf` so that `cat /etc/hosts /etc/resolv.conf` reaches the hosts parser, which
 * hands the resolv.conf part over.
 */
export const FORMATS: readonly FormatSpec[] = [
  tcpdumpFormat,
  iptablesVersionFormat,
  iptablesListFormat,
  iptablesSaveFormat,
  nftFormat,
  ipvsadmFormat,
  conntrackFormat,
  nslookupFormat,
  digFormat,
  hostFormat,
  hostsFormat,
  resolvConfFormat,
  tracerouteFormat,
  // Before the nginx reader: `kubectl logs kube-proxy-…` is kube-proxy's log.
  kubeProxyLogFormat,
  kubectlLogsFormat,
  manifestFormat,
  kubectlYamlFormat,
  kubectlJsonFormat,
  // Before the generic table reader: `kubectl get events` is read row by row as events.
  kubectlEventsFormat,
  kubectlTableFormat,
  kubectlDescribeFormat,
  ipLinkFormat,
  ipAddrFormat,
  ipRouteFormat,
  ipNeighFormat,
  bridgeFdbFormat,
  subnetEnvFormat,
  sysctlFormat,
  bridgeLinkFormat,
  socketsFormat,
  conntrackStatsFormat,
  httpClientFormat,
  pingFormat,
];

/**
 * Command words no parser reads: wrappers that run another command (`sudo`, `timeout`, `watch`,
 * `k`/`oc` for kubectl), shell commands and tools whose output stays unknown.
 */
const OTHER_COMMAND_WORDS = [
  'sudo',
  'timeout',
  'nsenter',
  'watch',
  'sh',
  'bash',
  'k',
  'oc',
  'echo',
  'mkdir',
  'cd',
  'ls',
  'grep',
  'tail',
  'head',
  'awk',
  'sed',
  'arp',
  'tracepath',
  'route',
  'ifconfig',
  'tshark',
  'crictl',
  'docker',
  'journalctl',
  'kubeadm',
  'systemctl',
  'helm',
  'nc',
  'telnet',
];

/** Words that start a command line in a transcript even without a prompt: every parser's tools and the others. */
export const COMMAND_WORDS: ReadonlySet<string> = new Set([
  ...FORMATS.flatMap((spec) => spec.tools),
  ...OTHER_COMMAND_WORDS,
]);
