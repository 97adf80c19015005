#!/usr/bin/env bash
# A cached plugin is rebuilt when a header it was compiled from changes
# (issue 10, item 1): a quoted header next to the task file, one it
# includes, one found through -I (absolute or relative to the current
# directory); the new code computes the results, a no-op does not compile,
# and a manifest that does not match its plugin is never trusted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/quoted_header.c" q.c
P=q.ctaskdata/plugins

# Headers written now would look edited while the first compile ran (which
# makes the next run compile once more, to be safe); these are old.
aged()
{
	touch -d '2001-01-01 00:00' "$@"
}
cat >util.h <<'EOF2'
#include "more.h"
static inline int64_t helper(int64_t x) { return x + ONE; }
EOF2
echo '#define ONE 1' >more.h
aged util.h more.h q.c

# No compile: the plugin is reused (-v prints the compiler command).
no_compile()
{
	expect_exit 0 "$@" -v
	assert_eq "" "$err" "stderr of ctask $* -v (no compile)"
}

check "the first execute computes with util.h as it is"
expect_exit 0 execute q.c
assert_eq 12 "$(value q.c twice)" "twice(5) with helper = x + 1"
ls "$P"/q-*.deps >/dev/null || fail "no manifest beside the plugin"
no_compile execute q.c
no_compile status q.c

check "editing util.h: status rebuilds and says stale; --rerun-stale computes with the new helper"
cat >util.h <<'EOF2'
#include "more.h"
static inline int64_t helper(int64_t x) { return x + 10 * ONE; }
EOF2
expect_exit 0 status q.c -v
assert_contains "$err" "-MMD" "status -v after editing util.h (a compile)"
assert_contains "$out" "stale"
expect_exit 0 status q.c --json
assert_eq 1 "$(json_get "$out" 'j["stale"]')" "stale results"
expect_exit 0 execute q.c --rerun-stale
assert_contains "$out" "ran 1 task"
assert_eq 30 "$(value q.c twice)" "twice(5) with helper = x + 10"
no_compile execute q.c
assert_eq 1 "$(ls "$P" | grep -c '\.so$')" "plugins (rebuilt in place)"

check "a header util.h includes counts too"
echo '#define ONE 2' >more.h
expect_exit 0 execute q.c --rerun-stale
assert_eq 50 "$(value q.c twice)" "twice(5) with ONE = 2"
no_compile execute q.c

check "the header back as it was: rebuilt again (contents count, not times)"
echo '#define ONE 1' >more.h
expect_exit 0 execute q.c --rerun-stale
assert_eq 30 "$(value q.c twice)" "twice(5) with ONE = 1 again"

check "a header that is gone: the rebuild fails (exit 3) with the compiler's message"
mv more.h more.h.away
expect_exit 3 status q.c
assert_contains "$err" "more.h"
assert_contains "$err" "ctask status: q.c: compilation failed"
mv more.h.away more.h

check "a header found through -I (absolute path)"
mkdir inc
echo '#define VAL 7' >inc/val.h
aged inc/val.h
F="-DWITH_VAL -I$T/inc"
expect_exit 0 execute q.c --cflags "$F"
assert_eq 7 "$(value q.c val --cflags "$F")" "val with VAL 7"
no_compile execute q.c --cflags "$F"
echo '#define VAL 8' >inc/val.h
# The fingerprint cannot see a header found through -I (README, "Code
# changes"): the result is recomputed once invalidated, with the new code.
expect_exit 0 invalidate q.c val --cflags "$F"
expect_exit 0 execute q.c --cflags "$F"
assert_eq 8 "$(value q.c val --cflags "$F")" "val with VAL 8"

check "a header found through -I relative to the current directory"
F="-DWITH_VAL -Iinc"
expect_exit 0 invalidate q.c val --cflags "$F"
expect_exit 0 execute q.c --cflags "$F"
assert_eq 8 "$(value q.c val --cflags "$F")" "val through -Iinc"
no_compile execute q.c --cflags "$F"
echo '#define VAL 9' >inc/val.h
expect_exit 0 invalidate q.c val --cflags "$F"
expect_exit 0 execute q.c --cflags "$F"
assert_eq 9 "$(value q.c val --cflags "$F")" "val after editing inc/val.h"
# From another directory, -Iinc names another header, although the flags and
# the source are the same: the plugin must be built again there.
mkdir other other/inc
echo '#define VAL 40' >other/inc/val.h
cd other
expect_exit 0 invalidate ../q.c val --cflags "$F" -v
assert_contains "$err" "-MMD" "a compile in another directory"
expect_exit 0 execute ../q.c --cflags "$F"
assert_eq 40 "$(value ../q.c val --cflags "$F")" "val through other/inc"
cd "$T"

check "a manifest that does not describe its plugin is not trusted"
for deps in "$P"/q-*.deps; do
	printf 'not a manifest\n' >"$deps"
done
expect_exit 0 execute q.c -v
assert_contains "$err" "-MMD" "a compile after the manifest was spoiled"
for so in "$P"/q-*.so; do
	printf 'x' >>"$so"
done
expect_exit 0 execute q.c -v
assert_contains "$err" "-MMD" "a compile after the plugin was changed"
assert_contains "$out" "nothing to do"
no_compile execute q.c

echo "PASS: test_plugin_deps"
