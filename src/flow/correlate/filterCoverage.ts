import type { ClusterModel, Service } from '../../model';
import type { PacketShape } from './captureFilter';
import { ipOf, portOf, type Connection } from './connections';
import { nodeOfPodIp } from './sites';

/** Flannel's VXLAN port: what a node's NIC carries of a pod's packet going to another node. */
const VXLAN_PORT = 8472;

/** Interfaces of the pod network (a pod's packet crosses them as it is); any other is a node's uplink. */
const POD_NETWORK = /^(?:veth|cni|cbr|docker|br|flannel)/;

function endOf(endpoint: string): { ip?: string; port?: number } {
  const ip = ipOf(endpoint);
  const port = portOf(endpoint);
  return { ...(ip ? { ip } : {}), ...(Number.isInteger(port) ? { port } : {}) };
}

/** The Service the client called and whether through a NodePort, from the connection's first destination. */
function calledService(model: ClusterModel, destination: string): { service: Service; nodePort: boolean } | undefined {
  const ip = ipOf(destination);
  const port = portOf(destination);
  for (const service of model.services) {
    const addresses = [service.clusterIP, ...(service.clusterIPs ?? []), ...(service.externalIPs ?? [])];
    if (addresses.includes(ip) && service.ports.some((p) => p.port === port)) return { service, nodePort: false };
    if (service.ports.some((p) => p.nodePort === port)) return { service, nodePort: true };
  }
  return undefined;
}

/** Every `ip:port` kube-proxy may DNAT the Service to: its endpoints' addresses with their ports. */
function endpointEnds(model: ClusterModel, service: Service): { ip?: string; port?: number }[] {
  const ends: { ip?: string; port?: number }[] = [];
  for (const { slice, endpoint } of model.endpointsOf(service)) {
    const ports = slice.ports.length ? slice.ports.map((p) => p.port) : [undefined];
    for (const ip of endpoint.addresses)
      for (const port of ports) ends.push({ ip, ...(port !== undefined ? { port } : {}) });
  }
  // No endpoint known: somewhere nothing names.
  return ends.length ? ends : [{}];
}

/**
 * Every form the connection may take on `iface`, both ways: the forms the captures show, the forms
 * kube-proxy's DNAT (and a NodePort's masquerade) give it when it called a Service, and on a node's
 * uplink the VXLAN packet that carries it between nodes. A capture filter must let them all through
 * for the capture to prove that the connection was not there.
 */
export function connectionShapes(model: ClusterModel, connection: Connection, iface: string): PacketShape[] {
  const protocol = connection.protocol;
  const pairs: { src: PacketShape['src']; dst: PacketShape['dst'] }[] = connection.legs.map((leg) => ({
    src: endOf(leg.from),
    dst: endOf(leg.to),
  }));
  const called = calledService(model, connection.original.to);
  if (called) {
    const client = endOf(connection.client);
    const masqueraded = called.nodePort || connection.legs.some((leg) => ipOf(leg.from) !== client.ip);
    for (const end of endpointEnds(model, called.service)) {
      pairs.push({ src: client, dst: end });
      if (masqueraded) pairs.push({ src: {}, dst: end });
    }
  }
  const shapes: PacketShape[] = pairs.flatMap(({ src, dst }) => [
    { protocol, src, dst },
    { protocol, src: dst, dst: src },
  ]);
  // Wrapped in VXLAN only between pod addresses (a pod's packet to an address outside the cluster, or
  // its answer, crosses the uplink as it is).
  const mayBePod = podAddressTest(model);
  const tunneled = pairs.some(({ src, dst }) => mayBePod(src?.ip) && mayBePod(dst?.ip));
  if (!POD_NETWORK.test(iface) && tunneled) shapes.push({ protocol: 'udp', src: {}, dst: { port: VXLAN_PORT } });
  return shapes;
}

/**
 * False only for an address the model shows is outside the pod network: pod subnets are known (a
 * Node's podCIDR, a Flannel subnet) and it is in none of them, and no pod has it.
 */
function podAddressTest(model: ClusterModel): (ip: string | undefined) => boolean {
  const subnetsKnown =
    model.nodes.some((node) => node.podCIDR || node.podCIDRs?.length) ||
    model.all('Cni').some((cniConfig) => cniConfig.subnet);
  return (ip) =>
    ip === undefined ||
    !subnetsKnown ||
    nodeOfPodIp(model, ip) !== undefined ||
    model.byIp(ip).some((owner) => owner.role === 'pod' && !owner.pod.hostNetwork);
}
