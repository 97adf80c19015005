#!/usr/bin/env bash
# Naming one task: show prints a task's real index (NAME#I), failure lines
# name the task as NAME#I (which show takes), show accepts a hash or a
# unique prefix of one (an ambiguous or too short prefix is exit 2), and
# execute --target takes NAME#I (that task and what it needs) or a hash.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/select.c" select.c
S=select.ctaskdata

# hash_of SPEC: the hash of the one task SPEC names (it may have no result).
hash_of()
{
	run_ctask show select.c "$1"
	json_get "$out" 'j["hash"]'
}

check "--target use#2: only use#2 and its input dep#2 run"
expect_exit 0 execute select.c --target 'use#2' -j 1
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(dep 1, use 1)"
assert_eq 20 "$(value select.c 'dep#2')" "dep#2 (10 * 2)"
assert_eq 21 "$(value select.c 'use#2')" "use#2"
expect_exit 1 show select.c 'use#1'
assert_eq waiting "$(json_get "$out" 'j["state"]')" "use#1 has not run"

check "--target with a hash prefix: that task only"
h=$(hash_of 'part#17')
expect_exit 0 execute select.c --target "${h:0:12}" -j 1
assert_contains "$out" "ran 1 task "
assert_eq 17 "$(value select.c 'part#17')" "part#17"

check "--target NAME#I out of range, and an unknown NAME: exit 2"
expect_exit 2 execute select.c --target 'use#5'
assert_contains "$err" "ctask execute: --target use#5: use has only 5 tasks (#0 to #4)"
expect_exit 2 execute select.c --target 'nosuch#0'
assert_contains "$err" "--target nosuch: no function of that name in select.c"

check "failure lines name the task as NAME#I, and show takes that"
expect_exit 1 execute select.c -k -j 2
assert_contains "$err" "ctask: check#3 failed: check 3 fails"
assert_lines 1 "$(printf '%s\n' "$err" | grep ' failed: ')" "failure lines"
spec=$(printf '%s\n' "$err" | sed -n 's/^ctask: \([^ ]*\) failed: .*/\1/p')
expect_exit 0 show select.c "$spec"
assert_eq failed "$(json_get "$out" 'j["state"]')" "state of $spec"
assert_eq "check 3 fails" "$(json_get "$out" 'j["message"]')" "message"

check "show HASH prints the task's index in its function, not 0"
h=$(hash_of 'part#1234')
expect_exit 0 show select.c "$h"
assert_eq 1234 "$(json_get "$out" 'j["index"]')" "index of part#1234 by hash"
assert_eq 1234 "$(json_get "$out" 'j["value"]')" "value of part#1234"
expect_exit 0 show select.c 'use#4'
assert_eq 4 "$(json_get "$out" 'j["index"]')" "index of use#4 by name"

check "show takes a unique hash prefix (12 digits, 4 digits, upper case)"
expect_exit 0 show select.c "${h:0:12}"
assert_eq "$h" "$(json_get "$out" 'j["hash"]')" "12-digit prefix"
# The tasks' hashes, and one 4-digit prefix only one of them has, and one
# that two or more share (3000 tasks in 65536 prefixes make both certain).
expect_exit 0 show select.c part
printf '%s' "$out" >parts.json
read -r uniq shared nshared < <("$PY" -c '
import collections, json
c = collections.Counter(t["hash"][:4] for t in json.load(open("parts.json")))
u = min(k for k, v in c.items() if v == 1)
s = min(k for k, v in c.items() if v > 1)
print(u, s, c[s])')
expect_exit 0 show select.c "$uniq"
assert_eq "$uniq" "$(json_get "$out" 'j["hash"][:4]')" "4-digit prefix"
expect_exit 0 show select.c "$(printf '%s' "$uniq" | tr a-f A-F)"
assert_eq "$uniq" "$(json_get "$out" 'j["hash"][:4]')" "upper-case prefix"

check "an ambiguous prefix: exit 2, with the count"
expect_exit 2 show select.c "$shared"
assert_eq "ctask show: $shared: ambiguous hash prefix: the hashes of $nshared tasks start with it (give more digits)" "$err"
assert_eq "" "$out" "stdout of an ambiguous prefix"

check "a prefix that is too short, or matches nothing: exit 2"
expect_exit 2 show select.c "${h:0:3}"
assert_contains "$err" "as a hash prefix it is too short (at least 4 digits)"
expect_exit 2 show select.c "${uniq}0000000000"
assert_contains "$err" "no task of select.c has a hash that starts with these digits"

check "a function named like hex digits is the function, not a prefix"
expect_exit 0 show select.c face
assert_eq face "$(json_get "$out" 'j["name"]')" "face"

check "nothing above wrote to the store but execute"
before=$(store_snapshot "$S")
expect_exit 2 show select.c "$shared"
expect_exit 2 execute select.c --target "$shared"
assert_eq "$before" "$(store_snapshot "$S")" "store after bad specs"
