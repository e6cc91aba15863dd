# Shared by test/lab/lab.sh and test/lab/broken.sh (sourced; set LAB, the namespace prefix, first).
# The pieces both labs build the same way: namespaces and their teardown, the nodes' LAN ports,
# Flannel's cni0 bridge and VXLAN device with its peer entries, and the Node and Pod objects.

nsx() { local n=$1; shift; ip netns exec "$LAB-$n" "$@"; }
vethname() { printf 'veth%s' "$(printf '%s' "$1" | md5sum | cut -c1-8)"; }

# Kills every process in the lab's namespaces, deletes them and their /etc/netns files, then RUNDIR.
lab_down() { # rundir
  local n
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-"); do
    ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
  done
  sleep 0.2
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-"); do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$n" 2>/dev/null
  done
  rm -rf /etc/netns/$LAB-* "$1"
}

attach_lan() { # ns ip: a port on the LAN namespace's bridge br0
  ip link add eth0 netns "$LAB-$1" type veth peer name "lan-$1" netns "$LAB-lan"
  nsx lan ip link set "lan-$1" master br0 up
  nsx "$1" ip link set lo up
  nsx "$1" ip link set eth0 up
  nsx "$1" ip addr add "$2/24" dev eth0
}

# What a Flannel vxlan node has: forwarding, bridge netfilter, cni0 (the pod gateway) and flannel.1.
flannel_node() { # node node-ip pod-net (10.244.0)
  local node=$1 nip=$2 nnet=$3
  nsx "$node" sysctl -qw net.ipv4.ip_forward=1
  nsx "$node" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  nsx "$node" ip link add cni0 type bridge
  nsx "$node" ip link set cni0 mtu 1450
  nsx "$node" ip addr add "$nnet.1/24" dev cni0
  nsx "$node" ip link set cni0 up
  nsx "$node" ip link add flannel.1 type vxlan id 1 local "$nip" dev eth0 dstport 8472 nolearning
  nsx "$node" ip link set flannel.1 mtu 1450 up
  nsx "$node" ip addr add "$nnet.0/32" dev flannel.1
}

peer_vxlan() { # from to: the route, neighbour and FDB entries flanneld installs for a remote node
  local a=$1 b=$2 bnet=NODE_NET_$2 bip=NODE_IP_$2 mac
  mac=$(nsx "$b" cat /sys/class/net/flannel.1/address)
  nsx "$a" ip route add "${!bnet}.0/24" via "${!bnet}.0" dev flannel.1 onlink
  nsx "$a" ip neigh add "${!bnet}.0" lladdr "$mac" dev flannel.1 nud permanent
  nsx "$a" bridge fdb add "$mac" dev flannel.1 dst "${!bip}" self permanent
}

node_yaml() { # node node-ip pod-net
  printf -- '---\napiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n  annotations: { flannel.alpha.coreos.com/backend-type: vxlan, flannel.alpha.coreos.com/public-ip: %s }\nspec: { podCIDR: %s.0/24, podCIDRs: [%s.0/24] }\nstatus:\n  addresses: [ { type: InternalIP, address: %s } ]\n' \
    "$1" "$2" "$3" "$3" "$2"
}

# A Pod object: labels `k=v,k=v`; role client (busybox) or server (nginx, with a named port 80);
# hostname and subdomain when given.
pod_yaml() { # name namespace node ip host-ip labels role port-name [hostname subdomain]
  local name=$1 podns=$2 node=$3 ip=$4 hostip=$5 labels=$6 role=$7 port=$8 key kv
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n' "$name" "$podns"
  IFS=, read -ra kv <<<"$labels"
  for key in "${kv[@]}"; do printf '    %s: %s\n' "${key%%=*}" "${key#*=}"; done
  printf 'spec:\n  nodeName: %s\n' "$node"
  [ $# -ge 10 ] && printf '  hostname: %s\n  subdomain: %s\n' "$9" "${10}"
  printf '  containers:\n  - name: main\n    image: %s\n' "$([ "$role" = client ] && echo busybox || echo nginx)"
  [ "$role" = web ] && printf '    ports:\n    - { name: %s, containerPort: 80 }\n' "$port"
  printf 'status:\n  podIP: %s\n  hostIP: %s\n' "$ip" "$hostip"
}
