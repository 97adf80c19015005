/* tests/cli/test_bad_input.sh: a result large enough to be stored as an
 * object file (80000 bytes), feeding a second task. */
#include <ctask.h>

/* big(): 10000 float64, 0 .. 9999. */
static ctask_value *big(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	size_t shape[1] = {10000};
	void *data;
	ctask_value *v = ctask_array(cx, CTASK_FLOAT64, 1, shape, &data);
	double *d = data;
	for (size_t i = 0; i < shape[0]; i++)
		d[i] = (double)i;
	return v;
}

/* total(x): the sum of an array of float64. */
static ctask_value *total(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *x = ctask_arg_array(a, 0);
	const double *d = ctask_array_data(x);
	double s = 0;
	for (size_t i = 0; i < ctask_array_count(x); i++)
		s += d[i];
	return ctask_double(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_call(g, total, ctask_call(g, big));
}
