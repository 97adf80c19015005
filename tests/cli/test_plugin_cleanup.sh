#!/usr/bin/env bash
# cleanup removes the compiled plugins of its task file that no run would
# load again (issue 10, item 23): those of older versions of the file, those
# an older ctask cached without a manifest, the temporary copies of dead
# runs; never a current plugin (for any flags) nor another task file's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
mkdir other
cp "$DATA/dup.c" p.c
cp "$DATA/dup.c" other/p.c # the same stem, another task file
echo '/* other */' >>other/p.c
cp "$DATA/flags.c" q.c
S=$T/shared
P=$S/plugins

# The plugins in the store (without their manifests), by the task file each
# was built from.
plugins()
{
	(cd "$P" && ls | grep '\.so$' | LC_ALL=C sort)
}
source_of() { sed -n 's/^source //p' "${1%.so}.deps"; }
plugins_of()
{
	local so n=0
	for so in "$P"/*.so; do
		if [ -f "${so%.so}.deps" ] && [ "$(source_of "$so")" = "$1" ]; then
			n=$((n + 1))
		fi
	done
	echo $n
}

check "set-up: old and current plugins of three task files in one store"
expect_exit 0 execute p.c --store "$S"
echo '/* an edit */' >>p.c # the plugin above is now an old one
expect_exit 0 execute p.c --store "$S"
expect_exit 0 status p.c --store "$S" --cflags -DFOO # current with -DFOO
expect_exit 0 execute other/p.c --store "$S"
expect_exit 0 execute q.c --store "$S"
echo '/* an edit */' >>q.c
expect_exit 0 status q.c --store "$S"
assert_eq 3 "$(plugins_of "$T/p.c")" "plugins of p.c"
assert_eq 1 "$(plugins_of "$T/other/p.c")" "plugins of other/p.c"
assert_eq 2 "$(plugins_of "$T/q.c")" "plugins of q.c"
# What a ctask without manifests cached, for p.c and for q.c.
cp "$P/$(plugins | head -1)" "$P/p-0123456789abcdef0123456789abcdef.so"
cp "$P/$(plugins | head -1)" "$P/q-0123456789abcdef0123456789abcdef.so"
# Temporary copies: a dead run's (our pid with another start time, as
# when the pid was reused: lib.sh, proc_tag) and a live one's (ours).
dead=$(proc_tag $$ 1)
live=$(proc_tag $$)
touch "$P/.tmp-$dead-p-x.so" "$P/.tmp-$live-p-x.so"
before=$(plugins)

check "cleanup -n counts p.c's two old plugins and removes nothing"
expect_exit 0 cleanup p.c --store "$S" -n
assert_contains "$out" "would remove 2 old compiled plugins"
assert_eq "$before" "$(plugins)" "plugins after cleanup -n"

check "cleanup removes them, and the dead run's copy"
expect_exit 0 cleanup p.c --store "$S"
assert_contains "$out" "removed 2 old compiled plugins"
assert_eq 2 "$(plugins_of "$T/p.c")" "plugins of p.c left (the current ones)"
assert_eq 1 "$(plugins_of "$T/other/p.c")" "plugins of other/p.c"
assert_eq 2 "$(plugins_of "$T/q.c")" "plugins of q.c"
[ ! -e "$P/p-0123456789abcdef0123456789abcdef.so" ] ||
	fail "p.c's plugin without a manifest is still there"
[ -e "$P/q-0123456789abcdef0123456789abcdef.so" ] ||
	fail "q.c's plugin without a manifest was removed by cleanup p.c"
[ ! -e "$P/.tmp-$dead-p-x.so" ] || fail "a dead run's copy is left"
[ -e "$P/.tmp-$live-p-x.so" ] || fail "a live run's copy was removed"
for f in "$P"/*.deps; do
	[ -e "${f%.deps}.so" ] || fail "a manifest without its plugin: $f"
done

check "the plugins kept are the ones in use: nothing compiles"
for args in "p.c" "p.c --cflags -DFOO" "other/p.c" "q.c"; do
	# shellcheck disable=SC2086 # args are words
	expect_exit 0 status $args --store "$S" -v
	assert_eq "" "$err" "stderr of status $args -v (no compile)"
done

check "a second cleanup has nothing more to remove"
expect_exit 0 cleanup p.c --store "$S"
assert_not_contains "$out" "compiled plugin"

check "cleanup q.c removes q.c's old ones"
expect_exit 0 cleanup q.c --store "$S"
assert_contains "$out" "removed 2 old compiled plugins"
assert_eq 1 "$(plugins_of "$T/q.c")" "plugins of q.c left"
assert_eq 2 "$(plugins_of "$T/p.c")" "plugins of p.c"

check "editing a header rebuilds in place: nothing piles up"
cp "$DATA/quoted_header.c" h.c
echo 'static inline int64_t helper(int64_t x) { return x; }' >util.h
expect_exit 0 execute h.c --store "$S"
echo 'static inline int64_t helper(int64_t x) { return -x; }' >util.h
expect_exit 0 execute h.c --store "$S" --rerun-stale
assert_eq 1 "$(plugins_of "$T/h.c")" "plugins of h.c"
expect_exit 0 cleanup h.c --store "$S"
assert_not_contains "$out" "compiled plugin"

echo "PASS: test_plugin_cleanup"
