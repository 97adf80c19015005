/* tests/cli/test_pool.sh: a task that blocks while quick tasks are sent to
 * the workers in batches.
 *
 * quick(i) creates $CTASK_TEST_DIR/quick-i, appends "quick i" to
 * $CTASK_TEST_LOG if that is set, and returns i. hang() waits until all
 * $CTASK_TEST_N quick tasks (default 40) have made their files, so it can
 * finish only if the quick tasks sent to its worker after it ran on
 * another worker; it fails after 60 s of waiting, naming how many ran
 * (with $CTASK_TEST_FOREVER set, it waits those 60 s in any case). hang
 * comes after the first $CTASK_TEST_AT quick tasks (default 5), so that
 * it travels in a batch with most of the others. */
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : def;
}

static void marker(char *path, size_t n, long i)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(path, n, "%s/quick-%ld", dir ? dir : ".", i);
}

static ctask_value *quick(ctask_ctx *cx, const ctask_args *a)
{
	long i = (long)ctask_arg_int(a, 0);
	char path[4096];
	marker(path, sizeof path, i);
	FILE *f = fopen(path, "w");
	if (!f)
		return ctask_fail(cx, "cannot create %s", path);
	fclose(f);
	const char *log = getenv("CTASK_TEST_LOG");
	if (log) { /* one line, appended with one write */
		char line[64];
		int n = snprintf(line, sizeof line, "quick %ld\n", i);
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0 || write(fd, line, (size_t)n) != n)
			return ctask_fail(cx, "cannot write %s", log);
		close(fd);
	}
	return ctask_int(cx, i);
}

/* How many quick tasks have made their files. */
static long quick_done(long n)
{
	long k = 0;
	char path[4096];
	for (long i = 0; i < n; i++) {
		marker(path, sizeof path, i);
		k += access(path, F_OK) == 0;
	}
	return k;
}

static ctask_value *hang(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	long n = env_long("CTASK_TEST_N", 40), k = 0;
	/* 60 s at most: a safety net, not a measure (the test passes when
	 * the quick tasks run elsewhere, however long that takes). */
	for (int tick = 0; tick < 6000; tick++) {
		if ((k = quick_done(n)) == n && !getenv("CTASK_TEST_FOREVER"))
			return ctask_string(cx, "all quick tasks ran");
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return ctask_fail(cx,
			  "only %ld of %ld quick tasks ran while hang "
			  "waited",
			  k, n);
}

CTASK_GRAPH(g)
{
	long n = env_long("CTASK_TEST_N", 40),
	     at = env_long("CTASK_TEST_AT", 5);
	if (n < 6 || n > 10000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 6..10000", n);
	for (long i = 0; i < n; i++) {
		if (i == at)
			ctask_call(g, hang);
		ctask_call(g, quick, i);
	}
}
