#!/usr/bin/python3
"""Hold N connections to HOST:PORT that send their request headers one
line at a time, every INTERVAL seconds, for DURATION seconds (a slow
client, or an attack on the listener's connection slots). Prints one line:
"open N closed N first_close SECONDS" (first_close -1 when none closed).
usage: slow_clients.py HOST PORT N INTERVAL DURATION [SOURCE_ADDR]"""
import resource
import select
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
interval, duration = float(sys.argv[4]), float(sys.argv[5])
src = sys.argv[6] if len(sys.argv) > 6 else None

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))

t0 = time.monotonic()
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    except OSError:
        s.close()
closed = n - len(socks)
first_close = time.monotonic() - t0 if closed else -1.0
print("connected %d" % len(socks), file=sys.stderr, flush=True)
k = 0
next_send = time.monotonic() + interval
poller = select.poll()
byfd = {}
for s in socks:
    poller.register(s, select.POLLIN)
    byfd[s.fileno()] = s
while socks and time.monotonic() - t0 < duration:
    ready = poller.poll(100)
    gone = set()
    for fd, _ in ready:
        s = byfd[fd]
        try:
            if not s.recv(4096):
                gone.add(s)
        except OSError:
            gone.add(s)
    if time.monotonic() >= next_send:
        k += 1
        for s in socks:
            if s in gone:
                continue
            try:
                s.send(b"X-Slow-%d: %d\r\n" % (k, k))
            except OSError:
                gone.add(s)
        next_send += interval
    if gone:
        if first_close < 0:
            first_close = time.monotonic() - t0
        closed += len(gone)
        for s in gone:
            poller.unregister(s)
            s.close()
        socks = [s for s in socks if s not in gone]
print("open %d closed %d first_close %.2f" % (len(socks), closed, first_close), flush=True)
for s in socks:
    s.close()
