#!/usr/bin/env bash
# Every value type survives the store: each result of tests/cli/data/values.c
# is read straight from ctask.db / objects/ with Python's cbor2 and compared
# with what the task returned (RFC 8746 typed arrays included), and `show`
# prints them as JSON.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/values.c" values.c
S=values.ctaskdata

"$PY" -c 'import cbor2' 2>/dev/null || fail "python3 module cbor2 is missing"

check "execute runs all 17 tasks (verify reads every result back in C)"
expect_exit 0 execute values.c
assert_contains "$out" "ran 17 tasks"
assert_eq "" "$err" "stderr of execute"

# name#index -> hash, from `show`, for every task.
hashes=$(for f in v_null v_bool v_int v_double v_string v_bytes v_matrix \
	v_int32 v_big v_nested echo verify; do
	expect_exit 0 show values.c "$f"
	json_get "$out" '"\n".join("%s#%d %s %s" % (t["name"], t["index"], t["hash"], t["state"]) for t in (j if isinstance(j, list) else [j]))'
done)
assert_lines 17 "$hashes" "tasks shown"
assert_not_contains "$hashes" " ready" "task states"

check "every stored result decodes (cbor2) to the value the task returned"
printf '%s\n' "$hashes" >hashes.txt
"$PY" - "$S" hashes.txt <<'EOF' || fail "stored values differ (see above)"
import io, os, sqlite3, struct, sys
import cbor2

store, hashes = sys.argv[1], sys.argv[2]
tasks = {}
for line in open(hashes):
    key, h, state = line.split()
    tasks[key] = h

db = sqlite3.connect(os.path.join(store, "ctask.db"))
rows = {}
for h, name, state, size, inline, obj in db.execute(
        "SELECT hex(hash), name, state, size, inline, object FROM results"):
    rows[h.lower()] = (name, state, size, inline, obj)

def tag40(shape, tag, fmt, items):
    return cbor2.CBORTag(40, [list(shape), cbor2.CBORTag(
        tag, struct.pack("<%d%s" % (len(items), fmt), *items))])

matrix = tag40([2, 3], 86, "d", [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
expected = {
    "v_null#0": None,
    "v_bool#0": True,
    "v_bool#1": False,
    "v_int#0": -1234567890123,
    "v_int#1": 0,
    "v_double#0": 0.1,
    "v_double#1": -2.5e300,
    "v_string#0": "h\u00e9llo \u2713 \"quoted\"\n",
    "v_bytes#0": b"\x00\x01\x7f\x80\xfe\xff",
    "v_matrix#0": matrix,
    "v_int32#0": tag40([5], 78, "i", [-2, 0, 7, 2147483647, -2147483648]),
    "v_big#0": tag40([10000], 86, "d", [i * 0.25 for i in range(10000)]),
    "v_nested#0": {
        "list": [1, "two", [3.0, None], {"k": True}, []],
        "sub": {"x": "y"},
        "empty": {},
    },
    "echo#0": [42, "x"],
    "echo#1": "a string argument",
    "echo#2": matrix,
    "verify#0": "ok",
}

def same(a, b, path):
    """Equal values of the same Python types (True is not 1, 3.0 not 3)."""
    if type(a) is not type(b):
        return "%s: type %s, expected %s" % (path, type(a).__name__,
                                             type(b).__name__)
    if isinstance(a, cbor2.CBORTag):
        if a.tag != b.tag:
            return "%s: tag %d, expected %d" % (path, a.tag, b.tag)
        return same(a.value, b.value, path + "<tag %d>" % a.tag)
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items, expected %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            r = same(x, y, "%s[%d]" % (path, i))
            if r:
                return r
        return None
    if isinstance(a, dict):
        if sorted(a) != sorted(b):
            return "%s: keys %s, expected %s" % (path, sorted(a), sorted(b))
        for k in a:
            r = same(a[k], b[k], "%s[%r]" % (path, k))
            if r:
                return r
        return None
    if a != b:
        return "%s: %r, expected %r" % (path, a, b)
    return None

errors = []
if sorted(tasks) != sorted(expected):
    errors.append("tasks %s, expected %s" % (sorted(tasks), sorted(expected)))
for key, want in expected.items():
    h = tasks.get(key)
    if h not in rows:
        errors.append("%s: no row for hash %s" % (key, h))
        continue
    name, state, size, inline, obj = rows[h]
    if name != key.split("#")[0] or state != 1:
        errors.append("%s: row name %r state %r" % (key, name, state))
    if obj is not None:
        if inline is not None:
            errors.append("%s: both inline and object" % key)
        if len(obj) != 32 or obj != obj.lower() or \
                any(c not in "0123456789abcdef" for c in obj):
            errors.append("%s: object name %r is not 32 hex digits" % (key, obj))
        with open(os.path.join(store, "objects", obj[:2], obj[2:]), "rb") as f:
            data = f.read()
    else:
        data = inline
    if data is None or len(data) != size:
        errors.append("%s: %s bytes stored, size column says %d" %
                      (key, None if data is None else len(data), size))
        continue
    big = key == "v_big#0"
    if big != (obj is not None):
        errors.append("%s: stored %s, expected %s" % (
            key, "as an object" if obj else "inline",
            "as an object" if big else "inline"))
    if size > 16384 and obj is None:
        errors.append("%s: %d bytes stored inline" % (key, size))
    try:
        fp = io.BytesIO(data)
        got = cbor2.CBORDecoder(fp).decode()
    except Exception as e:
        errors.append("%s: does not decode: %s" % (key, e))
        continue
    if fp.tell() != len(data):
        errors.append("%s: %d bytes after the value" % (key, len(data) - fp.tell()))
    r = same(got, want, key)
    if r:
        errors.append(r)
    # README: values are stored as deterministic CBOR (RFC 8949 4.2.1):
    # shortest heads and floats, map keys sorted, definite lengths.
    canon = cbor2.dumps(got, canonical=True)
    if canon != data:
        errors.append("%s: stored %s, deterministic CBOR is %s" % (
            key, data[:40].hex(), canon[:40].hex()))
if len(rows) != len(expected):
    errors.append("%d rows in results, expected %d" % (len(rows), len(expected)))
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

check "the large result is the only file under objects/, at objects/xx/<30 hex>"
obj=$(sqlite3 "$S/ctask.db" "SELECT object FROM results WHERE name = 'v_big'")
[ ${#obj} = 32 ] || fail "object column '$obj' is not 32 characters"
files=$(cd "$S/objects" && find . -type f | sort)
assert_eq "./${obj:0:2}/${obj:2}" "$files" "files under objects/"

check "show prints each type as JSON"
show_value()
{
	expect_exit 0 show values.c "$1"
	json_get "$out" 'j["value"]'
}
assert_eq null "$(show_value 'v_null#0')"
assert_eq true "$(show_value 'v_bool#0')"
assert_eq false "$(show_value 'v_bool#1')"
assert_eq -1234567890123 "$(show_value 'v_int#0')"
assert_eq 0.1 "$(show_value 'v_double#0')"
assert_eq -2.5e+300 "$(show_value 'v_double#1')"
expect_exit 0 show values.c 'v_string#0'
assert_eq true "$(json_get "$out" 'j["value"] == "h\u00e9llo \u2713 \"quoted\"\n"')" \
	"show v_string (JSON string escapes)"
assert_eq '{"bytes": 6, "hex": "00017f80feff"}' "$(show_value v_bytes)"

check "show prints arrays as {dtype, shape, data}; large ones without data"
assert_eq '{"dtype": "float64", "shape": [2, 3], "data": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]}' \
	"$(show_value v_matrix)" "show v_matrix"
assert_eq '{"dtype": "int32", "shape": [5], "data": [-2, 0, 7, 2147483647, -2147483648]}' \
	"$(show_value v_int32)" "show v_int32"
assert_eq '{"dtype": "float64", "shape": [10000]}' "$(show_value v_big)" \
	"show v_big"
expect_exit 0 show values.c v_big
assert_eq 80014 "$(json_get "$out" 'j["size"]')" "size of v_big (80000 + header)"
expect_exit 0 show values.c 'v_nested#0'
assert_eq true "$(json_get "$out" 'j["value"] == {"list": [1, "two", [3.0, None], {"k": True}, []], "sub": {"x": "y"}, "empty": {}}')" \
	"show v_nested"
assert_eq "float" "$(json_get "$out" 'type(j["value"]["list"][2][0]).__name__')" \
	"3.0 stays a double in JSON"
assert_eq '[42, "x"]' "$(show_value 'echo#0')"
expect_exit 0 show values.c verify
assert_eq '"ok"' "$(json_get "$out" 'json.dumps(j["value"])')" "show verify"

check "show by hash prints the same task"
expect_exit 0 show values.c 'v_int#0'
h=$(json_get "$out" 'j["hash"]')
expect_exit 0 show values.c "$h"
assert_eq -1234567890123 "$(json_get "$out" 'j["value"]')" "show HASH"

check "a second execute has nothing to do"
expect_exit 0 execute values.c
assert_contains "$out" "nothing to do"

echo "PASS: test_values"
