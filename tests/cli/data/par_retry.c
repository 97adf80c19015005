/* tests/cli/test_crashes.sh: --retries and --task-timeout.
 *
 * flaky_fail() and flaky_crash() count their attempts in the files
 * $CTASK_TEST_DIR/attempts-fail and attempts-crash; the first two attempts
 * fail (ctask_fail / abort()), the third and later succeed. sleepy() sleeps
 * 30 s unless $CTASK_TEST_SLEEPY is unset (then it is not in the graph);
 * quick() needs nothing. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Adds one to the counter in file NAME and returns the new count. */
static int bump(const char *name)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", name);
	int n = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	n++;
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "%d\n", n);
	fclose(f);
	return n;
}

static ctask_value *flaky_fail(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	int n = bump("attempts-fail");
	if (n < 3)
		return ctask_fail(cx, "flaky attempt %d", n);
	return ctask_int(cx, n);
}

static ctask_value *flaky_crash(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	int n = bump("attempts-crash");
	if (n < 3)
		abort();
	return ctask_int(cx, n);
}

static ctask_value *sleepy(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	struct timespec ts = {30, 0};
	while (nanosleep(&ts, &ts) != 0)
		;
	return ctask_string(cx, "woke up");
}

static ctask_value *quick(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_int(cx, 7);
}

CTASK_GRAPH(g)
{
	if (getenv("CTASK_TEST_SLEEPY")) {
		ctask_call(g, sleepy);
		ctask_call(g, quick);
		return;
	}
	ctask_call(g, flaky_fail);
	ctask_call(g, flaky_crash);
}
