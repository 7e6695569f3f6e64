#!/usr/bin/env bash
# start-pureftpd.sh ROOT_DIR PORT_BASE [plain|ftps]
# pure-ftpd 1.0.50 unpacked into $FTPD_OPT/pure-ftpd by install-servers.sh;
# every option on the command line (Debian's wrapper is not used).
# Login: a PureDB virtual user mapped to the Unix user's uid, chrooted at
# ROOT_DIR (the "/./" suffix). SHA-512 crypt hash: pure-pw's default
# (argon2id) costs about half a second per login.
# TLS: -Y 3 requires TLS on control and data. The Debian build has no implicit
# FTPS, and pure-ftpd has no TLS session reuse requirement (TLS_REUSE is ignored).
# Note: at most (passive ports)/2 = 15 sessions at once, whatever -c says.
. "$(dirname "$0")/lib.sh"
srv_args pureftpd "$@"
[ "$MODE" = ftps-implicit ] && srv_die "pure-ftpd (Debian build) has no implicit FTPS"
D=${PUREFTPD_DIR:-$FTPD_OPT/pure-ftpd}
BIN=$D/usr/sbin/pure-ftpd
[ -x "$BIN" ] || srv_die "$BIN is missing: sudo $SERVERS_DIR/install-servers.sh"
srv_user; srv_root
HASH=$(openssl passwd -6 "$FTP_PASS")
echo "$FTP_USER:$HASH:$FTP_UID:$FTP_GID::$ROOT/./::::::::::::" > "$STATE/pureftpd.passwd"
chmod 600 "$STATE/pureftpd.passwd"
"$D/usr/bin/pure-pw" mkdb "$STATE/pureftpd.pdb" -f "$STATE/pureftpd.passwd" >/dev/null \
  || srv_die "pure-pw mkdb failed"
# -E no anonymous, -H no reverse DNS, -A chroot everyone, -D list dot files,
# -I idle minutes, -u lowest uid allowed to log in; no -B: stay in the foreground.
ARGS=(-S "$FTP_HOST,$PORT" -p "$PASV_MIN:$PASV_MAX" -l "puredb:$STATE/pureftpd.pdb"
      -E -H -A -D -c 100 -C 100 -I 15 -u 1 -O "clf:$STATE/transfer.log"
      -g "$STATE/pure-ftpd.pid")
if [ "$MODE" = ftps ]; then
  srv_cert
  ARGS+=(-Y 3 -2 "$STATE/cert.pem,$STATE/key.pem")
fi
srv_run "$BIN" "${ARGS[@]}"
