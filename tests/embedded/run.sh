#!/bin/sh
# tests/embedded/run.sh — the `embedded` test: sansrtc's core cross-compiled
# for an Arm Cortex-M33 and run under QEMU (mps2-an505).
#
# usage: run.sh <source-root> <work-dir>
#
#  1. checks the cross toolchain and QEMU (installs them with apt-get when
#     missing and we are root; exits 77 = skipped only when that fails);
#  2. builds mbedTLS 2.28 for the target from Debian's source package
#     (build_mbedtls.sh, cached in <work-dir>/mbedtls);
#  3. configures a separate meson cross build of the project
#     (<work-dir>/core, -Dtests=false -Dtools=false -Dnet=false) and builds
#     every layer library in it: a layer that exists but does not compile
#     for the target fails the test;
#  4. compiles the firmware (tests/embedded/firmware) and links it with the
#     layers, mbedTLS, libstdc++ and newlib-nano, -Wl,--gc-sections;
#  5. builds the `datachannel` profile (meson -Dprofile=datachannel, its own
#     cross build) and links the data-channel answerer image against it
#     (answerer_main.cc), then runs that image under QEMU;
#  6. runs the self-test image under qemu-system-arm with a time limit; each
#     image exits with its status through semihosting;
#  7. prints the size table (size_table.py) for both images.
#
# Environment: EMBEDDED_JOBS (default 2), EMBEDDED_TIMEOUT (seconds, 300),
# EMBEDDED_LTO=0 skips linking the answerer a second time with -flto and
# -Dterse_errors=true (one more cross build of the datachannel profile).
set -eu

src=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
here="$src/tests/embedded"
jobs=${EMBEDDED_JOBS:-2}
qemu_timeout=${EMBEDDED_TIMEOUT:-300}

ARCH="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16"
OPT="-Os -ffunction-sections -fdata-sections"

# --- 1. tools ---------------------------------------------------------------
have_tools() {
  command -v arm-none-eabi-g++ >/dev/null 2>&1 &&
    command -v qemu-system-arm >/dev/null 2>&1 &&
    [ -n "$(arm-none-eabi-g++ $ARCH --specs=nano.specs -print-file-name=libstdc++_nano.a | grep /)" ]
}
if ! have_tools; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "embedded: installing the cross toolchain and QEMU"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-arm-none-eabi libnewlib-arm-none-eabi \
      libstdc++-arm-none-eabi-newlib qemu-system-arm >/dev/null || true
  fi
  if ! have_tools; then
    echo "SKIP: arm-none-eabi-g++ (with newlib-nano libstdc++) or qemu-system-arm missing and not installable"
    exit 77
  fi
fi

# --- 2. mbedTLS for the target ------------------------------------------------
sh "$here/build_mbedtls.sh" "$work/mbedtls" $ARCH $OPT
mb="$work/mbedtls"

# --- 3. the core, cross-compiled with the project's own meson build ---------------
mbedtls_def="-DMBEDTLS_CONFIG_FILE=<mbedtls/sansrtc_embedded_config.h>"
cat > "$work/paths.ini.new" <<EOF
# Written by tests/embedded/run.sh: where the target mbedTLS lives.
[built-in options]
c_args = arch + opt + ['-I$mb/include', '$mbedtls_def']
cpp_args = arch + opt + ['-fno-exceptions', '-fno-rtti', '-fno-threadsafe-statics', '-fno-use-cxa-atexit', '-I$mb/include', '$mbedtls_def']
c_link_args = arch + link + ['-L$mb/lib']
cpp_link_args = arch + link + ['-fno-exceptions', '-fno-rtti', '-L$mb/lib']
EOF
# Replace only when changed: meson re-configures when a cross file changes.
if cmp -s "$work/paths.ini.new" "$work/paths.ini"; then rm "$work/paths.ini.new"; else mv "$work/paths.ini.new" "$work/paths.ini"; fi
core="$work/core"
if [ ! -f "$core/build.ninja" ]; then
  rm -rf "$core"
  meson setup --cross-file "$here/cross/arm-none-eabi-cortex-m33.ini" --cross-file "$work/paths.ini" \
    "$core" "$src" -Dtests=false -Dtools=false -Dnet=false -Dinterop=false >"$work/meson-setup.log" 2>&1 || {
    cat "$work/meson-setup.log"
    echo "FAIL: meson cross configure"
    exit 1
  }
fi
# Every layer library the project defines (lib/net is not built: -Dnet=false).
targets=$(ninja -C "$core" -t targets all | sed -n 's|^\(lib/[^:]*/libsansrtc_[a-z_]*\.a\):.*|\1|p')
echo "embedded: building for Cortex-M33:" $targets
# shellcheck disable=SC2086
if ! ninja -C "$core" -j "$jobs" $targets >"$work/ninja.log" 2>&1; then
  grep -E "error|FAILED" "$work/ninja.log" | head -40
  echo "FAIL: a layer does not compile for the target (log: $work/ninja.log)"
  exit 1
fi
grep -E "warning:" "$work/ninja.log" | sort -u | sed 's/^/embedded: /' || true

have_lib() { [ -f "$core/lib/$1/libsansrtc_$2.a" ]; }

# link_image NAME [extra flags] -- OBJECTS...: <fw>/NAME.elf and NAME.map, with
# mbedTLS, libstdc++ and newlib-nano, --gc-sections, the board's linker script.
link_image() {
  name=$1
  shift
  extra=""
  while [ "$1" != "--" ]; do extra="$extra $1"; shift; done
  shift
  # shellcheck disable=SC2086
  arm-none-eabi-g++ $ARCH $extra --specs=nano.specs -nostartfiles -T "$fwsrc/an505.ld" -Wl,--gc-sections \
    -Wl,-Map="$fw/$name.map" -o "$fw/$name.elf" "$@" "$mb/lib/libmbedx509.a" \
    "$mb/lib/libmbedcrypto.a" -Wl,--start-group -lstdc++ -lsupc++ -lc -lm -lgcc -Wl,--end-group
  arm-none-eabi-size "$fw/$name.elf"
}

# run_image NAME: runs <fw>/NAME.elf under QEMU with the time limit, output
# in <fw>/NAME.log (and on stdout); returns the image's exit status.
run_image() {
  rc=0
  timeout "$qemu_timeout" qemu-system-arm -M mps2-an505 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$fw/$1.elf" >"$fw/$1.log" 2>&1 || rc=$?
  cat "$fw/$1.log"
  return "$rc"
}

# --- 4. the firmware ------------------------------------------------------------
fw="$work/firmware"
mkdir -p "$fw"
fwsrc="$here/firmware"
defs=""
pair=""
if have_lib dtls dtls && have_lib sctp sctp && have_lib datachannel datachannel; then
  defs="-DFW_HAVE_DATACHANNEL=1"
  pair=pair
fi
if have_lib pc/transport peer_connection; then
  defs="$defs -DFW_HAVE_PC=1"
  pair="$pair pc_pair answerer answerer_test"
fi
CXXFLAGS="$ARCH $OPT -std=c++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -Wall -Wextra
  -I$src/lib -I$src/include -I$mb/include"
objs=""
for f in startup semihost; do
  arm-none-eabi-gcc $ARCH $OPT -std=c11 -Wall -Wextra -c "$fwsrc/$f.c" -o "$fw/$f.o"
  objs="$objs $fw/$f.o"
done
for f in heap main $pair; do
  # shellcheck disable=SC2086
  arm-none-eabi-g++ $CXXFLAGS "$mbedtls_def" $defs -c "$fwsrc/$f.cc" -o "$fw/$f.o"
  objs="$objs $fw/$f.o"
done
# Layers from the top down so the single-pass archive search resolves.
libs=""
for l in pc/transport:peer_connection pc/transport:pc_transport pc:pc datachannel sctp dtls ice stun sdp \
    base/crypto base; do
  dir=${l%%:*}
  name=${l#*:}
  [ "$name" = "$l" ] && name=$(basename "$l")
  [ -f "$core/lib/$dir/libsansrtc_$name.a" ] && libs="$libs $core/lib/$dir/libsansrtc_$name.a"
done
# shellcheck disable=SC2086
link_image firmware -- $objs $libs

# --- 5. the data-channel answerer image ------------------------------------------
# The `datachannel` feature profile built by its meson option (a second cross
# build holding only that profile's layers, combined into libsansrtc_core.a),
# linked --gc-sections with answerer_main.cc: the figure a device that
# answers a browser's data-channel offer pays in flash.
ans_status=0
if [ -n "$pair" ] && [ "${pair#*answerer}" != "$pair" ]; then
  dcb="$work/profile-datachannel"
  if [ ! -f "$dcb/build.ninja" ]; then
    rm -rf "$dcb"
    meson setup --cross-file "$here/cross/arm-none-eabi-cortex-m33.ini" --cross-file "$work/paths.ini" \
      "$dcb" "$src" -Dtests=false -Dtools=false -Dnet=false -Dinterop=false -Dprofile=datachannel \
      >"$work/meson-setup-dc.log" 2>&1 || { cat "$work/meson-setup-dc.log"; echo "FAIL: meson cross configure (datachannel profile)"; exit 1; }
  fi
  dctargets=$(ninja -C "$dcb" -t targets all | sed -n 's|^\(lib/[^:]*/libsansrtc_[a-z_]*\.a\):.*|\1|p')
  # shellcheck disable=SC2086
  if ! ninja -C "$dcb" -j "$jobs" libsansrtc_core.a $dctargets >"$work/ninja-dc.log" 2>&1; then
    grep -E "error|FAILED" "$work/ninja-dc.log" | head -40
    echo "FAIL: the datachannel profile does not build for the target (log: $work/ninja-dc.log)"
    exit 1
  fi
  aobjs="$fw/startup.o $fw/semihost.o $fw/heap.o"
  for f in answerer answerer_main; do
    # shellcheck disable=SC2086
    arm-none-eabi-g++ $CXXFLAGS "$mbedtls_def" -c "$fwsrc/$f.cc" -o "$fw/ans_$f.o"
    aobjs="$aobjs $fw/ans_$f.o"
  done
  # The profile's layer archives (the same objects libsansrtc_core.a
  # combines; separate, so the map attributes every byte to its layer).
  alibs=""
  for l in $libs; do
    l="$dcb/${l#"$core"/}"
    [ -f "$l" ] && alibs="$alibs $l"
  done
  # shellcheck disable=SC2086
  link_image answerer -- $aobjs $alibs
  if [ "${EMBEDDED_LTO:-1}" = 1 ]; then
    # The same image as a device would build it for size (a third cross
    # build): link-time optimisation of sansrtc's code and -Dterse_errors=true
    # (errors keep their code, not their message texts).
    ltob="$work/profile-datachannel-lto"
    if [ ! -f "$ltob/build.ninja" ]; then
      rm -rf "$ltob"
      meson setup --cross-file "$here/cross/arm-none-eabi-cortex-m33.ini" --cross-file "$work/paths.ini" \
        "$ltob" "$src" -Dtests=false -Dtools=false -Dnet=false -Dinterop=false -Dprofile=datachannel \
        -Db_lto=true -Dterse_errors=true >"$work/meson-setup-lto.log" 2>&1 || { cat "$work/meson-setup-lto.log"; exit 1; }
    fi
    # shellcheck disable=SC2086
    ninja -C "$ltob" -j "$jobs" $dctargets >"$work/ninja-lto.log" 2>&1 || { tail -20 "$work/ninja-lto.log"; exit 1; }
    llibs=$(echo "$alibs" | sed "s|$dcb/|$ltob/|g")
    # shellcheck disable=SC2086
    link_image answerer-lto $OPT -flto -- $aobjs $llibs
  fi
  run_image answerer || ans_status=$?
fi

# --- 6. run the self-test image -------------------------------------------------------
status=0
run_image firmware || status=$?

# --- 7. sizes ----------------------------------------------------------------------
set -- --image "The self-test image=$fw/firmware.map" --log "$fw/firmware.log"
if [ -f "$fw/answerer.map" ]; then
  set -- --image "A data-channel answerer (answerer_main.cc, -Dprofile=datachannel)=$fw/answerer.map" "$@" \
    --profile-lib "the meson -Dprofile=datachannel library (libsansrtc_core.a)=$work/profile-datachannel/libsansrtc_core.a" \
    --log "$fw/answerer.log"
fi
if [ "${EMBEDDED_LTO:-1}" = 1 ] && [ -f "$fw/answerer-lto.map" ]; then
  set -- --image "The same answerer with -flto and -Dterse_errors=true=$fw/answerer-lto.map" "$@"
fi
python3 "$here/size_table.py" --core "$core" --mbedtls "$mb/lib" "$@" | tee "$work/size_table.txt" ||
  echo "embedded: size table failed"

if [ "$ans_status" = 124 ]; then
  echo "FAIL: the answerer image did not finish within ${qemu_timeout}s under QEMU"
  exit 1
fi
if [ "$ans_status" != 0 ]; then
  echo "FAIL: the answerer image exited with status $ans_status"
  exit 1
fi
if [ -f "$fw/answerer.log" ] && ! grep -q '^PASS:' "$fw/answerer.log"; then
  echo "FAIL: no PASS line from the answerer image"
  exit 1
fi
if [ "$status" = 124 ]; then
  echo "FAIL: the image did not finish within ${qemu_timeout}s under QEMU"
  exit 1
fi
if [ "$status" != 0 ]; then
  echo "FAIL: the image exited with status $status"
  exit 1
fi
grep -q '^PASS:' "$fw/firmware.log" || { echo "FAIL: no PASS line from the image"; exit 1; }
echo "embedded: PASS"
