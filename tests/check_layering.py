#!/usr/bin/env python3
"""Fails when the layer rules of DESIGN.md are broken.

- a lib/ file includes a header of a layer above its own (arrows point down);
- anything but lib/net/ includes Asio;
- anything but lib/base/crypto/ includes mbedTLS (tests and tools may, for oracles);
- include/sansrtc/ includes Asio, mbedTLS or a lib/ header.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()

# Each layer may include itself and the layers listed after it (its allowed
# dependencies, transitively). Mirrors the picture in DESIGN.md §1.
ALLOWED = {
    "base": {"base"},
    "stun": {"stun", "base"},
    "turn": {"turn", "stun", "base"},
    "ice": {"ice", "turn", "stun", "base"},
    "dtls": {"dtls", "base"},
    "srtp": {"srtp", "base"},
    "sctp": {"sctp", "base"},
    "datachannel": {"datachannel", "sctp", "base"},
    "rtp": {"rtp", "srtp", "base"},
    "sdp": {"sdp", "base"},
    "pc": {"pc", "sdp", "datachannel", "sctp", "rtp", "srtp", "dtls", "ice", "turn", "stun", "base"},
    "net": {"net", "pc", "sdp", "datachannel", "sctp", "rtp", "srtp", "dtls", "ice", "turn", "stun", "base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
SRC_EXT = (".h", ".hpp", ".cc", ".cpp", ".c")


def files_under(top):
    for dirpath, _, names in os.walk(top):
        for n in names:
            if n.endswith(SRC_EXT):
                yield os.path.join(dirpath, n)


def main():
    errors = []
    lib = os.path.join(ROOT, "lib")
    for path in files_under(lib):
        rel = os.path.relpath(path, lib).replace(os.sep, "/")
        layer = rel.split("/")[0]
        in_crypto = rel.startswith("base/crypto/")
        text = open(path, encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            top = inc.split("/")[0]
            if inc.startswith("asio") and layer != "net":
                errors.append(f"lib/{rel}: includes Asio ({inc}); only lib/net may")
            if inc.startswith("mbedtls/") and not in_crypto:
                errors.append(f"lib/{rel}: includes mbedTLS ({inc}); only lib/base/crypto may")
            if top in ALLOWED and "/" in inc and top not in ALLOWED.get(layer, {layer}):
                errors.append(f"lib/{rel}: layer '{layer}' includes '{inc}' from a layer above or beside it")
            if layer == "base" and not in_crypto and inc.startswith("base/crypto/"):
                errors.append(f"lib/{rel}: base includes base/crypto (crypto sits on top of base)")
    inc_dir = os.path.join(ROOT, "include")
    for path in files_under(inc_dir):
        rel = os.path.relpath(path, ROOT)
        text = open(path, encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            top = inc.split("/")[0]
            if inc.startswith("asio") or inc.startswith("mbedtls/") or top in ALLOWED:
                errors.append(f"{rel}: public header includes {inc}")
    for e in errors:
        print(e)
    print(f"layering: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
