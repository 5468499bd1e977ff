#!/usr/bin/env python3
"""Writes the fuzz seeds for the capture reader into CORPUS_DIR: each shared
capture decompressed, and a small version of each (section header, machine
info, interface and user lists, a few fd lists and the first events; no
process list) that the fuzzer mutates much faster. Existing files are kept.
usage: make-seeds.py SHARED_DIR CORPUS_DIR"""
import gzip
import os
import struct
import sys

SMALL_KEEP = {0x0A0D0D0A, 0x201, 0x205, 0x219, 0x206, 0x220}
FDL = {0x203, 0x218}


def small(data):
    out, off, nfdl, nev = [], 0, 0, 0
    while off + 8 <= len(data):
        btype, total = struct.unpack_from("<II", data, off)
        if total < 12:
            break
        blk = data[off:off + total]
        if btype in SMALL_KEEP:
            out.append(blk)
        elif btype in FDL and nfdl < 3:
            out.append(blk)
            nfdl += 1
        elif btype in (0x204, 0x216, 0x217, 0x221, 0x222) and nev < 40:
            out.append(blk)
            nev += 1
        off += total
    return b"".join(out)


def main():
    shared, corpus = sys.argv[1], sys.argv[2]
    os.makedirs(corpus, exist_ok=True)
    for f in sorted(os.listdir(os.path.join(shared, "captures"))):
        if not f.endswith(".scap"):
            continue
        data = gzip.open(os.path.join(shared, "captures", f)).read()
        for name, blob in (("seed-" + f, data), ("seed-small-" + f, small(data))):
            path = os.path.join(corpus, name)
            if not os.path.exists(path):
                with open(path, "wb") as out:
                    out.write(blob)


if __name__ == "__main__":
    main()
