/* tests/cli/test_executors.sh: 300 tasks of ~5 ms and a fan-in. Every task
 * body appends one line to the file named by $CTASK_TEST_LOG (one write(2)
 * with O_APPEND per line, so lines from several processes never mix). */
#include <ctask.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NWORK 300

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

static ctask_value *work(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	struct timespec ts = {0, 5 * 1000 * 1000};
	while (nanosleep(&ts, &ts) != 0)
		;
	logline("work %lld\n", (long long)i);
	return ctask_int(cx, i * i);
}

static ctask_value *gather(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	logline("gather\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task *t[NWORK];
	for (int i = 0; i < NWORK; i++)
		t[i] = ctask_call(g, work, i);
	ctask_call(g, gather, ctask_list(g, t, NWORK));
}
