/*
 * mapreduce.c - ctask_map and ctask_mapreduce (jug's mapreduce module).
 *
 * Many small calls become few tasks: each chunk of inputs is one task of an
 * internal function that calls the user's function on every item, so the
 * per-task costs (a lease, a row, a trip to a worker) are paid once per
 * chunk. The results stay addressable one by one through parts
 * (ctask_item) of the chunk's list result, which are not stored again.
 */
#include "arena.h"
#include "ctx.h"
#include "graph.h"
#include "value.h"

#include <stdio.h>
#include <string.h>

/* Calls fn on one or two arguments, as a task function would be called. */
static ctask_value *call(ctask_ctx *cx, ctask_fn fn, ctask_value *a,
			 ctask_value *b)
{
	ctask_value *v[2] = {a, b};
	ctask_args args = {.fn_name = cx->name, .n = b ? 2 : 1, .v = v};
	ctask_value *r = fn(cx, &args);
	if (!r)
		ctask_ctx_failf(cx, "%s: returned NULL without ctask_fail",
				cx->name);
	return r;
}

/* The items of the chunk (argument 0), each through inner0 when map is
 * set; *n gets their number. The array is in cx's arena. */
static ctask_value **items_of(ctask_ctx *cx, const ctask_args *a, bool map,
			      size_t *n)
{
	ctask_value *items = ctask_arg_list(a, 0);
	*n = ctask_value_len(items);
	ctask_value **v = ctask_alloc(cx, (*n + 1) * sizeof *v);
	for (size_t i = 0; i < *n; i++) {
		v[i] = ctask_list_get(items, i);
		if (map)
			v[i] = call(cx, cx->inner[0], v[i], NULL);
	}
	return v;
}

/* Folds a list with inner1, left to right. */
static ctask_value *fold(ctask_ctx *cx, ctask_value *const *v, size_t n)
{
	ctask_value *acc = v[0];
	for (size_t i = 1; i < n; i++)
		acc = call(cx, cx->inner[1], acc, v[i]);
	return acc;
}

/* map task: [inner0(x) for x in chunk]. */
static ctask_value *map_chunk(ctask_ctx *cx, const ctask_args *a)
{
	size_t n;
	ctask_value **v = items_of(cx, a, true, &n);
	return ctask_list_of(cx, n, v);
}

/* mapreduce task: inner1-fold of [inner0(x) for x in chunk]. */
static ctask_value *mapreduce_chunk(ctask_ctx *cx, const ctask_args *a)
{
	size_t n;
	ctask_value **v = items_of(cx, a, true, &n);
	return fold(cx, v, n);
}

/* reduce task: inner1-fold of the results of a list of tasks. */
static ctask_value *reduce_chunk(ctask_ctx *cx, const ctask_args *a)
{
	size_t n;
	ctask_value **v = items_of(cx, a, false, &n);
	return fold(cx, v, n);
}

/* An internal function's task name, e.g. "map:double" (graph arena). */
static const char *internal_name(ctask_graph *g, const char *kind,
				 const char *a, const char *b)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s:%s%s%s", kind, a, b ? ":" : "",
		 b ? b : "");
	return ctask_arena_strdup(ctask_graph_ctx(g)->arena, buf);
}

/* The list value of inputs[lo..hi), for one chunk task. */
static ctask_value *chunk_of(ctask_graph *g, ctask_value *inputs, size_t lo,
			     size_t hi)
{
	ctask_value **items = ctask_arena_alloc(ctask_graph_ctx(g)->arena,
						(hi - lo + 1) * sizeof *items);
	for (size_t i = lo; i < hi; i++)
		items[i - lo] = ctask_list_get(inputs, i);
	return ctask_make_list(ctask_graph_ctx(g), hi - lo, items);
}

static void check_inputs(ctask_graph *g, ctask_value *inputs, const char *who)
{
	if (!inputs || ctask_value_type(inputs) != CTASK_T_LIST)
		ctask_graph_fail(g, "%s: inputs must be a list value", who);
}

ctask_tasklist *(ctask_map)(ctask_graph *g, ctask_fn fn, const char *name,
			    ctask_value *inputs, size_t chunk)
{
	check_inputs(g, inputs, "ctask_map");
	size_t n = ctask_value_len(inputs);
	chunk = chunk ? chunk : 1;
	const char *tname = internal_name(g, "map", name, NULL);
	ctask_task **parts = ctask_arena_alloc(ctask_graph_ctx(g)->arena,
					       (n + 1) * sizeof *parts);
	for (size_t lo = 0; lo < n; lo += chunk) {
		size_t hi = lo + chunk < n ? lo + chunk : n;
		ctask_argspec arg = {CTASK__ARG_VALUE,
				     {.v = chunk_of(g, inputs, lo, hi)}};
		ctask_task *t = ctask_graph_call(g, map_chunk, tname, 1, &arg,
						 fn, NULL);
		for (size_t i = lo; i < hi; i++)
			parts[i] = ctask_item(g, t, i - lo);
	}
	return ctask_list(g, parts, n);
}

/* Reduces tasks ts[0..n) reduce_chunk at a time until one is left. */
static ctask_task *reduce_tree(ctask_graph *g, const char *tname,
			       ctask_fn reducer, ctask_task **ts, size_t n,
			       size_t step)
{
	while (n > 1) {
		size_t m = 0;
		for (size_t lo = 0; lo < n; lo += step) {
			size_t hi = lo + step < n ? lo + step : n;
			ctask_argspec arg = {
				CTASK__ARG_TASKLIST,
				{.tl = ctask_list(g, ts + lo, hi - lo)}};
			ts[m++] = ctask_graph_call(g, reduce_chunk, tname, 1,
						   &arg, NULL, reducer);
		}
		n = m;
	}
	return ts[0];
}

ctask_task *(ctask_mapreduce)(ctask_graph *g, ctask_fn reducer,
			      const char *reducer_name, ctask_fn mapper,
			      const char *mapper_name, ctask_value *inputs,
			      size_t map_chunk_size, size_t reduce_chunk_size)
{
	check_inputs(g, inputs, "ctask_mapreduce");
	size_t n = ctask_value_len(inputs);
	if (n == 0)
		return ctask_const(g, ctask_list_of(g, 0, NULL));
	size_t mc = map_chunk_size ? map_chunk_size : 1;
	size_t rc = reduce_chunk_size > 1 ? reduce_chunk_size : 2;
	const char *mname =
		internal_name(g, "mapreduce", reducer_name, mapper_name);
	size_t nchunks = (n + mc - 1) / mc;
	ctask_task **ts = ctask_arena_alloc(ctask_graph_ctx(g)->arena,
					    nchunks * sizeof *ts);
	for (size_t lo = 0, k = 0; lo < n; lo += mc, k++) {
		size_t hi = lo + mc < n ? lo + mc : n;
		ctask_argspec arg = {CTASK__ARG_VALUE,
				     {.v = chunk_of(g, inputs, lo, hi)}};
		ts[k] = ctask_graph_call(g, mapreduce_chunk, mname, 1, &arg,
					 mapper, reducer);
	}
	return reduce_tree(g, internal_name(g, "reduce", reducer_name, NULL),
			   reducer, ts, nchunks, rc);
}
