# lib.sh - helpers shared by start-*.sh. Source it, do not run it.
#
# Port layout for a port base B:
#   B           control port (plain, explicit FTPS or implicit FTPS, per mode)
#   B+10..B+39  passive data ports handed to the server
#   B+40..B+49  left free for clients listening for active mode (PORT/EPRT)
# so servers started at bases 50 apart never share a port.
#
# Login: the Unix user $FTP_USER with password $FTP_PASS (ftpuser / ftppass),
# created on first use. Modes: plain | ftps (explicit AUTH TLS; TLS required for
# login and data) | ftps-implicit (TLS from the first byte).
#
# Env: FTP_HOST (127.0.0.1 or ::1), TLS_REUSE ("" server default, 1 require TLS
# session reuse on data connections, 0 do not), FTPD_OPT (unpacked servers,
# /opt/ftpd), FTP_FOREGROUND=1 (print the facts, then exec the server in the
# foreground: the caller owns the process; used by packages/interop/src).
set -euo pipefail
SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FTP_USER=${FTP_USER:-ftpuser}
FTP_PASS=${FTP_PASS:-ftppass}
FTP_HOST=${FTP_HOST:-127.0.0.1}
TLS_REUSE=${TLS_REUSE:-}
FTPD_OPT=${FTPD_OPT:-/opt/ftpd}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}

srv_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# srv_args NAME ROOT_DIR PORT_BASE [MODE]
srv_args() {
  NAME=$1; ROOT=${2:-}; BASE=${3:-}; MODE=${4:-plain}
  [ -n "$ROOT" ] && [ -n "$BASE" ] || srv_die "usage: $0 ROOT_DIR PORT_BASE [plain|ftps|ftps-implicit]"
  [[ "$BASE" =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ "$BASE" -le 65486 ] \
    || srv_die "PORT_BASE must be a number in 1024..65486, got \"$BASE\""
  case "$MODE" in plain|ftps|ftps-implicit) ;; *) srv_die "unknown mode \"$MODE\" (plain, ftps, ftps-implicit)" ;; esac
  case "$FTP_HOST" in 127.0.0.1|::1) ;; *) srv_die "FTP_HOST must be 127.0.0.1 or ::1, got \"$FTP_HOST\"" ;; esac
  case "$TLS_REUSE" in ""|0|1) ;; *) srv_die "TLS_REUSE must be empty, 0 or 1, got \"$TLS_REUSE\"" ;; esac
  [ "$(id -u)" = 0 ] || srv_die "must run as root (it creates the user $FTP_USER and drops privileges itself)"
  PORT=$BASE; PASV_MIN=$((BASE + 10)); PASV_MAX=$((BASE + 39))
  ACTIVE_MIN=$((BASE + 40)); ACTIVE_MAX=$((BASE + 49))
  mkdir -p "$ROOT"; ROOT=$(cd "$ROOT" && pwd)
  STATE=$(mktemp -d "${TMPDIR:-/tmp}/ftpkit-$NAME.XXXXXX"); chmod 755 "$STATE"
  CERT=""
}

# The login user. Its shell must be listed in /etc/shells (PAM's pam_shells)
# and its name must not be in /etc/ftpusers. flock: start scripts may run in
# parallel (one per test file) and useradd/chpasswd lock /etc/passwd.
srv_user() {
  (
    flock -w 30 9 || srv_die "timed out waiting for /tmp/ftpkit-interop-user.lock"
    if ! id -u "$FTP_USER" >/dev/null 2>&1; then
      useradd -m -s /bin/bash "$FTP_USER" || srv_die "useradd $FTP_USER failed"
    fi
    echo "$FTP_USER:$FTP_PASS" | chpasswd || srv_die "chpasswd for $FTP_USER failed"
  ) 9>/tmp/ftpkit-interop-user.lock
  FTP_UID=$(id -u "$FTP_USER"); FTP_GID=$(id -g "$FTP_USER")
}

# The root belongs to the login user so that uploads work; readable by all.
srv_root() { chown -R "$FTP_USER:" "$ROOT"; chmod 755 "$ROOT"; }

# A fresh self-signed certificate for localhost, 127.0.0.1 and ::1.
srv_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout "$STATE/key.pem" -out "$STATE/cert.pem" >/dev/null 2>&1 \
    || srv_die "openssl req failed"
  chmod 644 "$STATE/cert.pem"; chmod 600 "$STATE/key.pem"
  CERT=$STATE/cert.pem
}

srv_facts() {
  echo "PORT=$PORT"
  echo "HOST=$FTP_HOST"
  echo "MODE=$MODE"
  echo "PASV=$PASV_MIN-$PASV_MAX"
  echo "ACTIVE=$ACTIVE_MIN-$ACTIVE_MAX"
  echo "USER=$FTP_USER"
  echo "PASSWORD=$FTP_PASS"
  echo "LOGIN=${LOGIN:-$FTP_USER:$FTP_PASS}"
  echo "CERT=$CERT"
  echo "STATE=$STATE"
  echo "LOG=$STATE/out.log"
}

# srv_run CMD...: start the server, which must stay in the foreground.
#  FTP_FOREGROUND=1: print the facts and exec CMD; this shell's PID becomes
#    the server's, and the caller (who ran us under setsid) waits for 220.
#  otherwise: run CMD as a session leader in the background (PID = process
#    group id, so stop.sh can end the whole group), wait for 220, print PID=
#    and the facts.
srv_run() {
  if [ "${FTP_FOREGROUND:-0}" = 1 ]; then
    echo "PID=$$"
    srv_facts
    exec "$@" >"$STATE/out.log" 2>&1 </dev/null
  fi
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$STATE/pid" "$@" >"$STATE/out.log" 2>&1 </dev/null &
  local i
  for i in $(seq 100); do [ -s "$STATE/pid" ] && break; sleep 0.05; done
  PID=$(cat "$STATE/pid")
  if ! "$SYSTEM_PYTHON" "$SERVERS_DIR/wait-220.py" "$FTP_HOST" "$PORT" "$MODE" "$PID"; then
    echo "--- $STATE/out.log:" >&2; tail -n 30 "$STATE/out.log" >&2 || true
    "$SERVERS_DIR/stop.sh" "$PID" >/dev/null 2>&1 || true
    srv_die "$NAME did not greet with 220 on $FTP_HOST port $PORT"
  fi
  echo "PID=$PID"
  srv_facts
}
