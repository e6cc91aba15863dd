# Sends N pairs of DNS queries (A and AAAA) at the same instant from one UDP socket, from two
# threads pinned to CPUs 0 and 1, to the kube-dns ClusterIP 10.96.0.10. Used by test/lab/conntrack-race.sh.
import socket, threading, os, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
def q(qid, qtype):
    # A DNS query for web.default.svc.cluster.local, type A (1) or AAAA (28)
    name = b''.join(bytes([len(p)]) + p for p in b'web.default.svc.cluster.local'.split(b'.')) + b'\0'
    return qid.to_bytes(2, 'big') + b'\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' + name + qtype.to_bytes(2, 'big') + b'\x00\x01'
for i in range(N):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(('10.96.0.10', 53))
    barrier = threading.Barrier(2)
    def send(cpu, payload):
        os.sched_setaffinity(0, {cpu})
        barrier.wait()
        try:
            s.send(payload)
        except OSError:
            pass
    a = threading.Thread(target=send, args=(0, q(i & 0xffff, 1)))
    b = threading.Thread(target=send, args=(1, q((i + 1) & 0xffff, 28)))
    a.start(); b.start(); a.join(); b.join()
    s.close()
