#!/usr/bin/env bash
# Installs what is missing, builds (release), and runs the main job: the demo
# peer, serving a browser page and a WHIP endpoint on http://127.0.0.1:8080/
# until Ctrl-C. Open the page in a browser on this machine; it connects, shows
# the connection states, and echoes what you type.
#
#   bash tools/run-demo.sh                          # serve on 127.0.0.1:8080
#   bash tools/run-demo.sh --http 0.0.0.0:8080      # any option of sansrtc-demo (--help)
#   bash tools/run-demo.sh --whip http://127.0.0.1:8080/whip   # a second demo peer as client
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
if [ -f build/release/build.ninja ]; then :; else meson setup build/release --buildtype=release; fi
ninja -C build/release tools/demo/sansrtc-demo
exec build/release/tools/demo/sansrtc-demo "$@"
