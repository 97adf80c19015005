/* tests/cli/test_barriers.sh: a value read after a barrier (jug's bvalue):
 * 2 * value of twice(1) is 4. `-- K` reads K values, one barrier each:
 * v = 1; K times v = value of twice(v); then twice(v), 2^(K+1). */
#include <ctask.h>

#include <stdlib.h>

/* twice(x) = 2x. */
static ctask_value *twice(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	int k = argc > 0 ? atoi(argv[0]) : 1;
	int64_t v = 1;
	for (int i = 0; i < k; i++)
		v = ctask_value_int(ctask_value_of(g, ctask_call(g, twice, v)));
	ctask_call(g, twice, v);
}
