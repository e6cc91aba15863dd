#!/usr/bin/env bash
# The conntrack race of parallel A/AAAA queries, tried for real: a client namespace sends two DNS
# queries at the same instant from one UDP socket (two threads pinned to two CPUs, as glibc's
# resolver does with one sendmmsg on a multi-queue NIC), to a ClusterIP DNATed at random to two
# backends, 3000 times. conntrack -S on the node says whether the second packet's conntrack entry
# failed to insert (insert_failed, the packet dropped: the 5 s DNS timeout) or the kernel resolved
# the clash (clash_resolve). Each backend counts what reaches it (an INPUT rule's counter).
#
# Then the SNAT port race: two pods send a query at the same instant from the same source port to a
# server outside the pod network, which the node masquerades to its one address (KPP_RACE_N pairs
# each, default 3000).
#
#   test/lab/conntrack-race.sh [OUT]   as root; writes OUT/transcript.txt (default: test/lab/out-race)
# Namespaces kpp-race-*; the machine's own namespace is untouched. Takes /run/lock/kpp-lab.lock.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/out-race}
P=kpp-race
if [ -z "${KPP_RACE_LOCKED:-}" ] && command -v flock >/dev/null; then
  export KPP_RACE_LOCKED=1
  exec flock -w 600 /run/lock/kpp-lab.lock "$0" "$@"
fi
down() { for n in cli cli2 node dns1 dns2 ext; do ip netns del "$P-$n" 2>/dev/null; done; }
trap down EXIT
down
mkdir -p "$OUT"
T=$OUT/transcript.txt
: >"$T"
tx() { local host=$1; shift; printf 'root@%s:/# %s\n' "$host" "$*" >>"$T"; ip netns exec "$P-$host" "$@" >>"$T" 2>&1; }
for n in cli cli2 node dns1 dns2 ext; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done
ip -n $P-node link add cni0 type bridge
ip -n $P-node addr add 10.244.0.1/24 dev cni0
ip -n $P-node link set cni0 up
i=10
for n in cli dns1 dns2 cli2; do
  ip -n $P-node link add "v$n" type veth peer name eth0 netns "$P-$n"
  ip -n $P-node link set "v$n" master cni0 up
  ip -n "$P-$n" link set eth0 up
  ip -n "$P-$n" addr add "10.244.0.$i/24" dev eth0
  ip -n "$P-$n" route add default via 10.244.0.1
  i=$((i + 10))
done
ip netns exec $P-node sysctl -qw net.ipv4.ip_forward=1
ip netns exec $P-node sysctl -qw net.bridge.bridge-nf-call-iptables=1
# kube-proxy's shape for a two-endpoint UDP Service, in one chain.
ip netns exec $P-node iptables -t nat -A PREROUTING -d 10.96.0.10/32 -p udp --dport 53 -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.244.0.20:53
ip netns exec $P-node iptables -t nat -A PREROUTING -d 10.96.0.10/32 -p udp --dport 53 -j DNAT --to-destination 10.244.0.30:53
for n in dns1 dns2; do ip netns exec "$P-$n" iptables -A INPUT -p udp --dport 53 -j DROP; done
tx node uname -r
tx node conntrack -S
N=${KPP_RACE_N:-3000}
cd "$HERE/../.." && tx cli python3 test/lab/conntrack-race.py "$N"
tx node conntrack -S
tx node iptables -t nat -L PREROUTING -v -n -x
tx dns1 iptables -L INPUT -v -n -x
tx dns2 iptables -L INPUT -v -n -x
# The SNAT port race: cli (10.244.0.10) and cli2 (10.244.0.40) → 172.30.9.2:53 through MASQUERADE.
ip -n $P-node link add eth0 type veth peer name eth0 netns $P-ext
ip -n $P-node addr add 172.30.9.1/24 dev eth0
ip -n $P-node link set eth0 up
ip -n $P-ext addr add 172.30.9.2/24 dev eth0
ip -n $P-ext link set eth0 up
ip netns exec $P-node iptables -t nat -A POSTROUTING -s 10.244.0.0/24 ! -d 10.244.0.0/24 -j MASQUERADE
ip netns exec $P-ext iptables -A INPUT -p udp --dport 53 -j DROP
tx node conntrack -F
tx node conntrack -S
tx cli python3 test/lab/conntrack-race-snat.py "$N" $P-cli,$P-cli2 172.30.9.2
tx node conntrack -S
tx node iptables -t nat -L POSTROUTING -v -n -x
tx ext iptables -L INPUT -v -n -x
echo "transcript in $T" >&2
