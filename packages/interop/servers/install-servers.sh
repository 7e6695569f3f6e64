#!/usr/bin/env bash
# install-servers.sh [DEST] - install the real FTP servers and clients that the
# interop tests run against, on Debian 12 (bookworm), as root. Idempotent.
#
#   apt-get install (these coexist):  vsftpd, python3-pyftpdlib, python3-openssl,
#     globus-gridftp-server-progs, globus-gass-copy-progs, and the clients the
#     tests drive: curl, lftp, python3 (ftplib), openssl.
#   apt-get download + dpkg -x into DEST (default /opt/ftpd): proftpd-core with
#     proftpd-mod-crypto (mod_tls.so lives there; both the same version),
#     pure-ftpd and inetutils-ftpd. They cannot be apt-installed beside vsftpd:
#     all four "Provide" and "Conflict" with the virtual package ftp-server.
#     dpkg -x installs no dependencies, so their shared libraries are apt-installed
#     explicitly and checked with ldd at the end.
#
# While it runs, a policy-rc.d that exits 101 keeps the packages' init scripts
# from starting daemons (vsftpd on port 21, GridFTP on 2811); an existing
# policy-rc.d is left alone.
#
# Env: FTPD_OPT (DEST default), SKIP_APT_UPDATE=1, FORCE=1 (unpack again).
set -euo pipefail
DEST=${1:-${FTPD_OPT:-/opt/ftpd}}
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "install-servers.sh: run as root (sudo $0)" >&2; exit 1; }
command -v apt-get >/dev/null || { echo "install-servers.sh: needs apt-get (Debian 12)" >&2; exit 1; }

GUARD=""
cleanup() { [ -z "$GUARD" ] || rm -f "$GUARD"; [ -z "${TMP:-}" ] || rm -rf "$TMP"; }
trap cleanup EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# installed by ftpkit install-servers.sh for the duration of the install\nexit 101\n' \
    > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  GUARD=/usr/sbin/policy-rc.d
fi

[ "${SKIP_APT_UPDATE:-0}" = 1 ] || apt-get update -qq

APT_PACKAGES=(
  # servers
  vsftpd python3-pyftpdlib python3-openssl globus-gridftp-server-progs
  # clients and tools the tests and start scripts use
  globus-gass-copy-progs curl lftp python3 openssl ca-certificates perl
  util-linux procps passwd iproute2
  # builds the LD_PRELOAD shim for inetutils ftpd
  gcc libc6-dev
  # shared libraries of the unpacked servers
  libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libpcre2-8-0
  libsodium23 libidn2-0 libacl1 libcap2 libncursesw6 libtinfo6 libpam0g
  libssl3 zlib1g libcrypt1 libwrap0
)
apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null

mkdir -p "$DEST"
TMP=$(mktemp -d)
chmod 777 "$TMP"   # apt-get download drops privileges to _apt
unpack() {         # unpack DIR PACKAGE...
  local dir=$1 p; shift
  if [ -e "$DEST/$dir/.unpacked" ] && [ "${FORCE:-0}" != 1 ]; then
    echo "kept $DEST/$dir (FORCE=1 unpacks again)"; return
  fi
  rm -rf "${DEST:?}/$dir"; mkdir -p "$DEST/$dir"
  (cd "$TMP" && apt-get download -qq "$@")
  for p in "$@"; do dpkg -x "$(ls "$TMP/${p}"_*.deb)" "$DEST/$dir"; done
  touch "$DEST/$dir/.unpacked"
  echo "unpacked $* into $DEST/$dir"
}
unpack proftpd-core proftpd-core proftpd-mod-crypto
unpack pure-ftpd pure-ftpd
unpack inetutils-ftpd inetutils-ftpd

# Optional database/directory back ends of proftpd are not used; anything else missing is fatal.
missing=$(ldd "$DEST/proftpd-core/usr/sbin/proftpd" "$DEST/proftpd-core/usr/lib/proftpd/"*.so \
    "$DEST/pure-ftpd/usr/sbin/pure-ftpd" "$DEST/inetutils-ftpd/usr/sbin/ftpd" 2>/dev/null \
  | grep "not found" | grep -v -E "lib(mysql|mariadb|pq|odbc|sqlite|ldap|GeoIP|maxmind|snmp)" || true)
if [ -n "$missing" ]; then echo "missing libraries:" >&2; echo "$missing" >&2; exit 1; fi

echo "installed: vsftpd $(dpkg-query -W -f='${Version}' vsftpd)," \
  "pyftpdlib $(dpkg-query -W -f='${Version}' python3-pyftpdlib)," \
  "gridftp $(dpkg-query -W -f='${Version}' globus-gridftp-server-progs);" \
  "unpacked under $DEST: proftpd, pure-ftpd, inetutils-ftpd"
