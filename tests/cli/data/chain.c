/* tests/cli/test_chains.sh: a chain of N links (N from `--`, default 50);
 * link FAIL_AT (from `--`, default none) fails. Each link appends its index
 * to $CTASK_TEST_LOG, so the test can count executions. */
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t fail_at = -1;

static void log_run(int64_t i)
{
	const char *path = getenv("CTASK_TEST_LOG");
	if (!path)
		return;
	char line[32];
	int n = snprintf(line, sizeof line, "%lld\n", (long long)i);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			perror("write");
		close(fd);
	}
}

/* link(i, prev): prev + i; link 0 has prev 0. */
static ctask_value *link_(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	log_run(i);
	if (i == fail_at)
		return ctask_fail(cx, "link %lld fails", (long long)i);
	return ctask_int(cx, ctask_arg_int(a, 1) + i);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	int n = argc > 0 ? atoi(argv[0]) : 50;
	fail_at = argc > 1 ? atoll(argv[1]) : -1;
	ctask_task *t = ctask_call(g, link_, 0, 0);
	for (int i = 1; i < n; i++)
		t = ctask_call(g, link_, i, t);
}
