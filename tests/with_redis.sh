#!/usr/bin/env bash
# with_redis.sh COMMAND [ARGS...] - runs COMMAND with a private redis-server
# (tests/cli/redislib.sh) in a temporary directory, its URL in
# CTASK_TEST_REDIS; stops the server and removes the directory at the end.
# Exits 77 (ctest's SKIP_RETURN_CODE) if redis-server is not installed, else
# with COMMAND's status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cli/redislib.sh
. "$here/cli/redislib.sh"

if ! redis_have; then
	echo "with_redis: redis-server is not installed (scripts/setup): skipped"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/ctask-redis.XXXXXX")
trap 'redis_stop; rm -rf "$dir"' EXIT
redis_start "$dir"
export CTASK_TEST_REDIS=$REDIS_URL
rc=0
"$@" || rc=$?
exit "$rc"
