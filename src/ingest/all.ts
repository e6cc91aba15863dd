// Importing this module registers every parser with the registry.
import './group-packets'; // tcpdump, transcript splitting
import './group-netfilter'; // iptables -L, iptables-save, nft, ipvsadm, conntrack
import './group-dns'; // nslookup, dig, host, resolv.conf, /etc/hosts, traceroute
import './group-kube'; // kubectl tables/json/yaml/describe/logs, manifests
import './group-host'; // ip link/addr/route/neigh, bridge fdb, subnet.env
import './group-state'; // sysctl, bridge link, ss/netstat, conntrack -S, iptables -V, curl/wget/ping

export * from './registry';
export type * from './types';
