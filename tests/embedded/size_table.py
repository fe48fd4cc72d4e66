#!/usr/bin/env python3
"""tests/embedded/size_table.py — flash and RAM of sansrtc on the Cortex-M33.

Two views, as the issue asks (the way NanoRTC's figures are given):
  * objects: text, rodata, data, bss of each layer's static library summed
    over its object files before linking (arm-none-eabi-size -A);
  * image: the same columns for what a --gc-sections link of the embedded
    self-test image kept, attributed by input file from the linker map.
mbedTLS, libstdc++ and the C library / libgcc get their own lines. Profiles
are sums of layers; a profile whose layers do not exist yet says so.

usage: size_table.py --core <cross build dir> --mbedtls <dir with libmbed*.a>
                     --image "<title>=<file.map>" [--image ...] [--profile-lib <name>=<lib.a>]
                     [--log run.log ...]
"""
import argparse
import os
import re
import subprocess
import sys

LAYERS = ['base', 'crypto', 'stun', 'ice', 'turn', 'dtls', 'srtp', 'sctp', 'datachannel', 'rtp', 'sdp', 'pc']
LIB_DIR = {'crypto': 'base/crypto'}
# Libraries of a layer besides lib/<layer>/libsansrtc_<layer>.a.
EXTRA_LIBS = {'pc': ['pc/transport/libsansrtc_pc_transport.a', 'pc/transport/libsansrtc_peer_connection.a']}
ARCHIVE_LAYER = {'pc_transport': 'pc', 'peer_connection': 'pc'}

# Profiles of the issue. SDP is in every profile above core: a data-channel
# answerer must read the offer.
PROFILES = [
    ('core (STUN/ICE)', ['base', 'crypto', 'stun', 'ice']),
    ('data channel layers (ICE + DTLS + SCTP + DCEP)',
     ['base', 'crypto', 'stun', 'ice', 'dtls', 'sctp', 'datachannel']),
    ('data channel + SDP + PeerConnection (-Dprofile=datachannel)',
     ['base', 'crypto', 'stun', 'ice', 'dtls', 'sctp', 'datachannel', 'sdp', 'pc']),
    ('data channel + TURN', ['base', 'crypto', 'stun', 'ice', 'turn', 'dtls', 'sctp', 'datachannel', 'sdp', 'pc']),
    ('full media (+ SRTP, RTP/RTCP, packetizers)',
     ['base', 'crypto', 'stun', 'ice', 'turn', 'dtls', 'srtp', 'sctp', 'datachannel', 'rtp', 'sdp', 'pc']),
]

COLS = ('text', 'rodata', 'data', 'bss')


def classify(section):
    """Maps an input section name to a column (None: not memory)."""
    if section.startswith(('.text', '.ARM.exidx', '.ARM.extab', '.glue', '.vfp11', '.v4_bx', '.iplt')):
        return 'text'
    if section.startswith(('.rodata', '.init_array', '.fini_array', '.preinit_array', '.vectors')):
        return 'rodata'
    if section.startswith('.data'):
        return 'data'
    if section.startswith(('.bss', 'COMMON', '.tbss')):
        return 'bss'
    return None


def archive_sizes(path):
    """Sums arm-none-eabi-size -A over an archive's members."""
    out = subprocess.run(['arm-none-eabi-size', '-A', path], capture_output=True, text=True, check=True).stdout
    sums = dict.fromkeys(COLS, 0)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            col = classify(parts[0])
            if col:
                sums[col] += int(parts[1])
    return sums


def component_of(path):
    base = os.path.basename(path)
    if 'ltrans' in base:
        return 'lto'  # -flto: the link's own partitions hold sansrtc's code (nothing else is LTO-built)
    m = re.search(r'libsansrtc_([a-z_]+)\.a', path)
    if m:
        return ARCHIVE_LAYER.get(m.group(1), m.group(1))
    if 'libmbedcrypto' in base or 'libmbedx509' in base:
        return 'mbedTLS'
    if 'libstdc++' in base or 'libsupc++' in base:
        return 'libstdc++'
    if re.match(r'lib(c|g|m|nosys)(_nano)?\.a', base) or 'libgcc' in base:
        return 'libc+libgcc'
    return 'firmware'


def map_sizes(path):
    """Per component sums of what the link kept, from the map's memory map."""
    sums = {}
    in_map = False
    pending = None
    with open(path, errors='replace') as f:
        for line in f:
            if line.startswith('Linker script and memory map'):
                in_map = True
                continue
            if not in_map or not line.startswith(' '):
                pending = None
                continue
            parts = line.split()
            if len(parts) == 1 and parts[0].startswith('.'):
                pending = parts[0]  # long section name; address, size, file follow
                continue
            if pending and len(parts) >= 3 and parts[0].startswith('0x'):
                parts = [pending] + parts
            pending = None
            if len(parts) < 4 or not parts[1].startswith('0x') or not parts[2].startswith('0x'):
                continue
            name, addr, size, file = parts[0], int(parts[1], 16), int(parts[2], 16), parts[3]
            col = classify(name)
            if col is None or size == 0 or addr == 0:
                continue
            comp = component_of(file)
            sums.setdefault(comp, dict.fromkeys(COLS, 0))[col] += size
    return sums


def kib(n):
    return f'{n / 1024:.1f}'


def row(label, s):
    return f'{label:<34}{s["text"]:>9}{s["rodata"]:>8}{s["data"]:>6}{s["bss"]:>7}'


def add(into, s):
    for k in COLS:
        into[k] += s[k]


def print_image(title, image):
    """One linked image: sansrtc's layers, then everything else, then totals."""
    zero = dict.fromkeys(COLS, 0)
    print(f'{title}, after a --gc-sections link')
    print(f'{"":<34}{"text":>9}{"rodata":>8}{"data":>6}{"bss":>7}')
    own = dict.fromkeys(COLS, 0)
    for layer in LAYERS + ['lto']:
        if layer in image:
            print(row(layer if layer != 'lto' else 'all layers, -flto partitions', image[layer]))
            add(own, image[layer])
    print(row('= sansrtc own code', own))
    for comp in ('mbedTLS', 'libstdc++', 'libc+libgcc', 'firmware'):
        print(row(comp, image.get(comp, zero)))
    total = dict.fromkeys(COLS, 0)
    for s in image.values():
        add(total, s)
    print(row('= whole image', total))
    flash = lambda s: s['text'] + s['rodata'] + s['data']
    print(f'  flash (text + rodata + data): {kib(flash(total))} KiB = sansrtc {kib(flash(own))} KiB'
          f' + mbedTLS {kib(flash(image.get("mbedTLS", zero)))} KiB'
          f' + libstdc++ {kib(flash(image.get("libstdc++", zero)))} KiB'
          f' + libc/libgcc {kib(flash(image.get("libc+libgcc", zero)))} KiB'
          f' + firmware {kib(flash(image.get("firmware", zero)))} KiB')
    print(f'FLASH image="{title}" total={flash(total)} own={flash(own)} '
          f'mbedtls={flash(image.get("mbedTLS", zero))} libstdcxx={flash(image.get("libstdc++", zero))}')
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--core', required=True)
    ap.add_argument('--mbedtls', required=True)
    ap.add_argument('--image', action='append', default=[], help='"<title>=<map file>"')
    ap.add_argument('--profile-lib', action='append', default=[], help='"<title>=<archive>"')
    ap.add_argument('--log', action='append', default=[])
    a = ap.parse_args()

    objects = {}
    for layer in LAYERS:
        paths = [os.path.join(a.core, 'lib', LIB_DIR.get(layer, layer), f'libsansrtc_{layer}.a')]
        paths += [os.path.join(a.core, 'lib', e) for e in EXTRA_LIBS.get(layer, [])]
        for p in paths:
            if os.path.exists(p):
                add(objects.setdefault(layer, dict.fromkeys(COLS, 0)), archive_sizes(p))
    mb = dict.fromkeys(COLS, 0)
    for lib in ('libmbedcrypto.a', 'libmbedx509.a'):
        add(mb, archive_sizes(os.path.join(a.mbedtls, lib)))

    print('Sizes in bytes: arm-none-eabi-gcc 12.2, -mcpu=cortex-m33 -mthumb -mfloat-abi=hard '
          '-mfpu=fpv5-sp-d16 -Os -ffunction-sections -fdata-sections, newlib-nano')
    print()
    print('sansrtc layers, objects summed before linking')
    print(f'{"":<34}{"text":>9}{"rodata":>8}{"data":>6}{"bss":>7}')
    for layer, s in objects.items():
        print(row(layer, s))
    print(row('mbedTLS 2.28 (embedded config)', mb))
    print()
    for spec in a.image:
        title, _, path = spec.rpartition('=')
        print_image(title, map_sizes(path))
    print('Profiles: sansrtc own code (text + rodata), objects before linking; + mbedTLS objects')
    for name, layers in PROFILES:
        missing = [l for l in layers if l not in objects]
        if missing:
            print(f'  {name:<60} not built: no {", ".join("lib/" + m for m in missing)} yet')
            continue
        code = sum(objects[l]['text'] + objects[l]['rodata'] for l in layers)
        print(f'  {name:<60} {kib(code):>6} KiB; with mbedTLS {kib(code + mb["text"] + mb["rodata"]):>6} KiB')
    for spec in a.profile_lib:
        title, _, path = spec.rpartition('=')
        if os.path.exists(path):
            s = archive_sizes(path)
            code = s['text'] + s['rodata']
            print(f'  {title:<60} {kib(code):>6} KiB; with mbedTLS {kib(code + mb["text"] + mb["rodata"]):>6} KiB')
    for log in a.log:
        if not os.path.exists(log):
            continue
        print()
        print(f'RAM, measured on the target ({os.path.basename(log)}):')
        with open(log, errors='replace') as f:
            for line in f:
                if line.startswith(('heap:', 'stack:', 'RAM used:', 'PERCONN', 'STEADY', 'PCPERCONN', 'ANSWERER',
                                    'STACKPERCONN')) or \
                        'per connection' in line or 'connected:' in line or 'handshake buffers' in line:
                    print('  ' + line.strip())
    return 0


if __name__ == '__main__':
    sys.exit(main())
