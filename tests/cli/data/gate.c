/* tests/cli/test_progress.sh: N = 4 tasks that wait until the file
 * $CTASK_TEST_DIR/go exists (polled every 10 ms; after 120 s a task fails
 * instead of hanging the test), so that the test sees the progress line
 * while no task has finished yet, then lets them go. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define N 4

static ctask_value *gate(ctask_ctx *cx, const ctask_args *a)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/go", dir ? dir : ".");
	struct timespec ts = {0, 10 * 1000 * 1000};
	for (int i = 0; access(path, F_OK) != 0; i++) {
		if (i == 12000)
			return ctask_fail(cx, "%s never appeared", path);
		nanosleep(&ts, NULL);
	}
	return ctask_int(cx, ctask_arg_int(a, 0));
}

CTASK_GRAPH(g)
{
	for (int i = 0; i < N; i++)
		ctask_call(g, gate, i);
}
