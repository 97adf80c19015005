/* tests/cli/test_mapreduce.sh: ctask_const (jug's identity) and
 * ctask_nohash (jug's NoHash). `-- SCALE THREADS` (default 1 4):
 *   c = const array of 100000 float64, c[i] = SCALE * i, passed to three
 *   tasks: c_sum, c_last, c_count;
 *   work(5, nohash(THREADS)) = [5 * 10, THREADS as received]. */
#include <ctask.h>

#include <stdlib.h>

#define N 100000

static ctask_value *c_sum(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *x = ctask_arg_array(a, 0);
	const double *d = ctask_array_data(x);
	double s = 0;
	for (size_t i = 0; i < ctask_array_count(x); i++)
		s += d[i];
	return ctask_double(cx, s);
}

static ctask_value *c_last(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *x = ctask_arg_array(a, 0);
	const double *d = ctask_array_data(x);
	return ctask_double(cx, d[ctask_array_count(x) - 1]);
}

static ctask_value *c_count(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, (int64_t)ctask_array_count(ctask_arg_array(a, 0)));
}

static ctask_value *work(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *v[2] = {ctask_int(cx, 10 * ctask_arg_int(a, 0)),
			     ctask_int(cx, ctask_arg_int(a, 1))};
	return ctask_list_of(cx, 2, v);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	int scale = argc > 0 ? atoi(argv[0]) : 1;
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	size_t shape[1] = {N};
	void *data;
	ctask_value *arr = ctask_array(g, CTASK_FLOAT64, 1, shape, &data);
	double *d = data;
	for (size_t i = 0; i < N; i++)
		d[i] = (double)scale * (double)i;
	ctask_task *c = ctask_const(g, arr);
	ctask_call(g, c_sum, c);
	ctask_call(g, c_last, c);
	ctask_call(g, c_count, c);
	ctask_call(g, work, 5, ctask_nohash(g, ctask_int(g, threads)));
}
