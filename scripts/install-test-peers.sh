#!/usr/bin/env bash
# Installs the Debian programs the tests drive: for the SIP interop tests (test/peers/) sipp,
# baresip, espeak-ng, sox and ffmpeg, and pocketsphinx with its US English model (the offline
# recognizer that transcribes SIP recordings); for the web console's browser tests chromium
# (/usr/bin/chromium, driven by playwright-core). Idempotent: does nothing when all are installed.
# baresip-core, never the `baresip` metapackage: its Recommends pull in GTK, X11 and GStreamer.
set -euo pipefail

missing=()
for tool in sipp baresip espeak-ng sox ffmpeg chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
command -v pocketsphinx_continuous >/dev/null 2>&1 || missing+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-test-peers: missing ${missing[*]}; installing from apt" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-test-peers: installing packages needs root (or sudo)" >&2
    exit 1
  fi
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  sip-tester baresip-core espeak-ng sox libsox-fmt-all ffmpeg chromium pocketsphinx pocketsphinx-en-us
