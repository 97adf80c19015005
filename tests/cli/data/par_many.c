/* tests/cli/test_executors.sh: 300 tasks of ~5 ms and a fan-in. Every task
 * body appends one line to the file named by $CTASK_TEST_LOG (testlib.h:
 * lines from several processes never mix). */
#include <ctask.h>

#include "testlib.h"

#define NWORK 300

static ctask_value *work(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	test_sleep_ms(5);
	test_log("work %lld\n", (long long)i);
	return ctask_int(cx, i * i);
}

static ctask_value *gather(ctask_ctx *cx, const ctask_args *a)
{
	int64_t s = test_sum(ctask_arg_list(a, 0));
	test_log("gather\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task *t[NWORK];
	for (int i = 0; i < NWORK; i++)
		t[i] = ctask_call(g, work, i);
	ctask_call(g, gather, ctask_list(g, t, NWORK));
}
