/* Blocking tasks for the tests that signal or kill executors
 * (test_signals.sh, test_executors.sh, test_status_running.sh).
 *
 * block(i) creates the file $CTASK_TEST_DIR/started-i, appends "start i" to
 * $CTASK_TEST_LOG, sleeps $CTASK_TEST_SLEEP_MS milliseconds (default 300),
 * then appends "block i" (the body finished). finish(list) appends
 * "finish" and returns the sum. The graph has $CTASK_TEST_N block tasks
 * (default 1) and one finish. */
#include <ctask.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : def;
}

static void logline(const char *fmt, ...)
{
	const char *path = getenv("CTASK_TEST_LOG");
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		abort();
	if (write(fd, buf, (size_t)n) != n)
		abort();
	close(fd);
}

static ctask_value *block(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	const char *dir = getenv("CTASK_TEST_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/started-%lld", dir ? dir : ".",
		 (long long)i);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	logline("start %lld\n", (long long)i);
	long ms = env_long("CTASK_TEST_SLEEP_MS", 300);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
	logline("block %lld\n", (long long)i);
	return ctask_int(cx, i);
}

static ctask_value *finish(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	logline("finish\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	long n = env_long("CTASK_TEST_N", 1);
	if (n < 1 || n > 1000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..1000", n);
	ctask_task **t = malloc((size_t)n * sizeof *t);
	for (long i = 0; i < n; i++)
		t[i] = ctask_call(g, block, i);
	ctask_call(g, finish, ctask_list(g, t, (size_t)n));
	free(t);
}
