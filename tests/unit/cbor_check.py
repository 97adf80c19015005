#!/usr/bin/python3
"""Checks ctask's CBOR against an independent implementation, Python's cbor2.

Usage: cbor_check.py FILE, where each line of FILE is "NAME HEX": the
encoding ctask produced for the value named NAME (test_value.c,
write_interop). Each encoding must decode with cbor2 to the value EXPECTED
gives; values cbor2 can write itself must re-encode (canonical=True) to the
same bytes. Typed arrays (RFC 8746 tag 40 over a typed-array tag) are checked
by tag, shape and the little-endian elements, unpacked with struct.

Exit status: 0 all good, 1 a mismatch, 77 cbor2 is not installed (skip).
"""
import math
import struct
import sys

try:
    import cbor2
except ImportError:
    print("cbor_check.py: python3-cbor2 is not installed", file=sys.stderr)
    sys.exit(77)


def arr(tag, fmt, shape, data):
    return ("array", tag, fmt, shape, data)


EXPECTED = {
    "int0": 0,
    "int24": 24,
    "int1000000": 1000000,
    "intneg1": -1,
    "intmin": -(2**63),
    "intmax": 2**63 - 1,
    "f1_5": 1.5,
    "f0_1": 0.1,
    "f1e5": 100000.0,
    "f65504": 65504.0,
    "fnegzero": -0.0,
    "fnan": math.nan,
    "finf": math.inf,
    "ftiny": 2.0**-149,
    "null": None,
    "true": True,
    "false": False,
    "str": "h\u00e9llo \U0001F600",
    "strempty": "",
    "bytes": b"\x00\x01\xff",
    "list": [1, "a", None],
    "map": {"b": {"x": [], "y": 2.5}, "aa": 2},
    "arr2x3": arr(86, "d", [2, 3], [1.0, 2.5, 3.0, 4.0, 5.0, 6.0]),
    "arr0d": arr(78, "i", [], [7]),
    "arri16": arr(77, "h", [2, 2], [-1, 2, -300, 32767]),
    "arru64": arr(71, "Q", [2], [2**64 - 1, 1]),
    "arrf32": arr(85, "f", [2], [0.5, -3.0]),
    "arru8": arr(64, "B", [2], [0, 0]),
}

# Where cbor2 5.x's canonical float encoder is not the shortest form: it
# writes float16 values of 32768 and above as float32, where RFC 8949
# (Appendix A: 65504.0 is f9 7bff) wants float16. Ours is checked against
# the RFC's bytes instead.
RFC_BYTES = {"f65504": bytes.fromhex("f97bff")}


def same(a, b):
    """Equal values, telling -0.0 from 0.0 and bool from int, NaN == NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return (list(a) == list(b)
                and all(same(a[k], b[k]) for k in a))
    return a == b


def check_array(name, got, want):
    _, tag, fmt, shape, data = want
    if not (isinstance(got, cbor2.CBORTag) and got.tag == 40):
        return "%s: not tag 40: %r" % (name, got)
    if not (isinstance(got.value, list) and len(got.value) == 2):
        return "%s: tag 40 content is not a pair" % name
    gshape, typed = got.value
    if gshape != shape:
        return "%s: shape %r, expected %r" % (name, gshape, shape)
    if not (isinstance(typed, cbor2.CBORTag) and typed.tag == tag):
        return "%s: typed-array tag %r, expected %d" % (name, typed, tag)
    raw = typed.value
    if not isinstance(raw, bytes):
        return "%s: typed array is not a byte string" % name
    if len(raw) != struct.calcsize("<%d%s" % (len(data), fmt)):
        return "%s: %d bytes for %d elements" % (name, len(raw), len(data))
    elems = list(struct.unpack("<%d%s" % (len(data), fmt), raw))
    if elems != data:
        return "%s: elements %r, expected %r" % (name, elems, data)
    return None


def check(name, enc):
    if name not in EXPECTED:
        return "%s: unknown value name" % name
    want = EXPECTED[name]
    # Python's dict keeps insertion order; cbor2 decodes in stored order.
    got = cbor2.loads(enc)
    if isinstance(want, tuple):
        return check_array(name, got, want)
    if not same(got, want):
        return "%s: decoded %r, expected %r" % (name, got, want)
    again = RFC_BYTES.get(name) or cbor2.dumps(want, canonical=True)
    if again != enc:
        return "%s: ctask wrote %s, expected %s" % (name, enc.hex(),
                                                    again.hex())
    return None


def main():
    if len(sys.argv) != 2:
        print("usage: cbor_check.py FILE", file=sys.stderr)
        return 2
    seen, errors = set(), []
    with open(sys.argv[1]) as f:
        for line in f:
            name, hexstr = line.split()
            seen.add(name)
            try:
                err = check(name, bytes.fromhex(hexstr))
            except Exception as e:  # a cbor2 decoding error, say
                err = "%s: %s: %s" % (name, type(e).__name__, e)
            if err:
                errors.append(err)
    errors += ["%s: missing from the input" % n
               for n in EXPECTED if n not in seen]
    for e in errors:
        print("cbor_check.py: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
