/*
 * ctask.h - the one header a ctask task file (or an embedding program) needs.
 *
 * A task file is ordinary C: task functions take a context and their
 * arguments and return a value; CTASK_GRAPH builds the graph by calling them
 * through ctask_call(). See README.md, "Writing task files".
 *
 * Ownership: every ctask_value a task creates with the constructors below
 * belongs to the task's context (ctask_ctx) and is freed by ctask after the
 * result has been stored. Values made while building the graph belong to the
 * graph. Nothing returned by this API is ever freed by the caller, except
 * where a function says so.
 */
#ifndef CTASK_H
#define CTASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CTASK_EXTERN __attribute__((visibility("default")))
#define CTASK__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CTASK_EXTERN
#define CTASK__PRINTF(f, a)
#endif

/* Bumped whenever the layout of ctask_plugin or the meaning of any
 * function below changes incompatibly. The loader refuses other versions. */
#define CTASK_ABI_VERSION 1

typedef struct ctask_graph ctask_graph; /* a task graph being built */
typedef struct ctask_task ctask_task;	/* one task: function + arguments */
typedef struct ctask_tasklist ctask_tasklist; /* tasks passed as one arg */
typedef struct ctask_value ctask_value;	      /* an immutable typed value */
typedef struct ctask_ctx ctask_ctx;	      /* the context a task runs in */
typedef struct ctask_args ctask_args;	      /* a task's argument values */

/* A task function. Returns the task's result, or NULL after ctask_fail. */
typedef ctask_value *(*ctask_fn)(ctask_ctx *cx, const ctask_args *a);

/* ---- Values (DESIGN.md §2) ---------------------------------------------- */

typedef enum {
	CTASK_T_NULL,
	CTASK_T_BOOL,
	CTASK_T_INT,
	CTASK_T_DOUBLE,
	CTASK_T_STRING,
	CTASK_T_BYTES,
	CTASK_T_ARRAY,
	CTASK_T_LIST,
	CTASK_T_MAP
} ctask_type;

typedef enum {
	CTASK_INT8,
	CTASK_UINT8,
	CTASK_INT16,
	CTASK_UINT16,
	CTASK_INT32,
	CTASK_UINT32,
	CTASK_INT64,
	CTASK_UINT64,
	CTASK_FLOAT32,
	CTASK_FLOAT64
} ctask_dtype;

#define CTASK_MAX_DIMS 8
/* Deepest nesting of a value: lists, maps and arrays are one level each
 * (README, "Values"). Building a deeper value fails the task. */
#define CTASK_MAX_DEPTH 512

/* Name of a type or dtype, for messages ("int", "float64", ...). */
CTASK_EXTERN const char *ctask_type_name(ctask_type t);
CTASK_EXTERN const char *ctask_dtype_name(ctask_dtype d);
CTASK_EXTERN size_t ctask_dtype_size(ctask_dtype d);

/* Constructors. The first argument is the task's ctask_ctx, or the graph
 * (ctask_graph) when a value is made while building the graph; the macros
 * below accept either. Strings and buffers are copied. */
CTASK_EXTERN ctask_ctx *ctask_graph_ctx(ctask_graph *g);
static inline ctask_ctx *ctask__cx_id(ctask_ctx *cx)
{
	return cx;
}
#define CTASK__CX(x)                                                           \
	_Generic((x), ctask_graph *                                            \
		 : ctask_graph_ctx, ctask_ctx *                                \
		 : ctask__cx_id)(x)

CTASK_EXTERN ctask_value *ctask_make_null(ctask_ctx *cx);
CTASK_EXTERN ctask_value *ctask_make_bool(ctask_ctx *cx, bool b);
CTASK_EXTERN ctask_value *ctask_make_int(ctask_ctx *cx, int64_t i);
CTASK_EXTERN ctask_value *ctask_make_double(ctask_ctx *cx, double d);
/* s must be valid UTF-8; invalid UTF-8 fails the task. */
CTASK_EXTERN ctask_value *ctask_make_string(ctask_ctx *cx, const char *s);
CTASK_EXTERN ctask_value *ctask_make_bytes(ctask_ctx *cx, const void *p,
					   size_t n);
/* A new array of the given shape, zero-filled; fill it through *data before
 * returning it. data may be NULL if the caller only copies in later. */
CTASK_EXTERN ctask_value *ctask_make_array(ctask_ctx *cx, ctask_dtype dt,
					   int ndim, const size_t *shape,
					   void **data);
/* A list of n values (items are referenced, not copied). */
CTASK_EXTERN ctask_value *ctask_make_list(ctask_ctx *cx, size_t n,
					  ctask_value *const *items);
/* A map with n string keys. Duplicate keys fail the task. */
CTASK_EXTERN ctask_value *ctask_make_map(ctask_ctx *cx, size_t n,
					 const char *const *keys,
					 ctask_value *const *vals);

#define ctask_null(x) ctask_make_null(CTASK__CX(x))
#define ctask_bool(x, b) ctask_make_bool(CTASK__CX(x), (b))
#define ctask_int(x, i) ctask_make_int(CTASK__CX(x), (i))
#define ctask_double(x, d) ctask_make_double(CTASK__CX(x), (d))
#define ctask_string(x, s) ctask_make_string(CTASK__CX(x), (s))
#define ctask_bytes(x, p, n) ctask_make_bytes(CTASK__CX(x), (p), (n))
#define ctask_array(x, dt, nd, sh, data)                                       \
	ctask_make_array(CTASK__CX(x), (dt), (nd), (sh), (data))
#define ctask_list_of(x, n, items) ctask_make_list(CTASK__CX(x), (n), (items))
#define ctask_map_of(x, n, k, v) ctask_make_map(CTASK__CX(x), (n), (k), (v))

/* Accessors. Used on a value of another type, they fail the running task
 * with a message naming the function and both types (never undefined
 * behaviour); outside a task they print the message and abort(). */
CTASK_EXTERN ctask_type ctask_value_type(const ctask_value *v);
CTASK_EXTERN bool ctask_value_bool(const ctask_value *v);
CTASK_EXTERN int64_t ctask_value_int(const ctask_value *v);
CTASK_EXTERN double ctask_value_double(const ctask_value *v);
CTASK_EXTERN const char *ctask_value_string(const ctask_value *v);
CTASK_EXTERN const void *ctask_value_bytes(const ctask_value *v, size_t *n);
CTASK_EXTERN ctask_dtype ctask_array_dtype(const ctask_value *v);
CTASK_EXTERN int ctask_array_ndim(const ctask_value *v);
CTASK_EXTERN const size_t *ctask_array_shape(const ctask_value *v);
CTASK_EXTERN size_t ctask_array_count(const ctask_value *v);
CTASK_EXTERN const void *ctask_array_data(const ctask_value *v);
/* Length of a list, string, bytes or map; element count of an array. */
CTASK_EXTERN size_t ctask_value_len(const ctask_value *v);
/* Item i of a list; an index out of range fails the task. */
CTASK_EXTERN ctask_value *ctask_list_get(const ctask_value *v, size_t i);
CTASK_EXTERN const char *ctask_map_key(const ctask_value *v, size_t i);
CTASK_EXTERN ctask_value *ctask_map_value(const ctask_value *v, size_t i);
/* The value under key, or NULL if the map has no such key. */
CTASK_EXTERN ctask_value *ctask_map_get(const ctask_value *v, const char *key);

/* ---- Inside a task ------------------------------------------------------- */

/* Number of arguments, and argument i as a value. */
CTASK_EXTERN size_t ctask_arg_count(const ctask_args *a);
CTASK_EXTERN ctask_value *ctask_arg(const ctask_args *a, size_t i);
/* Typed argument accessors: a wrong type or a missing argument fails the task
 * with "FN: argument I is TYPE, expected TYPE". */
CTASK_EXTERN bool ctask_arg_bool(const ctask_args *a, size_t i);
CTASK_EXTERN int64_t ctask_arg_int(const ctask_args *a, size_t i);
CTASK_EXTERN double ctask_arg_double(const ctask_args *a, size_t i);
CTASK_EXTERN const char *ctask_arg_string(const ctask_args *a, size_t i);
CTASK_EXTERN const void *ctask_arg_bytes(const ctask_args *a, size_t i,
					 size_t *n);
CTASK_EXTERN ctask_value *ctask_arg_array(const ctask_args *a, size_t i);
CTASK_EXTERN ctask_value *ctask_arg_list(const ctask_args *a, size_t i);
CTASK_EXTERN ctask_value *ctask_arg_map(const ctask_args *a, size_t i);

/* Fails the running task with a message; does not return. Declared to return
 * a value so that `return ctask_fail(cx, "...")` reads naturally. A message
 * of up to CTASK_MESSAGE_MAX bytes is kept whole; a longer one is cut there
 * (at a UTF-8 character boundary) and ends with "... [N bytes cut]". */
#define CTASK_MESSAGE_MAX 65536
CTASK_EXTERN ctask_value *ctask_fail(ctask_ctx *cx, const char *fmt, ...)
	CTASK__PRINTF(2, 3);

/* Scratch memory freed with the task's context. */
CTASK_EXTERN void *ctask_alloc(ctask_ctx *cx, size_t n);
/* The name of the function the task runs. */
CTASK_EXTERN const char *ctask_ctx_name(const ctask_ctx *cx);

/* ---- Building the graph -------------------------------------------------- */

/* One argument of ctask_call, made by _Generic from a plain C value. */
typedef struct {
	int kind; /* CTASK__ARG_* */
	union {
		int64_t i;
		uint64_t u;
		double d;
		const char *s;
		ctask_task *t;
		ctask_tasklist *tl;
		ctask_value *v;
	} as;
} ctask_argspec;

enum {
	CTASK__ARG_INT,
	CTASK__ARG_UINT,
	CTASK__ARG_DOUBLE,
	CTASK__ARG_STRING,
	CTASK__ARG_BOOL,
	CTASK__ARG_TASK,
	CTASK__ARG_TASKLIST,
	CTASK__ARG_VALUE
};

static inline ctask_argspec ctask__a_i(long long i)
{
	ctask_argspec s = {CTASK__ARG_INT, {.i = i}};
	return s;
}
static inline ctask_argspec ctask__a_u(unsigned long long u)
{
	ctask_argspec s = {CTASK__ARG_UINT, {.u = u}};
	return s;
}
static inline ctask_argspec ctask__a_d(double d)
{
	ctask_argspec s = {CTASK__ARG_DOUBLE, {.d = d}};
	return s;
}
static inline ctask_argspec ctask__a_s(const char *str)
{
	ctask_argspec s = {CTASK__ARG_STRING, {.s = str}};
	return s;
}
static inline ctask_argspec ctask__a_b(bool b)
{
	ctask_argspec s = {CTASK__ARG_BOOL, {.i = b}};
	return s;
}
static inline ctask_argspec ctask__a_t(ctask_task *t)
{
	ctask_argspec s = {CTASK__ARG_TASK, {.t = t}};
	return s;
}
static inline ctask_argspec ctask__a_tl(ctask_tasklist *tl)
{
	ctask_argspec s = {CTASK__ARG_TASKLIST, {.tl = tl}};
	return s;
}
static inline ctask_argspec ctask__a_v(ctask_value *v)
{
	ctask_argspec s = {CTASK__ARG_VALUE, {.v = v}};
	return s;
}

#define CTASK__A(x)                                                            \
	_Generic((x),                                                         \
		_Bool: ctask__a_b,                                            \
		char: ctask__a_i,                                             \
		signed char: ctask__a_i,                                      \
		short: ctask__a_i,                                            \
		int: ctask__a_i,                                              \
		long: ctask__a_i,                                             \
		long long: ctask__a_i,                                        \
		unsigned char: ctask__a_u,                                    \
		unsigned short: ctask__a_u,                                   \
		unsigned int: ctask__a_u,                                     \
		unsigned long: ctask__a_u,                                    \
		unsigned long long: ctask__a_u,                               \
		float: ctask__a_d,                                            \
		double: ctask__a_d,                                           \
		char *: ctask__a_s,                                           \
		const char *: ctask__a_s,                                     \
		ctask_task *: ctask__a_t,                                     \
		ctask_tasklist *: ctask__a_tl,                                \
		ctask_value *: ctask__a_v)(x)

/* Adds (or finds: identical calls are one task) the task fn(args...). The
 * name is the function's identifier, as in jug. On a bad argument (a NULL
 * task, a non-UTF-8 string, ...) graph building fails with a message. */
CTASK_EXTERN ctask_task *ctask__call(ctask_graph *g, ctask_fn fn,
				     const char *name, size_t nargs,
				     const ctask_argspec *args);

/* The number of arguments of ctask_call (the graph and the function
 * included), or M for more than 10 (up to 40). */
#define CTASK__NARG(...)                                                       \
	CTASK__NARG_(__VA_ARGS__, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, \
		     M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, 10, 9, 8, 7, \
		     6, 5, 4, 3, 2, 1, 0)
#define CTASK__NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13,   \
		     _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24,    \
		     _25, _26, _27, _28, _29, _30, _31, _32, _33, _34, _35,    \
		     _36, _37, _38, _39, _40, N, ...)                          \
	N
#define CTASK__CAT(a, b) CTASK__CAT_(a, b)
#define CTASK__CAT_(a, b) a##b
#define CTASK__SPECS(...) ((const ctask_argspec[]){__VA_ARGS__})
#define CTASK__C2(g, f) ctask__call((g), (f), #f, 0, NULL)
#define CTASK__C3(g, f, a)                                                     \
	ctask__call((g), (f), #f, 1, CTASK__SPECS(CTASK__A(a)))
#define CTASK__C4(g, f, a, b)                                                  \
	ctask__call((g), (f), #f, 2, CTASK__SPECS(CTASK__A(a), CTASK__A(b)))
#define CTASK__C5(g, f, a, b, c)                                               \
	ctask__call((g), (f), #f, 3,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c)))
#define CTASK__C6(g, f, a, b, c, d)                                            \
	ctask__call((g), (f), #f, 4,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c),        \
				 CTASK__A(d)))
#define CTASK__C7(g, f, a, b, c, d, e)                                         \
	ctask__call((g), (f), #f, 5,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c),        \
				 CTASK__A(d), CTASK__A(e)))
#define CTASK__C8(g, f, a, b, c, d, e, h)                                      \
	ctask__call((g), (f), #f, 6,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c),        \
				 CTASK__A(d), CTASK__A(e), CTASK__A(h)))
#define CTASK__C9(g, f, a, b, c, d, e, h, i)                                   \
	ctask__call((g), (f), #f, 7,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c),        \
				 CTASK__A(d), CTASK__A(e), CTASK__A(h),        \
				 CTASK__A(i)))
#define CTASK__C10(g, f, a, b, c, d, e, h, i, j)                               \
	ctask__call((g), (f), #f, 8,                                           \
		    CTASK__SPECS(CTASK__A(a), CTASK__A(b), CTASK__A(c),        \
				 CTASK__A(d), CTASK__A(e), CTASK__A(h),        \
				 CTASK__A(i), CTASK__A(j)))

/* Too many arguments, or no function: a compile-time error that says so (a
 * static assertion, declared in a struct so that it fits in an expression). */
static inline ctask_task *ctask__no_task(size_t n)
{
	(void)n;
	return (ctask_task *)0;
}
#define CTASK__STATIC_ERROR(msg)                                               \
	ctask__no_task(sizeof(struct {                                         \
		_Static_assert(0, msg);                                        \
		int ctask__unused;                                             \
	}))
#define CTASK__CM(...)                                                         \
	CTASK__STATIC_ERROR("ctask_call takes at most 8 arguments after the "  \
			    "function; pass a list or map value for more")
#define CTASK__C1(...)                                                         \
	CTASK__STATIC_ERROR("ctask_call needs the graph and a function: "      \
			    "ctask_call(g, fn, args...)")

/* ctask_call(g, fn, args...): up to 8 arguments, each an integer, double,
 * string, bool, ctask_task *, ctask_tasklist * or ctask_value *. A task
 * argument makes a dependency: fn receives that task's result. For more
 * arguments, pass a list value or call ctask__call directly. */
#define ctask_call(...)                                                        \
	CTASK__CAT(CTASK__C, CTASK__NARG(__VA_ARGS__))(__VA_ARGS__)

/* n tasks passed as one argument: the function receives a list of their
 * results, in order. The array is copied. */
CTASK_EXTERN ctask_tasklist *ctask_list(ctask_graph *g, ctask_task *const *ts,
					size_t n);

/* The number of tasks in a list, and task i (for one result of a map). */
CTASK_EXTERN size_t ctask_tasklist_len(const ctask_tasklist *tl);
CTASK_EXTERN ctask_task *ctask_tasklist_get(const ctask_tasklist *tl, size_t i);

/* Part i of a task whose result is a list (jug's iteratetask): usable as an
 * argument like a task. It is not a task of its own and is not stored
 * again: the function receives item i of the task's stored result. A result
 * that is not a list, or too short, fails the task that uses the part. */
CTASK_EXTERN ctask_task *ctask_item(ctask_graph *g, ctask_task *t, size_t i);

/* fn applied to every item of the list value inputs, chunk items to a task
 * (jug's mapreduce.map). Returns one part per input, in order: pass the
 * list as an argument to get all the results, or ctask_tasklist_get(tl, i)
 * for one. An empty input gives an empty list. chunk 0 means 1. */
CTASK_EXTERN ctask_tasklist *ctask_map(ctask_graph *g, ctask_fn fn,
				       const char *name, ctask_value *inputs,
				       size_t chunk);
#define ctask_map(g, fn, inputs, chunk)                                        \
	ctask_map((g), (fn), #fn, (inputs), (chunk))

/* reducer(mapper(x1), mapper(x2), ...) folded pairwise, left to right
 * (jug's mapreduce): mapper takes one argument, reducer two. Inputs are
 * mapped and reduced map_chunk at a time, then those results reduce_chunk
 * at a time, until one is left. An empty input gives an empty list. */
CTASK_EXTERN ctask_task *
ctask_mapreduce(ctask_graph *g, ctask_fn reducer, const char *reducer_name,
		ctask_fn mapper, const char *mapper_name, ctask_value *inputs,
		size_t map_chunk, size_t reduce_chunk);
#define ctask_mapreduce(g, reducer, mapper, inputs, map_chunk, reduce_chunk)   \
	ctask_mapreduce((g), (reducer), #reducer, (mapper), #mapper, (inputs), \
			(map_chunk), (reduce_chunk))

/* A value argument kept out of the hash (jug's NoHash): the function gets
 * it, but changing it does not change the task's hash. For things like a
 * thread count or a log path that do not change the result. */
CTASK_EXTERN ctask_task *ctask_nohash(ctask_graph *g, ctask_value *v);

/* A large constant hashed once (jug's identity): usable as an argument
 * like a task; every task that takes it hashes 16 bytes, not the value. */
CTASK_EXTERN ctask_task *ctask_const(ctask_graph *g, ctask_value *v);

/* Stops building the graph here until every task made so far is done
 * (jug's barrier). `ctask execute` runs them, then runs the graph function
 * again, which then gets past the barrier; one execute passes any number of
 * barriers. */
CTASK_EXTERN void ctask_barrier(ctask_graph *g);

/* The value of task t, after a barrier (jug's bvalue): the graph can depend
 * on results. Valid until the graph is freed. */
CTASK_EXTERN ctask_value *ctask_value_of(ctask_graph *g, ctask_task *t);

/* The arguments given after `--` on the command line (jug's
 * sys.argv): *argc gets their number. */
CTASK_EXTERN const char *const *ctask_argv(ctask_graph *g, int *argc);

/* Fails graph building with a message (e.g. bad input found by the graph
 * function); does not return. */
CTASK_EXTERN void ctask_graph_fail(ctask_graph *g, const char *fmt, ...)
	CTASK__PRINTF(2, 3);

/* ---- The plugin entry point --------------------------------------------- */

typedef void (*ctask_graph_fn)(ctask_graph *g);

/* What a task file exports under the name "ctask_plugin_entry". The loader
 * checks abi_version and struct_size before it reads anything else. ctask
 * compiles task files with -fvisibility=hidden: CTASK_EXTERN keeps this
 * symbol and the worker hooks below exported, and nothing else is. */
typedef struct {
	uint32_t abi_version;
	uint32_t struct_size;
	ctask_graph_fn graph;
	const char *source; /* __FILE__ of the task file, for fingerprints */
} ctask_plugin;

#define CTASK_GRAPH(g)                                                         \
	static void ctask__graph(ctask_graph *g);                              \
	CTASK_EXTERN const ctask_plugin ctask_plugin_entry = {                 \
		CTASK_ABI_VERSION, sizeof(ctask_plugin), ctask__graph,         \
		__FILE__};                                                     \
	static void ctask__graph(ctask_graph *g)

/* CTASK_VERSION(fn, n), at file level, declares version n of task function
 * fn (default 0). The version enters the hash of fn's tasks: bump it when a
 * change the code fingerprint cannot see (a library fn calls, a data file
 * it reads) should recompute fn's results and everything downstream. */
CTASK_EXTERN void ctask__declare_version(const char *name, uint64_t version);
#define CTASK_VERSION(fn, n)                                                   \
	__attribute__((constructor)) static void ctask__version_##fn(void)     \
	{                                                                      \
		(void)(ctask_fn)(fn);                                          \
		ctask__declare_version(#fn, (n));                              \
	}

/* A function run once in each worker process before its first task
 * (CTASK_WORKER_INIT) or after its last (CTASK_WORKER_FINI): load a model
 * or a table once per worker instead of once per task, and free it. Keep
 * what it loads in static variables of the task file. */
typedef void (*ctask_hook_fn)(void);
#define CTASK_WORKER_INIT(fn)                                                  \
	CTASK_EXTERN const ctask_hook_fn ctask_worker_init_hook = (fn)
#define CTASK_WORKER_FINI(fn)                                                  \
	CTASK_EXTERN const ctask_hook_fn ctask_worker_fini_hook = (fn)

#ifdef __cplusplus
}
#endif
#endif /* CTASK_H */
