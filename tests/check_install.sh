#!/bin/sh
# Installs this build into a scratch DESTDIR and checks that the public
# headers, the combined library and a usable pkg-config file are there.
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --destdir "$dest" >/dev/null
pc=$(find "$dest" -name sansrtc.pc | head -1)
lib=$(find "$dest" -name 'libsansrtc_core.a' | head -1)
hdr=$(find "$dest" -path '*include/sansrtc/result.h' | head -1)
[ -n "$pc" ] || { echo "no sansrtc.pc installed"; exit 1; }
[ -n "$lib" ] || { echo "no libsansrtc_core.a installed"; exit 1; }
[ -n "$hdr" ] || { echo "no public headers installed"; exit 1; }
grep -q -- '-lsansrtc_core' "$pc" || { echo "sansrtc.pc does not link the library"; cat "$pc"; exit 1; }
# Every layer's objects are inside the combined archive.
n=$(ar t "$lib" | wc -l)
[ "$n" -gt 10 ] || { echo "libsansrtc_core.a has only $n members"; exit 1; }
echo "installed: $pc, $lib ($n objects), headers"
