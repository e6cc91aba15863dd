import { namespaceOf, type Pod, type Service } from '../model';
import type { Actor } from './types';

/** Actor constructors: one id scheme everywhere, so steps from different phases meet on the same lifelines. */

const rootNs = (node: string) => `${node} root netns`;

export function podActor(pod: Pod): Actor {
  const ns = namespaceOf(pod);
  if (pod.hostNetwork) return nodeActor(pod.nodeName ?? 'node', pod.ip ? [pod.ip] : undefined);
  return {
    id: `pod:${ns}/${pod.name}`,
    kind: 'pod',
    name: pod.name,
    group: `Pod ${pod.name} netns`,
    addresses: pod.ip ? [pod.ip] : undefined,
    interfaces: ['eth0'],
  };
}

export function vethActor(node: string, iface: string): Actor {
  return { id: `veth:${node}/${iface}`, kind: 'veth', name: iface, group: rootNs(node), interfaces: [iface] };
}

export function bridgeActor(node: string, name: string, address?: string): Actor {
  return {
    id: `bridge:${node}/${name}`,
    kind: 'bridge',
    name,
    group: rootNs(node),
    interfaces: [name],
    addresses: address ? [address] : undefined,
  };
}

export function netfilterActor(node: string, chain: string): Actor {
  return { id: `netfilter:${node}/${chain}`, kind: 'netfilter', name: chain, group: rootNs(node) };
}

export function conntrackActor(node: string): Actor {
  return { id: `conntrack:${node}`, kind: 'conntrack', name: 'conntrack', group: rootNs(node) };
}

export function ipvsActor(node: string, virtualServer: string): Actor {
  return {
    id: `ipvs:${node}/${virtualServer}`,
    kind: 'ipvs',
    name: `IPVS ${virtualServer}`,
    group: rootNs(node),
    interfaces: ['kube-ipvs0'],
  };
}

export function routingActor(node: string): Actor {
  return { id: `routing:${node}`, kind: 'routing', name: `${node} routing`, group: rootNs(node) };
}

export function vxlanActor(node: string, dev: string, address?: string): Actor {
  return {
    id: `vxlan:${node}/${dev}`,
    kind: 'vxlan',
    name: dev,
    group: rootNs(node),
    interfaces: [dev],
    addresses: address ? [address] : undefined,
  };
}

export function underlayActor(node: string, nic: string, address?: string): Actor {
  return {
    id: `underlay:${node}/${nic}`,
    kind: 'underlay',
    name: `${node} ${nic}`,
    group: rootNs(node),
    interfaces: [nic],
    addresses: address ? [address] : undefined,
  };
}

export function nodeActor(node: string, addresses?: string[]): Actor {
  return { id: `node:${node}`, kind: 'node', name: node, group: rootNs(node), addresses };
}

export function dnsActor(pod: Pod | undefined, fallbackName: string): Actor {
  if (!pod) return { id: `dns:${fallbackName}`, kind: 'dns', name: fallbackName };
  return { ...podActor(pod), id: `dns:${pod.namespace ?? 'kube-system'}/${pod.name}`, kind: 'dns' };
}

export function serviceActor(svc: Service): Actor {
  const ns = namespaceOf(svc);
  return {
    id: `service:${ns}/${svc.name}`,
    kind: 'service',
    name: `Service ${svc.name}`,
    addresses: svc.clusterIP && svc.clusterIP !== 'None' ? [svc.clusterIP] : undefined,
  };
}

export function gatewayActor(ip: string): Actor {
  return { id: `gateway:${ip}`, kind: 'gateway', name: `gateway ${ip}`, addresses: [ip] };
}

export function externalActor(name: string, addresses?: string[]): Actor {
  return { id: `external:${name}`, kind: 'external', name, addresses };
}
