/* tests/cli/test_pool.sh: many quick tasks that travel to a worker in
 * batches, one of which crashes or fails.
 *
 * body(i) appends "body i" to $CTASK_TEST_LOG (one line per body run, so
 * the test can count them) and returns i; body($CTASK_TEST_CRASH) aborts
 * its worker after logging, and body(i) fails with ctask_fail for each i
 * in the comma-separated list $CTASK_TEST_FAIL; for each i in the list
 * $CTASK_TEST_FAIL_ONCE, only its first run does (it leaves a file
 * $CTASK_TEST_DIR/failed-i, and fails if the file was not there). For
 * each i in the list $CTASK_TEST_FORK, body(i) forks two processes, one
 * that calls exit(0) and one that calls abort(), and waits for them (a
 * task's own processes may end as they like). For each i in the list
 * $CTASK_TEST_BIG, body(i) returns a string of 300,000 'x' instead (a
 * result larger than a worker gathers before writing back).
 * The graph has $CTASK_TEST_N body tasks (default 36), in order of i, and
 * nothing else: every body is ready at once. */
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : def;
}

/* One line per call, appended with one write (O_APPEND: lines of several
 * workers do not mix). */
static void logline(long i)
{
	const char *path = getenv("CTASK_TEST_LOG");
	char buf[64];
	int n = snprintf(buf, sizeof buf, "body %ld\n", i);
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		abort();
	close(fd);
}

/* Whether i is in the comma-separated list of numbers in $name. */
static int listed(const char *name, long i)
{
	const char *s = getenv(name);
	while (s && *s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			return 0;
		if (v == i)
			return 1;
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* Whether body(i) has not run before: makes $CTASK_TEST_DIR/failed-i. */
static int first_run(long i)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/failed-%ld", dir ? dir : ".", i);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static ctask_value *body(ctask_ctx *cx, const ctask_args *a)
{
	long i = (long)ctask_arg_int(a, 0);
	logline(i);
	if (i == env_long("CTASK_TEST_CRASH", -1))
		abort();
	if (listed("CTASK_TEST_FAIL", i))
		return ctask_fail(cx, "body %ld fails", i);
	if (listed("CTASK_TEST_FAIL_ONCE", i) && first_run(i))
		return ctask_fail(cx, "body %ld fails once", i);
	if (listed("CTASK_TEST_FORK", i))
		for (int k = 0; k < 2; k++) {
			pid_t pid = fork();
			if (pid == 0 && k == 0)
				exit(0);
			if (pid == 0)
				abort();
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				return ctask_fail(cx, "body %ld: fork", i);
		}
	if (listed("CTASK_TEST_BIG", i)) {
		static char big[300001];
		memset(big, 'x', sizeof big - 1);
		return ctask_string(cx, big);
	}
	return ctask_int(cx, i);
}

CTASK_GRAPH(g)
{
	long n = env_long("CTASK_TEST_N", 36);
	if (n < 1 || n > 100000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..100000", n);
	for (long i = 0; i < n; i++)
		ctask_call(g, body, i);
}
