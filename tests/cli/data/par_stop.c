/* tests/cli/test_pool_stop.sh: without -k, the other workers stop as soon
 * as a task fails, however it fails.
 *
 * body(i) appends "body i" to $CTASK_TEST_LOG and returns i. body(AT), AT
 * = $CTASK_TEST_AT, is the culprit: it first writes the pid and start time
 * of its worker to $CTASK_TEST_DIR/culprit (whole, by a rename), then
 * logs, then fails as $CTASK_TEST_HOW says: fail (ctask_fail), abort,
 * segv, bus, ill, fpe, exit (exit(3)), or hang (it waits to be killed, 60
 * s at most).
 *
 * The others are gated so that the failure comes while many tasks remain,
 * and that a worker that starts a body once the culprit has logged its
 * line must have started it before it could know of the failure: a body
 * with i > AT waits until the culprit file exists, and a body that finds
 * that file waits until the culprit has failed (its worker is dead; for
 * fail: the file $CTASK_TEST_WATCH, the executor's stderr, says so), then
 * returns. So with -j 2, at most one body may start after the culprit's
 * line, on the other worker.
 *
 * For hang, a body that waited for the killing would be killed with the
 * culprit if it started less than a timer tick after it (it too would
 * have run past the timeout). So there, until the culprit has hung for
 * $CTASK_TEST_DELAY_MS (default 1000; less than --task-timeout), a body
 * that finds the culprit file waits only until then; those that find it
 * later wait for the killing. Then at most two bodies may start after the
 * culprit's line.
 *
 * The graph has $CTASK_TEST_N bodies (default 100), in order of i. */
#include <ctask.h>
#include <fcntl.h>
#include <signal.h>
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

static void in_dir(char *path, size_t n, const char *name)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(path, n, "%s/%s", dir ? dir : ".", name);
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

/* Reads up to n - 1 bytes of path into buf, NUL-terminated; 0 if none. */
static size_t slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t got = fd < 0 ? 0 : read(fd, buf, n - 1);
	if (fd >= 0)
		close(fd);
	buf[got > 0 ? got : 0] = 0;
	return got > 0 ? (size_t)got : 0;
}

/* The state (field 3) and start time (field 22) of process pid, from
 * /proc/PID/stat; false if there is no such process. */
static int proc_stat(long pid, char *state, unsigned long long *start)
{
	char path[64], buf[4096];
	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	else
		snprintf(path, sizeof path, "/proc/self/stat");
	if (!slurp(path, buf, sizeof buf))
		return 0;
	char *p = strrchr(buf, ')'); /* the name may hold spaces */
	if (!p || !p[1] || !p[2])
		return 0;
	*state = p[2];
	p += 3;
	for (int field = 4; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	*start = strtoull(p + 1, NULL, 10);
	return 1;
}

/* A short nap: a body that waits notices at once that it may go on, and
 * its worker goes on to the next task as the executor would not yet. */
static void nap(void)
{
	struct timespec ts = {0, 100 * 1000};
	nanosleep(&ts, NULL);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is(const char *how)
{
	const char *s = getenv("CTASK_TEST_HOW");
	return strcmp(s ? s : "fail", how) == 0;
}

/* The culprit file: pid and start time of the culprit's worker, and when
 * the culprit started (mono_ms). Returns false until it exists. */
static int read_culprit(long *pid, unsigned long long *start, long long *ms)
{
	char path[4096], buf[256];
	in_dir(path, sizeof path, "culprit");
	return slurp(path, buf, sizeof buf) &&
	       sscanf(buf, "%ld %llu %lld", pid, start, ms) == 3;
}

/* Whether the culprit has failed: its worker ended (a zombie counts, and
 * so does its pid meaning another process now), or, when it fails by
 * ctask_fail, the executor has reported it. */
static int culprit_failed(long at)
{
	char buf[65536], state = 0;
	long pid;
	long long ms;
	unsigned long long start, now = 0;
	if (is("fail")) {
		const char *watch = getenv("CTASK_TEST_WATCH");
		char want[64];
		snprintf(want, sizeof want, "body#%ld failed", at);
		return watch && slurp(watch, buf, sizeof buf) &&
		       strstr(buf, want);
	}
	if (!read_culprit(&pid, &start, &ms))
		return 0;
	return !proc_stat(pid, &state, &now) || state == 'Z' || state == 'X' ||
	       now != start;
}

/* hang: waits until the culprit has hung for $CTASK_TEST_DELAY_MS, and
 * returns whether it had not yet when this body started. */
static int before_delay(long long started)
{
	long pid;
	unsigned long long start;
	long long ms, delay = env_long("CTASK_TEST_DELAY_MS", 1000);
	if (!is("hang") || !read_culprit(&pid, &start, &ms) ||
	    started >= ms + delay)
		return 0;
	while (mono_ms() < ms + delay)
		nap();
	return 1;
}

static ctask_value *culprit(ctask_ctx *cx, long i)
{
	char path[4096], tmp[4096], state;
	unsigned long long start = 0;
	in_dir(path, sizeof path, "culprit");
	in_dir(tmp, sizeof tmp, "culprit.tmp");
	proc_stat(0, &state, &start);
	FILE *f = fopen(tmp, "w");
	if (!f ||
	    fprintf(f, "%ld %llu %lld\n", (long)getpid(), start, mono_ms()) <
		    0 ||
	    fclose(f) != 0 || rename(tmp, path) != 0)
		return ctask_fail(cx, "cannot write %s", path);
	logline(i);
	if (is("abort"))
		abort();
	if (is("segv"))
		*(volatile int *)(uintptr_t)env_long("CTASK_TEST_NULL", 0) = 1;
	if (is("bus"))
		raise(SIGBUS);
	if (is("ill"))
		__builtin_trap();
	if (is("fpe"))
		raise(SIGFPE);
	if (is("exit"))
		exit(3);
	long long t0 = mono_ms();
	while (is("hang") && mono_ms() - t0 < 60000)
		nap();
	return ctask_fail(cx, "body %ld fails", i);
}

static ctask_value *body(ctask_ctx *cx, const ctask_args *a)
{
	long i = (long)ctask_arg_int(a, 0), at = env_long("CTASK_TEST_AT", 50);
	long long t0 = mono_ms();
	char path[4096];
	if (i == at)
		return culprit(cx, i);
	logline(i);
	in_dir(path, sizeof path, "culprit");
	/* 60 s at most, each wait: a safety net, not a measure. */
	while (i > at && access(path, F_OK) != 0 && mono_ms() - t0 < 60000)
		nap();
	if (access(path, F_OK) != 0 || before_delay(t0))
		return ctask_int(cx, i);
	while (!culprit_failed(at))
		if (mono_ms() - t0 > 60000)
			return ctask_fail(cx, "body %ld: body %ld did not fail",
					  i, at);
		else
			nap();
	return ctask_int(cx, i);
}

CTASK_GRAPH(g)
{
	long n = env_long("CTASK_TEST_N", 100);
	if (n < 1 || n > 100000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..100000", n);
	for (long i = 0; i < n; i++)
		ctask_call(g, body, i);
}
