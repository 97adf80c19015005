/* tests/cli/test_crashes.sh: tasks that kill their worker process (abort,
 * a segfault, exit(3)), tasks that need them, and independent tasks. */
#include <ctask.h>
#include <stdlib.h>

static ctask_value *crash_abort(ctask_ctx *cx, const ctask_args *a)
{
	if (ctask_arg_int(a, 0) >= 0)
		abort();
	return ctask_null(cx);
}

/* A real NULL write: the pointer is read from a volatile, so the compiler
 * cannot see that it is NULL (and cannot turn the write into a trap). */
static int *volatile nowhere;

static ctask_value *crash_segv(ctask_ctx *cx, const ctask_args *a)
{
	*nowhere = (int)ctask_arg_int(a, 0);
	return ctask_null(cx);
}

static ctask_value *crash_exit(ctask_ctx *cx, const ctask_args *a)
{
	if (ctask_arg_int(a, 0) >= 0)
		exit(3);
	return ctask_null(cx);
}

/* after(x): needs one of the crashing tasks, so it never runs. */
static ctask_value *after(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	return ctask_int(cx, 1);
}

static ctask_value *indep(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

static ctask_value *total(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task *ab = ctask_call(g, crash_abort, 1);
	ctask_task *sg = ctask_call(g, crash_segv, 2);
	ctask_task *ex = ctask_call(g, crash_exit, 3);
	ctask_call(g, after, ab);
	ctask_call(g, after, sg);
	ctask_call(g, after, ex);
	ctask_task *ind[20];
	for (int i = 0; i < 20; i++)
		ind[i] = ctask_call(g, indep, i);
	ctask_call(g, total, ctask_list(g, ind, 20));
}
