#!/usr/bin/env bash
# stop.sh PID [PID...] - stop servers started by start-*.sh, by PID only (never
# by name). Each server runs as a session leader, so its process group id is
# its PID: TERM the group, and every descendant (a child that left the group
# is still a descendant), wait up to 5 s, then KILL what is left.
set -u
descendants() {
  local p c
  for p in "$@"; do
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do echo "$c"; descendants "$c"; done
  done
}
alive() {  # running and not a zombie
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null | tr -d ' ')
  [ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
rc=0
for pid in "$@"; do
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ "$pid" -le 1 ]; then echo "not a pid: \"$pid\"" >&2; rc=1; continue; fi
  alive "$pid" || { echo "$pid is not running"; continue; }
  kids=$(descendants "$pid")
  leader=0; [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && leader=1
  if [ $leader = 1 ]; then kill -TERM -- "-$pid" 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; fi
  for k in $kids; do kill -TERM "$k" 2>/dev/null; done
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  [ $leader = 1 ] && kill -KILL -- "-$pid" 2>/dev/null
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null; done
  for _ in $(seq 20); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then echo "$pid is still running" >&2; rc=1; else echo "stopped $pid"; fi
done
exit $rc
