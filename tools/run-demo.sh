#!/usr/bin/env bash
# Installs what is missing, builds (release), and runs the main job.
# Until the demo peer exists, the main job is the STUN tool answering itself
# on loopback: a Binding server on 127.0.0.1 and a client asking it for the
# client's reflexive address.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
if [ -f build/release/build.ninja ]; then :; else meson setup build/release --buildtype=release; fi
ninja -C build/release tools/stun/sansrtc-stun
exec build/release/tools/stun/sansrtc-stun selftest "$@"
