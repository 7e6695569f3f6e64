#!/usr/bin/env bash
# start-proftpd.sh ROOT_DIR PORT_BASE [plain|ftps|ftps-implicit]
# ProFTPD 1.3.8 unpacked from proftpd-core + proftpd-mod-crypto into
# $FTPD_OPT/proftpd-core by install-servers.sh. Loads mod_deflate (MODE Z) and
# mod_digest (HASH, XCRC, XMD5, XSHA*); mod_tls (a shared module from
# proftpd-mod-crypto) for the ftps modes.
# Login: Unix user via mod_auth_unix (the unpacked .deb has no PAM config).
# TLS_REUSE=0 adds "TLSOptions NoSessionReuseRequired": by default ProFTPD
# rejects (425) a data connection that does not resume the control session.
. "$(dirname "$0")/lib.sh"
srv_args proftpd "$@"
D=${PROFTPD_DIR:-$FTPD_OPT/proftpd-core}
BIN=$D/usr/sbin/proftpd; MODS=$D/usr/lib/proftpd
[ -x "$BIN" ] || srv_die "$BIN is missing: sudo $SERVERS_DIR/install-servers.sh"
srv_user; srv_root
IPV6=off; [ "$FTP_HOST" = "::1" ] && IPV6=on
# SocketBindTight binds DefaultAddress only; DelayEngine off: mod_delay would
# slow every login down on purpose.
cat > "$STATE/proftpd.conf" <<CONF
ServerType        standalone
ServerName        "ftpkit interop"
ServerIdent       on "ProFTPD ftpkit interop server ready."
UseIPv6           $IPV6
DefaultAddress    $FTP_HOST
SocketBindTight   on
Port              $PORT
PassivePorts      $PASV_MIN $PASV_MAX
User              nobody
Group             nogroup
Umask             022
MaxInstances      100
PidFile           $STATE/proftpd.pid
ScoreboardFile    $STATE/proftpd.scoreboard
SystemLog         $STATE/proftpd.log
TransferLog       $STATE/xferlog
WtmpLog           off
UseReverseDNS     off
UseFtpUsers       off
DelayEngine       off
AuthPAM           off
AuthOrder         mod_auth_unix.c
RequireValidShell off
DefaultRoot       $ROOT
AllowOverwrite    on
AllowStoreRestart on
AllowRetrieveRestart on
ModulePath        $MODS
LoadModule        mod_deflate.c
LoadModule        mod_digest.c
<IfModule mod_deflate.c>
  DeflateEngine   on
  DeflateLog      $STATE/deflate.log
</IfModule>
<IfModule mod_digest.c>
  DigestEngine    on
  DigestAlgorithms all
</IfModule>
CONF
if [ "$MODE" != plain ]; then
  [ -f "$MODS/mod_tls.so" ] || srv_die "$MODS/mod_tls.so is missing (proftpd-mod-crypto): sudo $SERVERS_DIR/install-servers.sh"
  srv_cert
  OPTS=""
  [ "$TLS_REUSE" = 0 ] && OPTS="NoSessionReuseRequired"
  [ "$MODE" = ftps-implicit ] && OPTS="$OPTS UseImplicitSSL"
  cat >> "$STATE/proftpd.conf" <<CONF
LoadModule        mod_tls.c
<IfModule mod_tls.c>
  TLSEngine       on
  TLSLog          $STATE/tls.log
  TLSProtocol     TLSv1.2 TLSv1.3
  TLSRSACertificateFile    $STATE/cert.pem
  TLSRSACertificateKeyFile $STATE/key.pem
  TLSRequired     on
  TLSVerifyClient off
  TLSRenegotiate  none
$( [ -n "$OPTS" ] && echo "  TLSOptions      $OPTS" )
</IfModule>
CONF
fi
"$BIN" -t -c "$STATE/proftpd.conf" >"$STATE/configtest.log" 2>&1 \
  || { cat "$STATE/configtest.log" >&2; srv_die "proftpd rejected $STATE/proftpd.conf"; }
srv_run "$BIN" -n -q -c "$STATE/proftpd.conf"
