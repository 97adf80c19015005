#!/usr/bin/env bash
# Temporary builds name their owner (issue 10, item 15): what a run killed
# with kill -9 leaves in $TMPDIR, or in the store's plugins/, is removed by
# the next build; what a live run is still writing is not.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/dup.c" d.c
mkdir tmp
export TMPDIR=$T/tmp
P=d.ctaskdata/plugins

# Our tag (lib.sh, proc_tag), a tag for a process that is gone (our own
# pid with another start time, as when a pid has been reused), and the same
# one of another boot and of another pid namespace: never judged gone.
live=$(proc_tag $$)
dead=$(proc_tag $$ 1)
far_boot=00000000000000000000000000000000-${dead#*-}
boot=${dead%%-*}
far_ns=$boot-1-${dead#*-*-}

# A compiler that says it started, then waits to be let go (a FIFO, opened
# read-write so that opening it never blocks; a minute at most, so that a
# failed test leaves nothing waiting).
mkfifo go
cat >slowcc <<'EOF2'
#!/usr/bin/env bash
echo $$ >"$T/started"
exec 3<>"$T/go"
read -r -t 60 _ <&3 || exit 1
exec cc "$@"
EOF2
chmod +x slowcc
export T

# wait_for CONDITION...: polls until it holds (a minute at most).
wait_for()
{
	local i
	for i in $(seq 600); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	fail "timed out waiting for: $*"
}
gone() { ! kill -0 "$1" 2>/dev/null; }

check "a run killed while compiling leaves its build directory, named after it"
CC=$T/slowcc "$CTASK" status d.c >/dev/null 2>&1 &
victim=$!
wait_for test -s started
cc_pid=$(cat started)
left=$(ls tmp)
case "$left" in
"ctask-build-$(proc_tag $victim)-"??????) ;;
*) fail "temporary build '$left' is not named after its owner ($victim)" ;;
esac

check "a live run's build directory is left alone"
expect_exit 0 status d.c --short
assert_eq "$left" "$(ls tmp)" "TMPDIR while the first run compiles"

check "kill -9: the next build removes what it left"
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
echo go >go # the compiler goes on, into the dead run's directory
wait_for gone "$cc_pid"
[ -n "$(ls -A "tmp/$left")" ] || fail "the killed run's compiler wrote nothing"
expect_exit 0 status d.c --short
assert_eq "" "$(ls -A tmp)" "TMPDIR after the next build"

check "of other leftovers, only those of dead owners go"
mkdir "tmp/ctask-build-$dead-Abc123" "tmp/ctask-build-$live-Def456" \
	"tmp/ctask-build-$far_boot-Ghi789" "tmp/ctask-build-$far_ns-Mno345" \
	tmp/ctask-build-Jkl012 "tmp/ctask-build-$boot-x-$$-1-Pqr678"
touch "tmp/ctask-build-$dead-Abc123/d-0.so"
expect_exit 0 status d.c --short
assert_eq "$(printf '%s\n' "ctask-build-$far_boot-Ghi789" \
	"ctask-build-$far_ns-Mno345" "ctask-build-$live-Def456" \
	ctask-build-Jkl012 "ctask-build-$boot-x-$$-1-Pqr678" |
	LC_ALL=C sort)" "$(ls tmp | LC_ALL=C sort)" "TMPDIR"
rm -r tmp/*

check "temporary copies in the store's plugins/: a dead owner's go when a plugin is cached"
expect_exit 0 execute d.c
touch "$P/.tmp-$dead-d-0.so" "$P/.tmp-$live-d-0.so"
echo '/* edited */' >>d.c
expect_exit 0 execute d.c
[ ! -e "$P/.tmp-$dead-d-0.so" ] || fail "a dead run's copy is still in $P"
[ -e "$P/.tmp-$live-d-0.so" ] || fail "a live run's copy was removed from $P"
assert_eq "" "$(ls -A tmp)" "TMPDIR after the builds"

echo "PASS: test_plugin_tmp"
