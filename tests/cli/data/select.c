/* tests/cli/test_select.sh: tasks named NAME#I, by hash and by a prefix of
 * one. 3000 `part` tasks make some 4-digit hash prefixes shared; `face` is
 * a function whose name is also hex digits; use#I needs dep#I; check#3
 * fails. */
#include <ctask.h>

#define N 3000

static ctask_value *part(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0));
}

static ctask_value *face(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_string(cx, "a function, not a hash prefix");
}

static ctask_value *dep(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 10 * ctask_arg_int(a, 0));
}

static ctask_value *use(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

static ctask_value *check(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	if (i == 3)
		return ctask_fail(cx, "check %lld fails", (long long)i);
	return ctask_int(cx, i);
}

CTASK_GRAPH(g)
{
	for (int i = 0; i < 5; i++)
		ctask_call(g, use, ctask_call(g, dep, i));
	for (int i = 0; i < 5; i++)
		ctask_call(g, check, i);
	ctask_call(g, face);
	for (int i = 0; i < N; i++)
		ctask_call(g, part, i);
}
