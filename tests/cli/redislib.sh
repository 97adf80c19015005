# redislib.sh - a private redis-server for a test (sourced; bash).
#
#   redis_start DIR   starts redis-server on a free loopback port with DIR as
#                     its working directory (appendonly there), waits until
#                     it answers, and sets REDIS_PORT, REDIS_PID and
#                     REDIS_URL (redis://127.0.0.1:PORT/0). Returns 77 (the
#                     tests' "skipped") if redis-server is not installed.
#   redis_stop        stops it (SHUTDOWN NOSAVE, then waits for the pid);
#                     safe to call twice. Call it from the script's EXIT
#                     trap: a server left behind would outlive the test.
#   redis_cli ARGS... runs redis-cli against it.
#
# The port: the kernel picks a free one (python binds port 0), and if
# another process takes it before redis-server binds, the start is retried
# on another.

REDIS_PID=""

redis_have()
{
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null
}

_redis_free_port()
{
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (bounded: 20 s) until the server answers PING, or exits.
_redis_wait()
{
	local i
	for ((i = 0; i < 400; i++)); do
		if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null |
			grep -q PONG; then
			return 0
		fi
		kill -0 "$REDIS_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

redis_start()
{
	local dir=$1 try
	redis_have || return 77
	mkdir -p "$dir"
	for try in 1 2 3 4 5; do
		REDIS_PORT=$(_redis_free_port)
		redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
			--dir "$dir" --save "" --appendonly yes \
			--daemonize no --logfile "$dir/redis.log" &
		REDIS_PID=$!
		if _redis_wait; then
			REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
			export REDIS_PORT REDIS_PID REDIS_URL
			return 0
		fi
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=""
	done
	echo "redislib: redis-server would not start; see $dir/redis.log" >&2
	return 1
}

redis_cli()
{
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

redis_stop()
{
	[ -n "$REDIS_PID" ] || return 0
	redis_cli shutdown nosave >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=""
}
