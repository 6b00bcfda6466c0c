#!/usr/bin/env bash
# Stops the instance that scripts/s3-test-server.sh started in <dir>, by the pid files in <dir>/run
# (the data is throwaway, so SIGKILL), and waits up to 5 s until those processes are gone.
# Stopping a directory with nothing running is not an error. The directory itself is left in place.
# Usage: scripts/s3-test-server-stop.sh <dir>
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 <dir>" >&2
  exit 2
fi
D=$1
pids=$(cat "$D"/run/*.pid 2>/dev/null | tr -s '[:space:]' ' ')
[ -z "${pids// /}" ] && exit 0
# shellcheck disable=SC2086 # one word per pid
kill -9 $pids 2>/dev/null
for _ in $(seq 1 50); do
  alive=0
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
  if [ $alive -eq 0 ]; then
    rm -f "$D"/run/*.pid
    exit 0
  fi
  sleep 0.1
done
echo "$0: processes still alive after 5 s: $pids" >&2
exit 1
