#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with an S3 gateway, for tests and local development:
# one monitor, one in-memory (memstore) OSD, no manager, no cephx, radosgw on 127.0.0.1.
#
# Usage: scripts/s3-test-server.sh <dir> <rgw_port> [mon_port]
#   <dir>       scratch directory for config, keyrings, sockets and logs (created; data lives in memory)
#   <rgw_port>  port of the S3 endpoint, http://127.0.0.1:<rgw_port>
#   [mon_port]  monitor port (default rgw_port + 1)
# Environment:
#   S3_ACCESS_KEY / S3_SECRET_KEY   credentials of the S3 user it creates (default test / testtesttest)
#   S3_TEST_SERVER_OWNER_PID        if set, the instance stops itself and deletes <dir> once that
#                                   process is gone, so a crashed test run leaves nothing behind
#
# The monitor and the OSD daemonize; radosgw replaces this script (exec), so this process's pid is
# the gateway's. Stop everything with scripts/s3-test-server-stop.sh <dir>.
# Settings that make it start in about a second (measured, see docs/s3.md):
#   - msgr v1 only on 127.0.0.1 (msgr2 negotiation was the flaky part of start-up);
#   - pool size 1 with 8 placement groups, so one OSD is enough for every pool radosgw creates;
#   - the OSD is added to the crush map by hand (no manager to do it) with update-on-start off;
#   - paxos propose interval 0.05 s: the default 1 s made start-up take ~11 s.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <dir> <rgw_port> [mon_port]" >&2
  exit 2
fi
for tool in ceph ceph-authtool monmaptool ceph-mon ceph-osd radosgw radosgw-admin; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: '$tool' is not installed; run scripts/install-test-deps.sh" >&2
    exit 127
  fi
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D=$(mkdir -p "$1" && cd "$1" && pwd)
RGW_PORT=$2
MON_PORT=${3:-$((RGW_PORT + 1))}
if [ -e "$D/ceph.conf" ]; then
  echo "$0: $D already holds an instance; stop it and use an empty directory" >&2
  exit 1
fi
mkdir -p "$D"/{mon,osd0,rgw,run,log}

if [ -n "${S3_TEST_SERVER_OWNER_PID:-}" ]; then
  # Watchdog: polls the owner once a second; its pid file lets the stop script end it too.
  (
    while kill -0 "$S3_TEST_SERVER_OWNER_PID" 2>/dev/null; do sleep 1; done
    rm -f "$D/run/watchdog.pid"
    "$HERE/s3-test-server-stop.sh" "$D" && rm -rf "$D"
  ) </dev/null >/dev/null 2>&1 &
  echo $! >"$D/run/watchdog.pid"
fi

FSID=$(cat /proc/sys/kernel/random/uuid)
C="$D/ceph.conf"
cat >"$C" <<CONF
[global]
fsid = $FSID
mon host = [v1:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
[mon]
mon data = $D/mon
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $D/osd0
osd objectstore = memstore
memstore device bytes = 4294967296
osd crush update on start = false
osd class update on start = false
[client.rgw.r0]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
log file = $D/log/rgw.log
CONF

ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon -c "$C" -i a
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
# The monitor answers commands only once it has formed its quorum; on a loaded machine the first
# command can fail (EPERM "problem getting command descriptions"). `osd new` with one uuid is
# idempotent, so it is retried.
OSD_ID=
for _ in $(seq 1 100); do
  if OSD_ID=$(ceph -c "$C" --connect-timeout 10 osd new "$OSD_UUID" 2>>"$D/log/osd-new.err"); then break; fi
  OSD_ID=
  sleep 0.2
done
if [ -z "$OSD_ID" ]; then
  echo "$0: the monitor never took commands: $(tail -n 3 "$D/log/osd-new.err")" >&2
  exit 1
fi
ceph -c "$C" osd crush add "osd.$OSD_ID" 1.0 root=default 2>/dev/null
ceph-osd -c "$C" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" 2>"$D/log/osd-mkfs.err"
ceph-osd -c "$C" -i "$OSD_ID"
for attempt in $(seq 1 50); do
  radosgw-admin -c "$C" user create --uid=test --display-name=test \
    --access-key="${S3_ACCESS_KEY:-test}" --secret-key="${S3_SECRET_KEY:-testtesttest}" >/dev/null \
    2>>"$D/log/user-create.err" && break
  if [ "$attempt" -eq 50 ]; then
    echo "$0: could not create the S3 user: $(tail -n 3 "$D/log/user-create.err")" >&2
    exit 1
  fi
  sleep 0.2
done
echo $$ >"$D/run/rgw.pid" # exec keeps this pid, so the stop script finds the gateway too
echo "s3-test-server: http://127.0.0.1:$RGW_PORT (dir $D)"
exec radosgw -c "$C" -n client.rgw.r0 -f
