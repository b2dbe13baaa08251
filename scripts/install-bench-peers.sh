#!/usr/bin/env bash
# Installs what `npm run bench` needs beyond the test peers: wrk (the HTTP load generator of the
# request-rate rows) and rtpengine (Debian rtpengine-daemon),
# the relay reference of the bridge benchmark (bench/rtpengine.ts runs it in the foreground,
# userspace only, so neither its kernel module nor its service is needed). Idempotent: does
# nothing when both are on PATH. The Debian package's service is not started: the bench
# starts its own daemon on free ports and stops it.
set -euo pipefail

"$(dirname "$0")/install-test-peers.sh"
if command -v rtpengine >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1; then
  exit 0
fi

echo "install-bench-peers: rtpengine or wrk missing; installing rtpengine-daemon and wrk from apt" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-bench-peers: installing packages needs root (or sudo)" >&2
    exit 1
  fi
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update
# --no-install-recommends: the recommended kernel module (rtpengine-kernel-dkms) would build
# against the running kernel, and the bench forwards in userspace anyway.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rtpengine-daemon wrk
