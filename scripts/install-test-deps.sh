#!/usr/bin/env bash
# Installs what the test suite needs besides npm packages: Ceph's S3 gateway (radosgw) with a
# monitor and an OSD, which test/helpers/s3-server.ts starts through scripts/s3-test-server.sh.
# Idempotent: does nothing when the tools are already on PATH. Debian/Ubuntu (apt) only.
# Uses sudo when not root.
set -euo pipefail
need=(radosgw radosgw-admin ceph ceph-mon ceph-osd ceph-authtool monmaptool)
missing=()
for tool in "${need[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: radosgw already installed ($(radosgw --version | cut -d' ' -f1-3))"
  exit 0
fi
echo "install-test-deps: missing ${missing[*]}; installing radosgw ceph-mon ceph-osd with apt"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
radosgw --version
