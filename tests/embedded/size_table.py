#!/usr/bin/env python3
"""tests/embedded/size_table.py — flash and RAM of sansrtc on the Cortex-M33.

Two views, as the issue asks (the way NanoRTC's figures are given):
  * objects: text, rodata, data, bss of each layer's static library summed
    over its object files before linking (arm-none-eabi-size -A);
  * image: the same columns for what a --gc-sections link of the embedded
    self-test image kept, attributed by input file from the linker map.
mbedTLS, libstdc++ and the C library / libgcc get their own lines. Profiles
are sums of layers; a profile whose layers do not exist yet says so.

usage: size_table.py --core <cross build dir> --map firmware.map --elf firmware.elf
                     --mbedtls <dir with libmbed*.a> [--log run.log]
"""
import argparse
import os
import re
import subprocess
import sys

LAYERS = ['base', 'crypto', 'stun', 'ice', 'turn', 'dtls', 'srtp', 'sctp', 'datachannel', 'rtp', 'sdp', 'pc']
LIB_DIR = {'crypto': 'base/crypto'}

# Profiles of the issue. SDP is in every profile above core: a data-channel
# answerer must read the offer.
PROFILES = [
    ('core (STUN/ICE)', ['base', 'crypto', 'stun', 'ice']),
    ('data channel (ICE + DTLS + SCTP + DCEP + SDP)',
     ['base', 'crypto', 'stun', 'ice', 'dtls', 'sctp', 'datachannel', 'sdp']),
    ('data channel + TURN', ['base', 'crypto', 'stun', 'ice', 'turn', 'dtls', 'sctp', 'datachannel', 'sdp']),
    ('full media (+ SRTP, RTP/RTCP, PeerConnection)',
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
    m = re.search(r'libsansrtc_([a-z]+)\.a', path)
    if m:
        return m.group(1)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--core', required=True)
    ap.add_argument('--map', required=True)
    ap.add_argument('--elf', required=True)
    ap.add_argument('--mbedtls', required=True)
    ap.add_argument('--log')
    a = ap.parse_args()

    objects = {}
    for layer in LAYERS:
        p = os.path.join(a.core, 'lib', LIB_DIR.get(layer, layer), f'libsansrtc_{layer}.a')
        if os.path.exists(p):
            objects[layer] = archive_sizes(p)
    mb = dict.fromkeys(COLS, 0)
    for lib in ('libmbedcrypto.a', 'libmbedx509.a'):
        for k, v in archive_sizes(os.path.join(a.mbedtls, lib)).items():
            mb[k] += v
    image = map_sizes(a.map)

    head = f'{"":<34}{"text":>9}{"rodata":>8}{"data":>6}{"bss":>7}'
    print('Sizes in bytes: arm-none-eabi-gcc 12.2, -mcpu=cortex-m33 -mthumb -mfloat-abi=hard '
          '-mfpu=fpv5-sp-d16 -Os -ffunction-sections -fdata-sections, newlib-nano')
    print()
    print('sansrtc layers, objects summed before linking')
    print(head)
    for layer, s in objects.items():
        print(row(layer, s))
    print(row('mbedTLS 2.28 (embedded config)', mb))
    print()
    print('In the self-test image after a --gc-sections link')
    print(head)
    zero = dict.fromkeys(COLS, 0)
    own = dict.fromkeys(COLS, 0)
    for layer in LAYERS:
        if layer in image:
            print(row(layer, image[layer]))
            for k in COLS:
                own[k] += image[layer][k]
    print(row('= sansrtc own code', own))
    for comp in ('mbedTLS', 'libstdc++', 'libc+libgcc', 'firmware'):
        print(row(comp, image.get(comp, zero)))
    total = dict.fromkeys(COLS, 0)
    for s in image.values():
        for k in COLS:
            total[k] += s[k]
    print(row('= whole image', total))
    print(f'  flash (text + rodata + data): {kib(total["text"] + total["rodata"] + total["data"])} KiB, '
          f'of which sansrtc {kib(own["text"] + own["rodata"] + own["data"])} KiB, '
          f'mbedTLS {kib(sum(image.get("mbedTLS", zero)[k] for k in ("text", "rodata", "data")))} KiB')
    print()
    print('Profiles: sansrtc own code (text + rodata), objects before linking; + mbedTLS objects')
    for name, layers in PROFILES:
        missing = [l for l in layers if l not in objects]
        if missing:
            print(f'  {name:<48} not yet built (missing: {", ".join(missing)})')
            continue
        code = sum(objects[l]['text'] + objects[l]['rodata'] for l in layers)
        print(f'  {name:<48} {kib(code):>7} KiB; with mbedTLS {kib(code + mb["text"] + mb["rodata"]):>7} KiB')
    if a.log and os.path.exists(a.log):
        print()
        print('RAM, measured on the target (from the image):')
        with open(a.log, errors='replace') as f:
            for line in f:
                if line.startswith(('heap:', 'stack:', 'RAM used:', 'PERCONN', 'STEADY')) or \
                        'per connection' in line or 'connected:' in line or 'handshake buffers' in line:
                    print('  ' + line.strip())
    return 0


if __name__ == '__main__':
    sys.exit(main())
