#!/usr/bin/env bash
# Installs what sansrtc needs on Debian 12, if it is missing. Idempotent.
#   tools/install-deps.sh          build + test dependencies
set -euo pipefail
pkgs=(
  meson ninja-build pkg-config g++ python3
  clang libclang-rt-14-dev           # fuzz + ASan/UBSan build
  libasio-dev libmbedtls-dev catch2  # the library's own dependencies
  coturn                             # interop: TURN/STUN server
  libusrsctp-dev libsrtp2-dev        # oracles (tests only)
  iproute2 procps
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib  # embedded suite
  qemu-system-arm
  chromium                           # interop: the browser peer (headless, in a netns)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
