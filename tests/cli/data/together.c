/* tests/cli/test_start_together.sh: 40 quick tasks and their sum. Every
 * task body appends one line to the file named by $CTASK_TEST_LOG (one
 * write(2) with O_APPEND per line, so lines from several processes never
 * mix). */
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 40

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

static ctask_value *square(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	char line[32];
	snprintf(line, sizeof line, "square %lld\n", (long long)i);
	logline(line);
	return ctask_int(cx, i * i);
}

static ctask_value *sum(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	logline("sum\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task *t[N];
	for (int i = 0; i < N; i++)
		t[i] = ctask_call(g, square, i);
	ctask_call(g, sum, ctask_list(g, t, N));
}
