/* tests/cli/test_parallel.sh: CTASK_WORKER_INIT / CTASK_WORKER_FINI.
 *
 * The init hook appends "init PID" to $CTASK_TEST_INITLOG and loads a
 * "table" (a static variable); the fini hook appends "fini PID". lookup(i)
 * fails unless the table was loaded, appends "task PID i" to
 * $CTASK_TEST_LOG and returns table + i. With $CTASK_TEST_CRASH set, the
 * graph also has crasher(), which aborts its worker. With
 * $CTASK_TEST_INIT_CRASH set, the init hook aborts. */
#include <ctask.h>

#include "testlib.h"

static int64_t table; /* loaded by init */

static void load(void)
{
	test_log_to("CTASK_TEST_INITLOG", "init %d\n", (int)getpid());
	if (getenv("CTASK_TEST_INIT_CRASH"))
		abort();
	table = 1000;
}

static void unload(void)
{
	test_log_to("CTASK_TEST_INITLOG", "fini %d\n", (int)getpid());
	table = 0;
}

CTASK_WORKER_INIT(load);
CTASK_WORKER_FINI(unload);

static ctask_value *lookup(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	if (table != 1000)
		return ctask_fail(cx, "the table is not loaded (%lld)",
				  (long long)table);
	test_sleep_ms(2);
	test_log_to("CTASK_TEST_LOG", "task %d %lld\n", (int)getpid(),
		    (long long)i);
	return ctask_int(cx, table + i);
}

static ctask_value *crasher(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	(void)cx;
	abort();
}

CTASK_GRAPH(g)
{
	for (int i = 0; i < 50; i++)
		ctask_call(g, lookup, i);
	if (getenv("CTASK_TEST_CRASH"))
		ctask_call(g, crasher);
}
