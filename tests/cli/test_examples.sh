#!/usr/bin/env bash
# The README's stories, as a user would type them: the primes demo prints
# its result, and adding a second feature to examples/features.c runs only
# the new tasks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/primes.c" "$CTASK_SRC/examples/features.c" .

check "primes: 78498 primes below one million"
expect_exit 0 execute primes.c -q
expect_exit 0 show primes.c sum_primes
assert_eq 78498 "$(json_get "$out" 'j["value"]')" "sum_primes"

check "features: a second feature runs only the new tasks"
expect_exit 0 execute features.c
assert_contains "$out" "ran 25 tasks"
assert_contains "$out" "(load_image 12, texture 12, summarise 1)"
expect_exit 0 execute features.c --cflags -DWITH_EDGES
assert_contains "$out" "ran 13 tasks"
assert_contains "$out" "(edges 12, summarise 1); 24 already done"
expect_exit 0 show features.c summarise --cflags -DWITH_EDGES
assert_eq "12 12" "$(json_get "$out" '" ".join(str(len(j["value"][k])) for k in ("edges", "texture"))')" \
	"features per image"

check "cleanup then removes the old summary only"
expect_exit 0 cleanup features.c --cflags -DWITH_EDGES
assert_contains "$out" "removed 1 result"

echo "PASS: test_examples"
