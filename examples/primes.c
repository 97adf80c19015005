/* Run: ctask execute examples/primes.c && ctask show examples/primes.c
 * sum_primes
 *
 * jug's demo in C: count the primes in 10 ranges, then add the counts up.
 */
#include <ctask.h>

static int is_prime(int64_t n)
{
	if (n < 2)
		return 0;
	for (int64_t d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* count_primes(lo, hi): how many primes are in [lo, hi). */
static ctask_value *count_primes(ctask_ctx *cx, const ctask_args *a)
{
	int64_t lo = ctask_arg_int(a, 0), hi = ctask_arg_int(a, 1), n = 0;
	for (int64_t i = lo; i < hi; i++)
		n += is_prime(i);
	return ctask_int(cx, n);
}

/* sum_primes(counts): the sum of a list of counts. */
static ctask_value *sum_primes(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *counts = ctask_arg_list(a, 0);
	int64_t total = 0;
	for (size_t i = 0; i < ctask_value_len(counts); i++)
		total += ctask_value_int(ctask_list_get(counts, i));
	return ctask_int(cx, total);
}

CTASK_GRAPH(g)
{
	ctask_task *parts[10];
	for (int i = 0; i < 10; i++)
		parts[i] = ctask_call(g, count_primes, i * 100000,
				      (i + 1) * 100000);
	ctask_call(g, sum_primes, ctask_list(g, parts, 10));
}
