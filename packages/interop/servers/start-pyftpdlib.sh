#!/usr/bin/env bash
# start-pyftpdlib.sh ROOT_DIR PORT_BASE [plain|ftps]
# pyftpdlib 1.5.7 from Debian (python3-pyftpdlib; python3-openssl for ftps),
# run by the system /usr/bin/python3 (a python3 earlier on PATH may lack
# pyftpdlib). The server process runs unprivileged as the login user
# (setpriv), with an in-process user FTP_USER/FTP_PASS rooted at ROOT_DIR.
# No implicit FTPS and no TLS session reuse requirement (TLS_REUSE is ignored).
. "$(dirname "$0")/lib.sh"
srv_args pyftpdlib "$@"
[ "$MODE" = ftps-implicit ] && srv_die "pyftpdlib has no implicit FTPS"
"$SYSTEM_PYTHON" -c "import pyftpdlib" 2>/dev/null \
  || srv_die "python3-pyftpdlib is missing: sudo $SERVERS_DIR/install-servers.sh"
if [ "$MODE" = ftps ]; then
  "$SYSTEM_PYTHON" -c "import OpenSSL" 2>/dev/null \
    || srv_die "python3-openssl is missing: sudo $SERVERS_DIR/install-servers.sh"
fi
srv_user; srv_root
KEY=-
if [ "$MODE" = ftps ]; then srv_cert; KEY=$STATE/key.pem; fi
# The checkout may not be readable by the login user: run a copy from $STATE.
cp "$SERVERS_DIR/pyftpdlib-server.py" "$STATE/"
chown -R "$FTP_USER:" "$STATE"
srv_run setpriv --reuid="$FTP_UID" --regid="$FTP_GID" --clear-groups \
  "$SYSTEM_PYTHON" "$STATE/pyftpdlib-server.py" "$FTP_HOST" "$PORT" "$PASV_MIN" "$PASV_MAX" \
  "$ROOT" "$FTP_USER" "$FTP_PASS" "$MODE" "${CERT:--}" "$KEY" "$STATE/pyftpdlib.log"
