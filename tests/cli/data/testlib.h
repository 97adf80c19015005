/* testlib.h - what the task files of the command-line tests share: their
 * settings from the environment, the log their bodies append to, the marker
 * files by which they tell the test where they are and wait for it, and the
 * sum of a list of ints.
 *
 * Task files are compiled with only ctask.h's directory on the include
 * path, so a test that copies a task file including this one copies it too
 * (lib.sh, copy_task); a task file compiled where it stands, in data/,
 * finds it beside it. */
#ifndef CTASK_TESTLIB_H
#define CTASK_TESTLIB_H

#include <ctask.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The number in environment variable name, or def if it is unset. */
static inline long test_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : def;
}

/* Appends a line (vprintf-style) to the file named by environment
 * variable var, if set: one write(2) with O_APPEND, so that the lines of
 * several processes never mix. */
static inline void test_vlog_to(const char *var, const char *fmt, va_list ap)
{
	const char *path = getenv(var);
	char buf[256];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || n < 0 || (size_t)n >= sizeof buf ||
	    write(fd, buf, (size_t)n) != n)
		abort();
	close(fd);
}

/* The same, printf-style. */
static inline void test_log_to(const char *var, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_vlog_to(var, fmt, ap);
	va_end(ap);
}

/* A line in the log of $CTASK_TEST_LOG (test_log_to). */
static inline void test_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_vlog_to("CTASK_TEST_LOG", fmt, ap);
	va_end(ap);
}

/* DIR/name in out, DIR being $CTASK_TEST_DIR (default "."). */
static inline void test_path(char *out, size_t n, const char *name)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(out, n, "%s/%s", dir ? dir : ".", name);
}

/* Creates the marker DIR/name (test_path) for the test to see. */
static inline void test_mark(const char *name)
{
	char path[4096];
	test_path(path, sizeof path, name);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

/* Sleeps ms milliseconds, all of them even when a signal interrupts. */
static inline void test_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Waits until the test creates DIR/name (test_path). Unbounded: the
 * test's own timeout bounds it. */
static inline void test_wait_for(const char *name)
{
	char path[4096];
	test_path(path, sizeof path, name);
	while (access(path, F_OK) != 0)
		test_sleep_ms(10);
}

/* The sum of l, a list of ints. */
static inline int64_t test_sum(const ctask_value *l)
{
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	return s;
}

#endif
