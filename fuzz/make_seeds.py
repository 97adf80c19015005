#!/usr/bin/env python3
"""Writes the seed corpus, fuzz/corpus/NAME/, for the harnesses fuzz/fuzz_NAME.c.

Run from anywhere: python3 fuzz/make_seeds.py. The seeds are committed; this
says where they came from and remakes them if a format changes."""
import os
import shutil
import struct

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def tag40(shape, tag, data):
    h = bytes([0xd8, 40, 0x82, 0x80 + len(shape)]) + bytes(shape)
    return h + bytes([0xd8, tag, 0x40 + len(data)]) + data


valid = [
    "00", "17", "1818", "190100", "1b7fffffffffffffff", "3b7fffffffffffffff",
    "20", "f93e00", "f97e00", "f9fc00", "fa47c35000", "fb3fb999999999999a",
    "f6", "f5", "f4", "60", "6161", "62c3bc", "40", "420102", "80", "a0",
    "82016161", "a261620162616102", "a1616181f6", "8181818100",
]
arrays = [
    tag40([2, 3], 86, struct.pack("<6d", 1, 2.5, 3, 4, 5, 6)),
    tag40([], 78, struct.pack("<i", 7)),
    tag40([3], 64, b"\x01\x02\x03"),
    tag40([0, 4], 77, b""),
]
invalid = [
    "1800", "190017", "0000", "1901", "6261", "8201", "61ff", "63eda080",
    "a2616201616102", "a2616101616102", "a10101", "9fff", "5f40ff", "1c",
    "1b8000000000000000", "c100", "f7", "fa3fc00000", "f97e01",
    "d8288281 03d84e4400000000", "d8288281 01d8574100", "d82801",
]
values = [bytes.fromhex(h.replace(" ", "")) for h in valid + invalid] + arrays
values.append(b"\x81" * 511 + arrays[2])  # 512 levels: the limit
values.append(b"\x81" * 512 + arrays[2])  # 513: one past it


def nested(*items):
    """A CBOR list of already encoded items."""
    return bytes([0x80 + len(items)]) + b"".join(items)


lists = [
    bytes([0, 0]) + nested(b"\x01", b"\x02"),
    bytes([1, 0]) + nested(nested(b"\x01"), nested(b"\x02", b"\x03")),
    bytes([0, 1]) + nested(nested(arrays[0], b"\xf6"), b"\x61a"),
    bytes([2, 0]) + nested(b"\x00", bytes.fromhex("a1616101"), nested()),
    bytes([0, 0]) + b"\x81" * 512 + arrays[2],
    bytes([0, 0]) + bytes.fromhex("8201"),
]

c_files = []
for name in ("values.c", "items.c", "mapreduce.c", "depth.c"):
    with open(os.path.join(root, "tests", "cli", "data", name), "rb") as f:
        c_files.append(f.read())
fingerprint = c_files + [
    b'#include "inc.h"\nstatic int f(void) { return g() + N; }\n\0'
    b'#define N 3\n#include "sub/x.h"\nstatic int g(void) { return h(); }\0'
    b'#include "../inc.h"\nstatic int h(void) { return 1; } /* c */\n',
    b"#define A(x) \\\n  ((x) + 1)\nint v = A(2); // x\nchar *s = \"a\\\"b\";\n",
    b"struct s { int a; }; enum e { X, Y = 2 }; typedef int t;\n"
    b"static void k(void) { struct s q = {0}; (void)q; }\n",
]

# fuzz_object: edits of 4 bytes (op, offset high, offset low, value).
objects = [
    b"",
    bytes([0, 0, 10, 0x55]),
    bytes([1, 0x4e, 0x20, 0]),
    bytes([2, 0x4e, 0x00, 0]),
    bytes([3, 5, 0, 0xaa]),
    bytes([4, 0, 0, 0]),
    bytes([0, 0, 10, 0x55, 0, 0, 10, 0x17]),  # changed, then back: intact
]

depfiles = [
    b"x.o: x.c /usr/include/stdio.h \\\n  inc.h sub/y\\ z.h\n",
    b"a.so: a.c\\\r\n b.h $$c.h\n\nnext: rule\n",
    b"t: a\\#b.h c\\\\d.h\n",
    b"no rule here\n",
]

corpora = {
    "value": values,
    "list_item": lists,
    "fingerprint": fingerprint,
    "object": objects,
    "depfile": depfiles,
}
for name, seeds in corpora.items():
    d = os.path.join(here, "corpus", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
            f.write(s)
