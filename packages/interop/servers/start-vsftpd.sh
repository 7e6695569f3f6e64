#!/usr/bin/env bash
# start-vsftpd.sh ROOT_DIR PORT_BASE [plain|ftps|ftps-implicit]
# vsftpd 3.0.3 from the Debian package. Runs as root (it chroots each session
# into ROOT_DIR and drops to the login user); one process per session, all in
# the server's process group.
# Login: Unix user through PAM service "vsftpd" (/etc/pam.d/vsftpd from the package).
# TLS_REUSE=0 writes require_ssl_reuse=NO (vsftpd requires TLS session reuse on
# data connections by default, and closes the control connection with 522 when
# a data connection does not resume). FTP_HOST=::1 listens on IPv6 only:
# vsftpd's listen and listen_ipv6 exclude each other.
. "$(dirname "$0")/lib.sh"
srv_args vsftpd "$@"
BIN=${VSFTPD_BIN:-/usr/sbin/vsftpd}
[ -x "$BIN" ] || srv_die "$BIN is missing: sudo $SERVERS_DIR/install-servers.sh"
srv_user; srv_root
# secure_chroot_dir must exist and must not be writable by the login user.
mkdir -p "$STATE/empty"; chmod 555 "$STATE/empty"
if [ "$FTP_HOST" = "::1" ]; then
  LISTEN=$'listen=NO\nlisten_ipv6=YES\nlisten_address6=::1'
else
  LISTEN=$'listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1'
fi
cat > "$STATE/vsftpd.conf" <<CONF
$LISTEN
listen_port=$PORT
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=vsftpd
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$ROOT
secure_chroot_dir=$STATE/empty
pasv_enable=YES
pasv_min_port=$PASV_MIN
pasv_max_port=$PASV_MAX
port_enable=YES
connect_from_port_20=NO
userlist_enable=NO
tcp_wrappers=NO
seccomp_sandbox=NO
max_clients=0
max_per_ip=0
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$STATE/vsftpd.log
CONF
if [ "$MODE" != plain ]; then
  srv_cert
  # ssl_ciphers=HIGH: the built-in default (DES-CBC3-SHA) is refused by OpenSSL 3 clients.
  cat >> "$STATE/vsftpd.conf" <<CONF
ssl_enable=YES
rsa_cert_file=$STATE/cert.pem
rsa_private_key_file=$STATE/key.pem
ssl_ciphers=HIGH
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
CONF
  [ "$TLS_REUSE" = 0 ] && echo "require_ssl_reuse=NO" >> "$STATE/vsftpd.conf"
  [ "$TLS_REUSE" = 1 ] && echo "require_ssl_reuse=YES" >> "$STATE/vsftpd.conf"
  [ "$MODE" = ftps-implicit ] && echo "implicit_ssl=YES" >> "$STATE/vsftpd.conf"
fi
srv_run "$BIN" "$STATE/vsftpd.conf"
