/* Tasks that wait for the test (test_status_workers.sh, test_invalidate_
 * during_run.sh): $CTASK_TEST_N parts (default 6), part(i) = i times
 * $CTASK_TEST_SCALE (default 1), and collect, their sum, which first
 * creates $CTASK_TEST_DIR/collect-started and then waits until the file
 * $CTASK_TEST_DIR/release exists. Every body appends a line to
 * $CTASK_TEST_LOG ("part i", "collect"). */
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : def;
}

static void logline(const char *line)
{
	const char *path = getenv("CTASK_TEST_LOG");
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	size_t n = strlen(line);
	if (fd < 0 || write(fd, line, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* DIR/name, DIR being $CTASK_TEST_DIR (default "."). */
static void test_path(char *out, size_t n, const char *name)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(out, n, "%s/%s", dir ? dir : ".", name);
}

static ctask_value *part(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	char line[32];
	snprintf(line, sizeof line, "part %lld\n", (long long)i);
	logline(line);
	return ctask_int(cx, i * env_long("CTASK_TEST_SCALE", 1));
}

static ctask_value *collect(ctask_ctx *cx, const ctask_args *a)
{
	char started[4096], release[4096];
	test_path(started, sizeof started, "collect-started");
	test_path(release, sizeof release, "release");
	int fd = open(started, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	/* The test's timeout bounds this wait. */
	while (access(release, F_OK) != 0) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	logline("collect\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	long n = env_long("CTASK_TEST_N", 6);
	if (n < 1 || n > 1000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..1000", n);
	ctask_task **t = malloc((size_t)n * sizeof *t);
	for (long i = 0; i < n; i++)
		t[i] = ctask_call(g, part, i);
	ctask_call(g, collect, ctask_list(g, t, (size_t)n));
	free(t);
}
