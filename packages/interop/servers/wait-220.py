#!/usr/bin/env python3
"""wait-220.py HOST PORT [MODE [PID]]

Wait until HOST:PORT greets with a 220 reply (RFC 959 §5.4: 220 "Service ready
for new user"). MODE ftps-implicit does the TLS handshake first (RFC 4217 does
not cover implicit FTPS; servers greet inside TLS). Gives up after
$WAIT220_TIMEOUT seconds (15), or at once when process PID has exited.
Standard library only."""
import os
import socket
import ssl
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else "plain"
pid = int(sys.argv[4]) if len(sys.argv) > 4 else 0
deadline = time.monotonic() + float(os.environ.get("WAIT220_TIMEOUT", "15"))
last = "nothing tried"
while time.monotonic() < deadline:
    if pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit("server process %d exited before greeting" % pid)
    try:
        with socket.create_connection((host, port), timeout=3) as raw:
            conn = raw
            if mode == "ftps-implicit":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                conn = ctx.wrap_socket(raw)
            line = conn.makefile("rb").readline().decode("latin-1").rstrip("\r\n")
            if line.startswith("220"):
                sys.exit(0)
            last = "greeting %r" % line
    except (OSError, ssl.SSLError) as err:
        last = repr(err)
    time.sleep(0.1)
sys.exit("no 220 greeting on %s port %d (%s)" % (host, port, last))
