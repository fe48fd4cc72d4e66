#!/bin/sh
# tests/embedded/build_mbedtls.sh — mbedTLS for the Cortex-M33 target, built
# from Debian's `mbedtls` 2.28 source package at test time (never committed).
#
# usage: build_mbedtls.sh <out-dir> <cross-cflags...>
#
# Produces <out-dir>/lib/libmbedcrypto.a and libmbedx509.a and
# <out-dir>/include (the upstream headers), compiled with
# tests/embedded/mbedtls_config.h: only the primitives lib/base/crypto uses.
# The result is cached in <out-dir>; it is rebuilt when the config, this
# script or the flags change.
#
# Needs a deb-src entry for the Debian suite: if none is configured (and we
# are root), one is written to /etc/apt/sources.list.d/sansrtc-src.sources.
set -eu

out=$1
shift
cflags="$*"
here=$(cd "$(dirname "$0")" && pwd)
config="$here/mbedtls_config.h"
cc=${CROSS_CC:-arm-none-eabi-gcc}
ar=${CROSS_AR:-arm-none-eabi-ar}

mkdir -p "$out"
stamp_want=$(cat "$config" "$0" | sha256sum | cut -c1-16)-$(echo "$cflags" | sha256sum | cut -c1-16)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp_want" ] &&
   [ -f "$out/lib/libmbedcrypto.a" ] && [ -f "$out/lib/libmbedx509.a" ]; then
  echo "mbedTLS (target): cached in $out"
  exit 0
fi

# --- 1. the Debian source package ------------------------------------------
src="$out/src/mbedtls"
if [ ! -f "$src/include/mbedtls/version.h" ]; then
  have_src=no
  if grep -rqs '^[[:space:]]*deb-src\|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    have_src=yes
  fi
  if [ "$have_src" = no ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "build_mbedtls: no deb-src entry configured and not root to add one" >&2
      exit 2
    fi
    cat > /etc/apt/sources.list.d/sansrtc-src.sources <<'EOF'
# Added by sansrtc tests/embedded/build_mbedtls.sh: source packages, so the
# embedded test can build mbedTLS for Cortex-M from Debian's own sources.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -qq
  fi
  rm -rf "$out/dl" "$src"
  mkdir -p "$out/dl" "$src"
  # --download-only needs no dpkg-dev; unpack the upstream tarball ourselves
  # (Debian's patches touch tests and docs, not the library sources we use).
  (cd "$out/dl" && apt-get source --download-only -qq mbedtls)
  orig=$(ls "$out"/dl/mbedtls_2.28*.orig.tar.* 2>/dev/null | head -n1 || true)
  if [ -z "$orig" ]; then
    echo "build_mbedtls: apt-get source did not fetch an mbedtls 2.28 tarball" >&2
    ls "$out/dl" >&2
    exit 2
  fi
  # The tarball's top folder is named after a git commit; drop it.
  tar -xf "$orig" -C "$src" --strip-components=1
fi
if ! grep -q 'MBEDTLS_VERSION_STRING *"2\.28' "$src/include/mbedtls/version.h"; then
  echo "build_mbedtls: $src is not mbedTLS 2.28" >&2
  exit 2
fi
echo "mbedTLS (target): building from $src"

# --- 2. compile only what the config enables -------------------------------
crypto="aes asn1parse asn1write bignum chacha20 chachapoly cipher cipher_wrap
  constant_time ctr_drbg ecdh ecdsa ecp ecp_curves entropy entropy_poll gcm
  hmac_drbg md md5 oid pk pk_wrap pkparse pkwrite platform platform_util
  poly1305 sha1 sha256 sha512"
x509="x509 x509_create x509_crt x509write_crt"

rm -rf "$out/obj" "$out/lib" "$out/include"
mkdir -p "$out/obj" "$out/lib" "$out/include/mbedtls"
cp "$src"/include/mbedtls/*.h "$out/include/mbedtls/"
cp "$config" "$out/include/mbedtls/sansrtc_embedded_config.h"
defs="-DMBEDTLS_CONFIG_FILE=<mbedtls/sansrtc_embedded_config.h>"

compile() {  # $1 = archive name, rest = module names
  lib=$1
  shift
  objs=
  for m in "$@"; do
    # shellcheck disable=SC2086
    $cc $cflags "$defs" -I"$out/include" -c "$src/library/$m.c" -o "$out/obj/$m.o"
    objs="$objs $out/obj/$m.o"
  done
  # shellcheck disable=SC2086
  $ar rcs "$out/lib/$lib" $objs
}
# shellcheck disable=SC2086
compile libmbedcrypto.a $crypto
# shellcheck disable=SC2086
compile libmbedx509.a $x509
# The root meson.build also looks for libmbedtls (mbedTLS's SSL module, used
# only by the oracle tests on the host). The target has no use for it: an
# empty archive satisfies the lookup and nothing links a symbol from it.
$ar rcs "$out/lib/libmbedtls.a"

echo "$stamp_want" > "$out/stamp"
echo "mbedTLS (target): built $out/lib/libmbedcrypto.a $out/lib/libmbedx509.a"
