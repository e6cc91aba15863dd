# Sends N pairs of UDP DNS queries at the same instant from two pods (two network namespaces), both
# from the same source port, to one server outside the pod network: the node masquerades both to
# its own address, and the two new conntrack entries race for the same reply tuple (the SNAT port
# race). Threads pinned to CPUs 0 and 1, each in its pod's namespace (setns). Used by
# test/lab/conntrack-race.sh.
import ctypes, os, socket, sys, threading

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
PODS = sys.argv[2].split(',')  # two netns names
SERVER = sys.argv[3]
libc = ctypes.CDLL('libc.so.6', use_errno=True)
CLONE_NEWNET = 0x40000000


def query(qid):
    name = b''.join(bytes([len(p)]) + p for p in b'web.default.svc.cluster.local'.split(b'.')) + b'\0'
    return qid.to_bytes(2, 'big') + b'\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' + name + b'\x00\x01\x00\x01'


barrier = threading.Barrier(2)


def sender(index):
    os.sched_setaffinity(0, {index})
    fd = os.open('/run/netns/' + PODS[index], os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns')
    for i in range(N):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(('0.0.0.0', 20000 + i % 40000))
        sock.connect((SERVER, 53))
        barrier.wait()
        try:
            sock.send(query((i + index) & 0xFFFF))
        except OSError:
            pass
        sock.close()


threads = [threading.Thread(target=sender, args=(k,)) for k in (0, 1)]
for t in threads:
    t.start()
for t in threads:
    t.join()
