#!/usr/bin/env bash
# start-gridftp.sh ROOT_DIR PORT_BASE [plain]
# Globus GridFTP server 13.24 from Debian (globus-gridftp-server-progs; the
# client globus-url-copy is in globus-gass-copy-progs).
# Logins without GSI: FTP_USER/FTP_PASS from a -password-file, and anonymous
# (USER anonymous or ftp, any password); both act as the Unix user FTP_USER.
# The password file takes classic DES crypt() hashes only: a "$6$" SHA-512 hash
# answers "530 Login incorrect. : Invalid user.".
# Not chrooted: PWD answers the absolute ROOT_DIR path; -rp confines access to it.
# Plain only: GridFTP secures sessions with GSI (AUTH GSSAPI), not AUTH TLS.
# MODE E downloads need the server to be the active side (PORT/EPRT).
. "$(dirname "$0")/lib.sh"
srv_args gridftp "$@"
[ "$MODE" = plain ] || srv_die "gridftp speaks GSI, not FTPS: plain only"
BIN=${GRIDFTP_BIN:-/usr/sbin/globus-gridftp-server}
[ -x "$BIN" ] || srv_die "$BIN is missing: sudo $SERVERS_DIR/install-servers.sh"
srv_user; srv_root
HASH=$(perl -e 'my @s = ("a".."z", "A".."Z", 0..9); print crypt($ARGV[0], $s[rand @s] . $s[rand @s])' "$FTP_PASS")
echo "$FTP_USER:$HASH:$FTP_UID:$FTP_GID:$FTP_USER:$ROOT:/bin/bash" > "$STATE/passwd"
chmod 600 "$STATE/passwd"
LOGIN="$FTP_USER:$FTP_PASS,anonymous:anything"
cd "$STATE"
# -c none: ignore /etc/gridftp.conf. It stays in the foreground and forks per session.
srv_run "$BIN" -c none -p "$PORT" -control-interface "$FTP_HOST" \
  -data-interface "$FTP_HOST" -port-range "$PASV_MIN,$PASV_MAX" \
  -password-file "$STATE/passwd" -aa -anonymous-user "$FTP_USER" \
  -home-dir "$ROOT" -rp "$ROOT" -d ERROR,WARN,INFO -l "$STATE/gridftp.log"
