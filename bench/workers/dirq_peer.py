"""The python3-dirq peer (QueueSimple, the Python port of Perl's
Directory::Queue::Simple), speaking the bench's worker handshake:
print "ready", read "go ARG...", print one JSON line.

dirq never flushes, so it is a peer for relaxed durability only.

Usage: dirq_peer.py enqueue DIR        go DURATION_MS
       dirq_peer.py fill DIR COUNT PAYLOAD_BYTES   go
       dirq_peer.py drain DIR          go
       dirq_peer.py count DIR N        (N adds at once, no handshake: strace)
"""

import json
import os
import re
import sys
import time

from dirq.QueueSimple import QueueSimple


def now():
    return time.time() * 1000.0


def peak_rss_kib():
    with open("/proc/self/status") as status:
        match = re.search(r"^VmHWM:\s+(\d+) kB", status.read(), re.M)
    return int(match.group(1)) if match else 0


def ready():
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        raise SystemExit("expected go, got %r" % line)
    return line[1:]


def emit(result):
    result["hwmKiB"] = peak_rss_kib()
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    # Stay until the parent closes stdin, as the Deno workers do.
    sys.stdin.read()


def payload(size):
    return bytes(((i * 31 + 7) & 0xFF) for i in range(size))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    queue = QueueSimple(path)
    if mode == "enqueue":
        data = payload(1024)
        duration = float(ready()[0])
        start = now()
        deadline = start + duration
        ops = 0
        while now() < deadline:
            queue.add(data)
            ops += 1
        emit({"ops": ops, "start": start, "end": now()})
    elif mode == "fill":
        count = int(sys.argv[3])
        data = payload(int(sys.argv[4]))
        ready()
        start = now()
        for _ in range(count):
            queue.add(data)
        emit({"ops": count, "start": start, "end": now()})
    elif mode == "drain":
        ready()
        start = now()
        ops = 0
        # Iterating lists the queue; lock (a hard link) is the checkout.
        for name in queue:
            if queue.lock(name):
                queue.remove(name)
                ops += 1
        emit({"ops": ops, "start": start, "end": now()})
    elif mode == "count":
        data = payload(1024)
        for _ in range(int(sys.argv[3])):
            queue.add(data)
    else:
        raise SystemExit("unknown mode %r" % mode)


if __name__ == "__main__":
    os.umask(0o022)
    main()
