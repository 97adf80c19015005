/* tests/cli/test_pool.sh: a task that hangs right after a task of its
 * batch finished, while a third task waits for that finished result.
 *
 * step(x) returns x + 1, except that step(HANG) appends "step HANG" to
 * $CTASK_TEST_LOG (if set) and waits until $CTASK_TEST_DIR/mark exists
 * (made by mark()), then returns HANG + 1; it fails after 60 s of waiting
 * (a safety net, not a measure). The graph:
 * 200 warm-up step(i), so that step's mean duration is known and tiny
 * (its tasks travel many to a batch and the worker writes their results
 * back only after the batch or every 20 ms); base(the warm-ups), which
 * returns HANG - 1; a = step(base), b = step(a) and mark(a). The
 * scheduler sends a and b right after base in one batch, to one worker (a
 * chain: b waits only for a), so a's result is in that worker's outbox
 * when b starts to hang; mark(a) can run, and b can return, only if the
 * executor takes a's result while b hangs. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define HANG 1000000
#define WARM 200

static void mark_path(char *path, size_t n)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(path, n, "%s/mark", dir ? dir : ".");
}

static ctask_value *step(ctask_ctx *cx, const ctask_args *a)
{
	int64_t x = ctask_arg_int(a, 0);
	if (x != HANG)
		return ctask_int(cx, x + 1);
	char path[4096];
	const char *log = getenv("CTASK_TEST_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "step HANG\n");
		fclose(f);
	}
	mark_path(path, sizeof path);
	for (int tick = 0; tick < 6000; tick++) {
		if (access(path, F_OK) == 0)
			return ctask_int(cx, x + 1);
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return ctask_fail(cx, "mark() did not run while step(%d) waited", HANG);
}

static ctask_value *base(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_int(cx, HANG - 1);
}

static ctask_value *mark(ctask_ctx *cx, const ctask_args *a)
{
	char path[4096];
	mark_path(path, sizeof path);
	FILE *f = fopen(path, "w");
	if (!f)
		return ctask_fail(cx, "cannot create %s", path);
	fclose(f);
	return ctask_int(cx, ctask_arg_int(a, 0));
}

CTASK_GRAPH(g)
{
	ctask_task *warm[WARM];
	for (int i = 0; i < WARM; i++)
		warm[i] = ctask_call(g, step, i);
	ctask_task *b0 = ctask_call(g, base, ctask_list(g, warm, WARM));
	ctask_task *a = ctask_call(g, step, b0);
	ctask_call(g, step, a);
	ctask_call(g, mark, a);
}
