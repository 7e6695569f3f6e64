"""The zero-copy sender of bench/throughput.ts: sends the way vsftpd sends a file.

vsftpd answers RETR with one sendfile() of the whole file (strace: a single
sendfile(sock, file, NULL, <size>)), so the kernel moves page-cache pages to the socket
and the sender costs almost no CPU: the reader is the bottleneck. Node has no sendfile,
hence this helper. Each connection sends one line "<bytes>\\n"; the sender answers with
that many bytes from FILE (a sparse file: zero pages, no disk) and closes. Prints
{"port": N} once listening; exits when stdin closes.

Usage: python3 sendfile-sender.py FILE
"""

import json
import os
import socket
import sys
import threading


def serve(conn: socket.socket, path: str) -> None:
    with conn:
        line = b""
        while not line.endswith(b"\n"):
            part = conn.recv(64)
            if not part:
                return
            line += part
        left = int(line)
        with open(path, "rb") as source:
            size = os.fstat(source.fileno()).st_size
            offset = 0
            while left > 0:
                sent = os.sendfile(conn.fileno(), source.fileno(), offset, min(left, size - offset))
                left -= sent
                offset = (offset + sent) % size


def main() -> None:
    path = sys.argv[1]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)

    def accept() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn, path), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
