#!/usr/bin/python3
"""pyftpdlib-server.py HOST PORT PASV_MIN PASV_MAX ROOT USER PASS MODE CERT KEY LOG

Run by start-pyftpdlib.sh. MODE plain, or ftps: AUTH TLS required for login
and for data (PROT P). CERT and KEY are "-" in plain mode."""
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

host, port, pasv_min, pasv_max, root, user, password, mode, cert, key, log = sys.argv[1:12]
logging.basicConfig(filename=log, level=logging.INFO, format="%(asctime)s %(process)d %(message)s")

authorizer = DummyAuthorizer()
# e l r a d f m w M T: every read and write permission pyftpdlib has.
authorizer.add_user(user, password, root, perm="elradfmwMT")

if mode == "ftps":
    from pyftpdlib.handlers import TLS_FTPHandler

    handler = TLS_FTPHandler
    handler.certfile = cert
    handler.keyfile = key
    handler.tls_control_required = True
    handler.tls_data_required = True
else:
    handler = FTPHandler
handler.authorizer = authorizer
handler.passive_ports = range(int(pasv_min), int(pasv_max) + 1)
handler.banner = "pyftpdlib ready."

server = FTPServer((host, int(port)), handler)
server.max_cons = 256
server.max_cons_per_ip = 256
server.serve_forever()
